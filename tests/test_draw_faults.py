"""Draw faults of issue 23, each found by trying the tool and turned into a test first."""

import json
import sqlite3
from datetime import date

from hypothesis import given, settings, strategies as st

from conftest import plain
from ledgers import NAMES, USCC, xlsx
from zjsafety.core.normalize import conflict_entries
from zjsafety.sampling.inspectors import assign, roster_entry

INSP = ["姓名", "执法证号", "所属单位", "回避企业"]


def setup_county(cli, tmp_path, conflicts: str):
    ents = [[NAMES[i], USCC[i], "西湖区", "工矿商贸"] for i in range(10)]
    assert cli("import", xlsx(tmp_path / "企业.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"], ents)).exit_code == 0
    people = [["王强", "ZJ001", "西湖区应急管理局", conflicts], ["李敏", "ZJ002", "西湖区应急管理局", None],
              ["陈杰", "ZJ003", "西湖区应急管理局", None]]
    r = cli("import", xlsx(tmp_path / "人员.xlsx", INSP, people), "--county", "西湖区")
    assert r.exit_code == 0, r.stdout


# ------------------------------------------------------------------ 1. 回避 that always holds

def test_a_full_width_space_separates_conflicts(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, f"{NAMES[0]}\u3000{NAMES[1]}")
    assert {NAMES[0], NAMES[1]} <= set(conflict_entries(f"{NAMES[0]}\u3000{NAMES[1]}"))
    r, d = cli.json("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s", "--rate", "1")
    assert r.exit_code == 0, r.stdout
    assert len(d["selected"]) == 10  # every enterprise drawn: two of them named by 王强
    for s in d["selected"]:
        badges = [i["badge"] for i in s["inspectors"]]
        assert len(badges) == 2
        if s["name"] in (NAMES[0], NAMES[1]):
            assert "ZJ001" not in badges


def test_an_entry_naming_nobody_stops_the_draw_unless_allowed(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, f"{NAMES[0]}、杭州查无此人有限公司")
    r = cli("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s")
    assert r.exit_code == 1 and "杭州查无此人有限公司" in plain(r.stdout + r.stderr)
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT COUNT(*) FROM sample_draw").fetchone() == (0,)
    c.close()
    rec = tmp_path / "记录.docx"
    r, d = cli.json("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s",
                    "--allow-unknown-conflicts", "--record", rec)
    assert r.exit_code == 0
    from docx import Document
    text = "\n".join(c.text for t in Document(rec).tables for row in t.rows for c in row.cells)
    assert "杭州查无此人有限公司" in text


SEPS = st.sampled_from(["、", "，", ",", ";", "；", " ", "\u3000", "\u00a0", "\t", "/", "|", "\n", "  ", "、\u3000"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sets(st.integers(0, 9), max_size=4), st.lists(SEPS, min_size=4, max_size=4),
                          st.lists(st.booleans(), min_size=4, max_size=4)), min_size=3, max_size=6),
       st.text(alphabet="abcdef", min_size=1, max_size=6))
def test_no_inspector_is_ever_assigned_to_an_enterprise_they_named(rosters, seed):
    frame = [{"key": USCC[i], "uscc": USCC[i], "name": NAMES[i], "township": "", "sectors": ["工矿商贸"]} for i in range(10)]
    roster = []
    for k, (named, seps, by_code) in enumerate(rosters):
        parts = [(USCC[i] if by_code[j % 4] else NAMES[i]) for j, i in enumerate(sorted(named))]
        text = "".join(p + seps[j % 4] for j, p in enumerate(parts))
        roster.append(roster_entry({"badge": f"B{k}", "name": f"人{k}", "residence_township": None,
                                    "certified_sectors": None, "conflicts": text}))
    params = {"roster": roster, "inspectors_per": 1, "seed": seed, "last_assignments": {}}
    try:
        out = assign([{"key": f["key"]} for f in frame], frame, params)
    except Exception:
        return  # nobody left to send: refused, which is allowed
    named = {f"B{k}": {USCC[i] for i in n} for k, (n, _, _) in enumerate(rosters)}
    for key, badges in out.items():
        for b in badges:
            assert key not in named[b]


# ------------------------------------------------------------------ 2. plans with a public random number

def test_a_draw_from_a_public_plan_verifies_and_the_clock_guards_it(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, None)
    r, p = cli.json("sample", "plan", "--scope", "西湖区", "--year", "2023", "--as-of", "2023-01-10",
                    "--commit-public", "2023年1月20日福利彩票双色球开奖号码", "--public-date", "2023-01-20")
    assert r.exit_code == 0
    r, d = cli.json("sample", "--from-plan", str(p["id"]), "--seed", "01 05 12 20 28 33 + 09", "--as-of", "2023-01-10")
    assert r.exit_code == 0, r.stdout  # today (Beijing) is after the public date: the draw is allowed
    r = cli("sample", "verify", str(d["id"]))
    assert r.exit_code == 0, r.stdout
    r, p2 = cli.json("sample", "plan", "--scope", "西湖区", "--year", "2030", "--as-of", "2030-01-10",
                     "--commit-public", "2030年双色球", "--public-date", "2030-01-20")
    r = cli("sample", "--from-plan", str(p2["id"]), "--seed", "x", "--as-of", "2030-02-01")
    assert r.exit_code == 2 and "2030-01-20" in plain(r.stdout + r.stderr)  # a typed date does not open it


# ------------------------------------------------------------------ 3. stale plans

def test_a_plan_made_stale_by_a_later_draw_is_refused(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, None)
    r, p = cli.json("sample", "plan", "--scope", "西湖区", "--year", "2015", "--as-of", "2015-06-01",
                    "--commit-seed", "种子")
    r, d = cli.json("sample", "--scope", "西湖区", "--year", "2015", "--as-of", "2015-06-01", "--seed", "直接", "--rate", "0.3")
    assert r.exit_code == 0
    r = cli("sample", "--from-plan", str(p["id"]), "--seed", "种子")
    assert r.exit_code == 2 and f"第 {d['id']} 号" in r.stdout + r.stderr
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT COUNT(*) FROM sample_draw WHERE kind = 'draw'").fetchone() == (1,)
    c.close()


# ------------------------------------------------------------------ 5. a short head hash

def test_a_short_head_hash_is_a_prefix_or_a_usage_error(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, None)
    r, d = cli.json("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s")
    r = cli("sample", "verify", str(d["id"]), "--expect-head", d["hash"][:8])
    assert r.exit_code == 0, r.stdout
    r = cli("sample", "verify", str(d["id"]), "--expect-head", d["hash"][:5])
    assert r.exit_code == 2 and "篡改" not in r.stdout and "改写" not in r.stdout
    r = cli("sample", "verify", str(d["id"]), "--expect-head", "0" * 8)
    assert r.exit_code == 1 and "改写" in plain(r.stdout)


# ------------------------------------------------------------------ 4. masking: people, never enterprises

def test_an_all_digit_uscc_is_never_masked_and_an_id_needs_region_birth_and_check():
    from zjsafety.core.masking import is_id_number, mask
    from zjsafety.core.normalize import uscc_check_char
    from zjsafety.demo import _id_number
    # all-digit USCCs that pass the ID check character alone (as 3 of 101 did in real frames)
    found = 0
    for n in range(100000, 400000):
        first17 = f"913301{n:06d}12345"[:17]
        code = first17 + uscc_check_char(first17)
        if not code.isdigit():
            continue
        from zjsafety.core.masking import id_check_char
        if id_check_char(code[:17]) == code[17]:
            found += 1
            assert mask(code) == code and mask(f"信用代码：{code}") == f"信用代码：{code}"
            assert not is_id_number(code)
        if found >= 3:
            break
    assert found >= 3
    i = _id_number("33010619751018133")
    assert mask(i) == i[:6] + "*" * 8 + i[14:]


def test_personal_numbers_in_any_width_and_separator_are_masked():
    from zjsafety.core.masking import mask
    from zjsafety.demo import _id_number
    i = _id_number("33010619751018133")
    cases = {"87651234": "****1234", "138.0571.1234": "138.****.1234", "0571－87651234": "0571－****1234",
             "１３８０５７１１２３４": "１３８****１２３４", f"{i[:6]} {i[6:14]} {i[14:]}": f"{i[:6]} ******** {i[14:]}"}
    for raw, want in cases.items():
        assert mask(raw) == want, raw
    assert mask("罚款20000元，2018年查处12345678元") == "罚款20000元，2018年查处12345678元"  # amounts stay


def test_a_published_frame_csv_carries_no_live_formula_and_still_verifies(cli, tmp_path, db_path):
    import csv as _csv
    ents = [["=HYPERLINK(\"http://x\",\"点我\")", USCC[0], "西湖区", "工矿商贸"], ["=cmd|' /C calc'!A0", USCC[1], "西湖区", "工矿商贸"],
            ["+杭州加号有限公司", USCC[2], "西湖区", "工矿商贸"], ["@杭州艾特有限公司", USCC[3], "西湖区", "工矿商贸"],
            ["-杭州减号有限公司", USCC[4], "西湖区", "工矿商贸"]]
    cli("import", xlsx(tmp_path / "企业.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"], ents))
    r, d = cli.json("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s", "--no-inspectors")
    out = tmp_path / "公开"
    out.mkdir()
    assert cli("sample", "export", str(d["id"]), "--dir", out).exit_code == 0
    frame_csv = next(out.glob("*名录*.csv"))
    cells = [c for row in _csv.reader(frame_csv.open(encoding="utf-8-sig")) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert cli("sample", "verify", str(d["id"]), "--frame", frame_csv).exit_code == 0


# ------------------------------------------------------------------ 7, 8. one vocabulary; a draw with nothing to draw

def test_json_and_record_say_covered_alike(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, None)
    r, d = cli.json("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s")
    assert "covered" in d and "covered_before" not in d
    c = sqlite3.connect(db_path)
    stored = json.loads(c.execute("SELECT result_json FROM sample_draw").fetchone()[0])
    c.close()
    assert d["covered"] == stored["covered"]


def test_a_draw_with_nothing_to_draw_says_so_and_writes_nothing(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, None)
    rows = [[NAMES[i], USCC[i], date(2019, 1, 5), "县级", "西湖区应急管理局"] for i in range(10)]
    cli("import", xlsx(tmp_path / "督查.xlsx", ["企业名称", "统一社会信用代码", "督查日期", "督查层级", "督查部门"], rows))
    notice = tmp_path / "公告"
    notice.mkdir()
    r = cli("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s", "--notice", notice,
            "--xlsx", tmp_path / "任务.xlsx")
    assert r.exit_code == 0 and "满配额" in plain(r.stdout) and "未写出任务清单和公告" in plain(r.stdout)
    assert list(notice.iterdir()) == [] and not (tmp_path / "任务.xlsx").exists()
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT COUNT(*) FROM sample_draw").fetchone() == (1,)  # the draw is on record
    c.close()


def test_every_draw_prints_where_its_papers_went(cli, tmp_path, db_path):
    setup_county(cli, tmp_path, None)
    notice = tmp_path / "公告"
    notice.mkdir()
    r = cli("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s", "--notice", notice,
            "--xlsx", tmp_path / "任务.xlsx")
    assert r.exit_code == 0
    for p in list(notice.iterdir()) + [tmp_path / "任务.xlsx"]:
        assert p.name in plain(r.stdout)
