"""Draws that meet the quota exactly and that a sceptic can check from the published papers
alone: the faults found by an independent re-implementation, each a test."""

import json
import sqlite3
import subprocess
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from docx import Document
from hypothesis import given, settings, strategies as st

import independent_sampler as ind
from conftest import Cli, plain
from ledgers import write_csv
from test_sample import ENT_H, ROSTER_H, enterprises, roster_rows
from zjsafety.demo import write_demo_ledgers
from zjsafety.importers.pipeline import import_files
from zjsafety.sampling import algorithm as A
from zjsafety.sampling.draw import draw, plan, request
from zjsafety.sampling.verify import verify, verify_all
from zjsafety.store import connect

DAY = date(2019, 3, 1)


@pytest.fixture
def demo(tmp_path):
    write_demo_ledgers(tmp_path)
    conn = connect(tmp_path / "demo.db")
    import_files(conn, [tmp_path / "台账"], county="330106")
    yield conn
    conn.close()


def distinct_coverage(d) -> int:
    return len({s["key"] for s in d.result["selected"]} | {f["key"] for f in d.frame if f["covered"]})


# ------------------------------------------------------------------ 1. the quota, exactly

def test_the_demo_draw_reaches_its_quota_with_distinct_enterprises(demo):
    d = draw(demo, level="county", scope="330106", year=2019, seed="2019-县级-第1批", as_of=date(2019, 1, 15))
    assert d.result["covered"] > 0
    assert distinct_coverage(d) >= d.row["quota"]  # 23 of 24 before: the inspected were drawn again
    assert not {s["key"] for s in d.result["selected"]} & {f["key"] for f in d.frame if f["covered"]}


def test_inspected_and_drawn_count_once(demo, tmp_path):
    d1 = draw(demo, level="county", scope="330106", year=2019, seed="a", as_of=date(2019, 1, 15), rate="0.1")
    first = d1.result["selected"][0]["key"]
    name = next(f["name"] for f in d1.frame if f["key"] == first)
    insp = write_csv(tmp_path / "i.csv", ["企业名称", "统一社会信用代码", "督查日期", "督查层级"], [[name, first, "2019-01-20", "县级"]])
    import_files(demo, [insp])
    d2 = draw(demo, level="county", scope="330106", year=2019, seed="b", as_of=date(2019, 2, 1), rate="0.3")
    covered = [f for f in d2.frame if f["covered"]]
    assert len({f["key"] for f in covered}) == len(covered)  # one entry each, however it was covered
    assert next(f["covered"] for f in d2.frame if f["key"] == first) == "inspected"
    assert distinct_coverage(d2) >= d2.row["quota"]


FRAME = st.lists(st.tuples(st.sampled_from(["甲|一", "甲|二", "乙|一", "丙|三"]), st.booleans(), st.booleans(),
                           st.sampled_from([None, None, None, "inspected", "drawn"])), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(FRAME, st.sampled_from(["0.05", "0.10", "0.30", "0.333", "1"]), st.text(min_size=1, max_size=8))
def test_selected_and_covered_reach_the_quota_whenever_the_frame_allows(rows, rate, seed):
    frame = [{"key": f"K{i:03d}", "stratum": s, "must": ["major-risk"] if m else [], "covered": c,
              "excluded": "recent" if x and not c else None} for i, (s, m, x, c) in enumerate(rows)]
    res = A.select(frame, {"seed": seed, "rate": rate})
    q = A.quota(rate, len(frame))
    assert q == -(-len(frame) * Fraction(rate).numerator // Fraction(rate).denominator)
    reach = len({s["key"] for s in res["selected"]}) + res["covered"]
    available = len([f for f in frame if not f["covered"] and (f["must"] or not f["excluded"])]) + res["covered"]
    assert reach >= min(q, available)
    assert not {s["key"] for s in res["selected"]} & {f["key"] for f in frame if f["covered"]}


# ------------------------------------------------------------------ 2. exact allocation

def exact_allocation(sizes: dict[str, int], n: int) -> dict[str, int]:
    """The README's rule, in Fractions, written again here."""
    names = sorted(k for k, v in sizes.items() if v > 0)
    P, S = sum(sizes[k] for k in names), len(names)
    out = {k: 1 for k in names}
    quotas = {k: Fraction((n - S) * (sizes[k] - 1), P - S) for k in names}
    for k in names:
        out[k] += quotas[k].numerator // quotas[k].denominator
    left = n - sum(out.values())
    for k in sorted(names, key=lambda k: (-(quotas[k] - int(quotas[k])), k))[:left]:
        out[k] += 1
    return out


@settings(max_examples=3000, deadline=None)
@given(st.dictionaries(st.sampled_from(list("abcdefgh")), st.integers(1, 400), min_size=2, max_size=8), st.data())
def test_allocation_is_exact_largest_remainder(sizes, data):
    P, S = sum(sizes.values()), len(sizes)
    if P <= S:
        return
    n = data.draw(st.integers(S, P - 1))
    got = A.allocate(sizes, n, "s")
    assert got == exact_allocation(sizes, n) and sum(got.values()) == n


def test_a_layout_where_floats_disagree():
    # (n - S)(N_h - 1)/(P - S) with remainders that floating point mis-orders: 7 of 20 ties
    sizes = {"a": 3, "b": 3, "c": 3, "d": 4, "e": 11}
    n = 10
    assert A.allocate(sizes, n, "s") == exact_allocation(sizes, n)


# ------------------------------------------------------------------ 3. redraws

def test_a_redraw_with_the_same_seed_gives_the_same_sample(demo):
    d1 = draw(demo, level="county", scope="330106", year=2019, seed="甲", as_of=date(2019, 1, 15), spares=2)
    d2 = draw(demo, level="county", scope="330106", year=2019, seed="甲", as_of=date(2019, 1, 15), spares=2,
              reason="复核抽取过程")
    assert d2.row["supersedes"] == d1.id
    assert d2.result["selected"] == d1.result["selected"] and d2.result["covered"] == d1.result["covered"]
    assert d2.result["assignments"] == d1.result["assignments"]
    assert verify(demo, d2.id).ok


# ------------------------------------------------------------------ 4. 回避 by name

def test_recusal_by_name_is_kept_and_an_unknown_name_is_said(tmp_path):
    ents = enterprises()
    roster = roster_rows(6)
    roster[0][6] = ents[0][0] + "、" + ents[2][0].replace("有限公司", " 有限公司")  # names, one with a space
    roster[1][6] = "杭州根本不存在的公司"
    conn = connect(tmp_path / "r.db")
    res = import_files(conn, [write_csv(tmp_path / "e.csv", ENT_H, ents), write_csv(tmp_path / "r.csv", ROSTER_H, roster)],
                       county="330106")
    said = [f for r in res.files for f in r.findings if f.type == "unknown_conflict"]
    assert len(said) == 1 and "不存在" in said[0].message and said[0].row == 3
    for seed in "abcdefgh":
        # (the unknown name stops a draw unless the clerk confirms it: issue 23)
        d = draw(conn, level="county", scope="330106", year=2019, seed=seed, as_of=DAY, rate="0.9", reason="x",
                 allow_unknown_conflicts=True)
        for key in (ents[0][1], ents[2][1]):
            assert "ZJ000" not in d.result["assignments"].get(key, [])
    conn.close()


# ------------------------------------------------------------------ 5. concurrent draws

def _seeded(tmp_path) -> Path:
    db = tmp_path / "c.db"
    conn = connect(db)
    import_files(conn, [write_csv(tmp_path / "e.csv", ENT_H, enterprises()),
                        write_csv(tmp_path / "r.csv", ROSTER_H, roster_rows())], county="330106")
    conn.close()
    return db


def _start(db, seed):
    return subprocess.Popen([sys.executable, "-m", "zjsafety", "--db", str(db), "sample", "--scope", "330106",
                             "--year", "2019", "--as-of", "2019-03-01", "--seed", seed, "--wait", "60", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_an_id_number_is_never_printed_in_full_in_a_message(cli, tmp_path):
    ents = enterprises()
    ident = "330106198001011237"
    rows = [["检查员甲", "ZJ001", "西湖区应急管理局", ident + "\x07", "13805711234\x07"]]
    roster = write_csv(tmp_path / "r.csv", ["姓名", "执法证号", "所属单位", "身份证号", "联系电话"], rows)
    r, data = cli.json("import", write_csv(tmp_path / "e.csv", ENT_H, ents), roster, "--county", "330106")
    said = [f for f in data["files"][1]["findings"] if f["type"] == "control_character"]
    assert {f["header"] for f in said} == {"身份证号", "联系电话"}  # the cells are named …
    assert ident not in r.stdout and "13805711234" not in r.stdout  # … their values are not printed whole
    assert "3301" in said[0]["value"] or "3301" in said[1]["value"]
    r = cli("import", roster, "--county", "330106")
    assert ident not in r.stdout and ident not in r.stderr


def test_concurrent_draws_take_turns_and_chain(tmp_path):
    db = _seeded(tmp_path)
    procs = [_start(db, s) for s in ("一", "二", "三")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1].decode() for o in outs]
    conn = connect(db)
    rows = conn.execute("SELECT id, previous_hash, hash FROM sample_draw ORDER BY id").fetchall()
    assert len(rows) == 3 and len({r[1] for r in rows}) == 3
    assert verify_all(conn).ok
    conn.close()


def test_the_same_draw_started_twice_at_once_is_stored_once(tmp_path):
    db = _seeded(tmp_path)
    procs = [_start(db, "同一个种子") for _ in range(2)]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert outs[0]["id"] == outs[1]["id"] and outs[0]["hash"] == outs[1]["hash"]
    conn = connect(db)
    assert conn.execute("SELECT COUNT(*) FROM sample_draw").fetchone()[0] == 1
    conn.close()


# ------------------------------------------------------------------ 6. papers first, then the record

@pytest.fixture
def cli(tmp_path):
    c = Cli(tmp_path / "cli.db")
    assert c("import", write_csv(tmp_path / "e.csv", ENT_H, enterprises()),
             write_csv(tmp_path / "r.csv", ROSTER_H, roster_rows()), "--county", "330106").exit_code == 0
    return c


def _draws(cli) -> int:
    c = sqlite3.connect(cli.db)
    try:
        return c.execute("SELECT COUNT(*) FROM sample_draw").fetchone()[0]
    finally:
        c.close()


def test_a_bad_output_path_stops_the_draw_before_anything_is_stored(cli, tmp_path):
    r = cli("sample", "--scope", "330106", "--seed", "x", "--as-of", "2019-03-01", "--xlsx", tmp_path / "没有" / "t.xlsx")
    assert r.exit_code == 2 and _draws(cli) == 0
    (tmp_path / "一个文件").write_text("x")
    r = cli("sample", "--scope", "330106", "--seed", "x", "--as-of", "2019-03-01", "--notice", tmp_path / "一个文件")
    assert r.exit_code == 2 and _draws(cli) == 0
    r = cli("sample", "--scope", "330106", "--seed", "x", "--as-of", "2019-03-01", "--xlsx", tmp_path / "t.xlsx")
    assert r.exit_code == 0 and _draws(cli) == 1  # and then it simply works, no --reason


def test_a_paper_that_fails_to_write_stores_no_draw(cli, tmp_path, monkeypatch):
    from zjsafety.sampling import notices

    def broken(conn, d):
        def write(path):
            Path(path).write_bytes(b"half")
            raise KeyboardInterrupt
        return write
    monkeypatch.setattr(notices, "result_notice", broken)
    r = cli.runner.invoke(__import__("zjsafety.cli", fromlist=["app"]).app,
                          ["--db", str(cli.db), "sample", "--scope", "330106", "--seed", "y", "--as-of", "2019-03-01",
                           "--notice", str(tmp_path / "公告")])
    assert r.exit_code == 130 and _draws(cli) == 0
    assert not [p for p in (tmp_path / "公告").iterdir() if "zjsafety-tmp" not in p.name and p.suffix == ".docx"] \
        or all(p.stat().st_size > 1000 for p in (tmp_path / "公告").glob("*.docx"))
    assert not list((tmp_path / "公告").glob("*zjsafety-tmp*"))  # the temporary files went with it


# ------------------------------------------------------------------ 7. the hash covers everything

@pytest.mark.parametrize("column,value", [("seed", "'别的种子'"), ("created_at", "'2020-01-01T00:00:00+00:00'"),
                                          ("quota", "quota + 1"), ("level", "'city'"), ("year", "year + 1"),
                                          ("frame_size", "frame_size - 1"), ("reason", "'改过'")])
def test_editing_any_column_is_found(demo, column, value):
    d = draw(demo, level="county", scope="330106", year=2019, seed="a", as_of=date(2019, 1, 15))
    assert verify(demo, d.id).ok
    demo.execute("DROP TRIGGER sample_draw_no_update")  # what someone editing the file by hand could do
    demo.execute(f"UPDATE sample_draw SET {column} = {value} WHERE id = ?", (d.id,))
    v = verify(demo, d.id)
    assert not v.ok and not dict((c, ok) for c, ok, _ in v.checks)["记录内容"]


def test_deleting_the_last_draw_is_found_against_the_published_head(demo):
    d1 = draw(demo, level="county", scope="330106", year=2019, seed="a", as_of=date(2019, 1, 15))
    d2 = draw(demo, level="city", scope="330106", year=2019, seed="b", as_of=date(2019, 1, 15))
    published = d2.row["hash"]  # printed on d2's notices
    assert verify(demo, d1.id, expect_head=published).ok
    demo.execute("DROP TRIGGER sample_draw_no_delete")
    demo.execute("DELETE FROM sample_draw WHERE id = ?", (d2.id,))
    assert verify(demo, d1.id).ok  # the chain that is left is whole …
    v = verify(demo, d1.id, expect_head=published)  # … but not the one that was published
    assert not v.ok and not dict((c, ok) for c, ok, _ in v.checks)["链头"]
    assert not verify_all(demo, expect_head=published).ok


# ------------------------------------------------------------------ 8. what the public reads

def test_notices_show_uscc_in_full_and_print_the_hashes(cli, tmp_path):
    r, d = cli.json("sample", "--scope", "330106", "--seed", "x", "--as-of", "2019-03-01", "--notice", tmp_path / "公告")
    assert r.exit_code == 0
    text = ""
    for p in (tmp_path / "公告").glob("抽查任务公告*.docx"):
        doc = Document(p)
        text += "\n".join([x.text for x in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert d["selected"][0]["uscc"] in text  # all digits or not, a USCC is public
    assert d["hash"] in text and "前一条记录哈希" in text


# ------------------------------------------------------------------ seed commitment, export, record

def test_a_plan_commits_the_seed_and_the_draw_keeps_to_it(demo):
    req = request(level="county", scope="330106", year=2019, as_of=date(2019, 1, 15))
    p = plan(demo, req, commit_seed="2019-县级-第1批")
    assert p.row["kind"] == "plan" and p.row["commitment"].startswith("sha256:")
    assert "2019-县级-第1批" not in json.dumps(p.to_dict(), ensure_ascii=False)  # only its hash is kept
    from zjsafety.core.errors import UsageError
    with pytest.raises(UsageError) as e:
        draw(demo, level="county", scope="330106", year=2019, seed="2019-县级-第2批", plan_id=p.id)
    assert "承诺不符" in e.value.message
    d = draw(demo, level="county", scope="330106", year=2019, seed="2019-县级-第1批", plan_id=p.id)
    assert d.row["frame_sha256"] == p.row["frame_sha256"] and d.row["previous_hash"] == p.row["hash"]
    v = verify(demo, d.id)
    assert v.ok and dict((c, ok) for c, ok, _ in v.checks)["种子承诺"]


def test_a_public_random_value_cannot_be_used_before_its_date(demo):
    """The clock (Beijing time) decides, never the as-of date the clerk types (issue 23)."""
    from datetime import timedelta
    from zjsafety.core.clock import beijing_today
    from zjsafety.core.errors import UsageError
    soon = beijing_today() + timedelta(days=30)
    req = request(level="county", scope="330106", year=2019, as_of=date(2019, 1, 15))
    p = plan(demo, req, commit_public="将来的福利彩票双色球开奖号码", public_date=soon)
    with pytest.raises(UsageError):
        draw(demo, level="county", scope="330106", year=2019, seed="03 08 15 22 27 31 + 09", plan_id=p.id,
             as_of=soon + timedelta(days=1))
    p = plan(demo, req, commit_public="2019年1月20日福利彩票双色球开奖号码", public_date=date(2019, 1, 20))
    assert draw(demo, level="county", scope="330106", year=2019, seed="03 08 15 22 27 31 + 09", plan_id=p.id,
                as_of=date(2019, 1, 19)).row["kind"] == "draw"


def test_export_writes_a_frame_that_verifies_and_a_record_with_signature_lines(cli, tmp_path):
    r, d = cli.json("sample", "--scope", "330106", "--seed", "x", "--as-of", "2019-03-01", "--risk-weighted")
    r = cli("sample", "export", str(d["id"]), "--dir", tmp_path / "公开")
    assert r.exit_code == 0
    files = {p.name for p in (tmp_path / "公开").iterdir()}
    jsonl = next(tmp_path / "公开" / f for f in files if f.endswith(".jsonl"))
    import hashlib
    assert hashlib.sha256(jsonl.read_bytes()).hexdigest() == d["frame_sha256"]
    for ext in (".jsonl", ".csv", ".xlsx"):
        f = next(tmp_path / "公开" / n for n in files if n.endswith(ext) and n.startswith("抽查名录"))
        assert cli("sample", "verify", str(d["id"]), "--frame", f).exit_code == 0, ext
    rec = next(tmp_path / "公开" / n for n in files if n.startswith("抽查过程记录"))
    text = "\n".join(p.text for p in Document(rec).paragraphs)
    assert "见证人" in text and "监督人" in text
    bad = tmp_path / "改过的名录.jsonl"
    bad.write_text(jsonl.read_text(encoding="utf-8").replace("三墩镇", "双浦镇", 1), encoding="utf-8")
    r = cli("sample", "verify", str(d["id"]), "--frame", bad)
    assert r.exit_code == 1 and "公布的名录" in plain(r.stdout)


# ------------------------------------------------------------------ README alone is enough

def test_an_implementation_written_from_the_readme_matches_stored_draws(demo, tmp_path):
    write_csv(tmp_path / "i.csv", ["企业名称", "统一社会信用代码", "督查日期", "督查层级"], [])
    draws = [draw(demo, level="county", scope="330106", year=2019, seed="2019-县级-第1批", as_of=date(2019, 1, 15), spares=3),
             draw(demo, level="city", scope="330106", year=2019, seed="市级", as_of=date(2019, 1, 15), risk_weighted=True),
             draw(demo, level="county", scope="330106", year=2019, seed="第2批", as_of=date(2019, 6, 1), rate="0.45",
                  exclude_months=3, spares=5),
             draw(demo, level="province", scope="330106", year=2019, seed="省级", as_of=date(2019, 1, 15),
                  sectors=["工矿商贸"], inspectors=False)]
    draws.append(draw(demo, level="county", scope="330106", year=2019, seed="2019-县级-第1批", as_of=date(2019, 1, 15),
                      spares=3, reason="复核"))
    for d in draws:
        frame, params = json.loads(d.row["frame_json"]), json.loads(d.row["params_json"])
        assert ind.frame_fingerprint(frame) == d.row["frame_sha256"]
        mine = ind.draw(frame, params)
        for k in ("selected", "spares", "assignments", "covered", "remaining", "overflow", "shortfall", "quota"):
            assert mine[k] == d.result[k], (d.id, k)
        assert ind.entry_hash(d.row) == d.row["hash"]
    rows = demo.execute("SELECT * FROM sample_draw ORDER BY id").fetchall()
    for prev, row in zip(rows, rows[1:]):
        assert row["previous_hash"] == prev["hash"]


def test_the_papers_alone_check_the_inspectors(demo, tmp_path):
    """Issue 23: only the exported folder — no database — and the README-only implementation
    recompute who was sent where; `sample verify --papers` does the same."""
    import glob
    from conftest import Cli
    d = draw(demo, level="county", scope="330106", year=2019, seed="纸面复核", as_of=date(2019, 1, 15), spares=2)
    db = demo.execute("PRAGMA database_list").fetchone()[2]
    demo.commit()
    out = tmp_path / "公开"
    out.mkdir()
    cli = Cli(Path(db))
    assert cli("sample", "export", str(d.id), "--dir", out).exit_code == 0
    entry = json.loads(Path(glob.glob(str(out / "抽取记录_*.json"))[0]).read_text("utf-8"))
    frame = [json.loads(x) for x in Path(glob.glob(str(out / "抽查名录_*.jsonl"))[0]).read_text("utf-8").splitlines()]
    params = json.loads(entry["params_json"])
    assert params["roster"] and all(set(i) == {"badge", "name", "township", "certified", "conflicts"} for i in params["roster"])
    text = Path(glob.glob(str(out / "抽取参数_*.json"))[0]).read_text("utf-8")
    assert "id_no" not in text and "phone" not in text
    mine = ind.draw(frame, params)
    assert mine["assignments"] == d.result["assignments"] and mine["selected"] == d.result["selected"]
    assert ind.entry_hash(entry) == entry["hash"]
    r = Cli(tmp_path / "无关.db")("sample", "verify", str(d.id), "--papers", out)
    assert r.exit_code == 0, r.stdout
    entry["result_json"] = entry["result_json"].replace('"ZJ', '"ZX', 1)
    Path(glob.glob(str(out / "抽取记录_*.json"))[0]).write_text(json.dumps(entry, ensure_ascii=False), "utf-8")
    assert Cli(tmp_path / "无关.db")("sample", "verify", str(d.id), "--papers", out).exit_code == 1
