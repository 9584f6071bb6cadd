"""Supervision draws: quotas, must-include, reproducibility, order independence, proportional
strata, inclusion rates over many seeds, verification against tampering, 回避."""

import math
import random
from collections import Counter
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import Cli, plain
from ledgers import write_csv
from types import SimpleNamespace

from zjsafety.sampling import algorithm, draw as draw_mod, listing as listing_mod, verify as verify_mod
from zjsafety.demo import make_uscc
from zjsafety.core.errors import ZjError
from zjsafety.importers.pipeline import import_files
from zjsafety.store import connect

S = SimpleNamespace(allocate=algorithm.allocate, canonical=algorithm.canonical, rank=algorithm.rank,
                    compute=draw_mod.compute, draw=draw_mod.draw, verify=verify_mod.verify, listing=listing_mod.listing)

TOWNS = ["三墩镇", "蒋村街道", "留下街道"]
SECTORS = ["工矿商贸", "建设施工", "危险化学品"]


def enterprises(n=60, seed=5, order=None):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append([f"杭州样本{i:03d}有限公司", make_uscc(rng), "西湖区", TOWNS[i % 3], SECTORS[(i // 3) % 3],
                     "关闭" if i == 59 else "在营"])
    if order == "reversed":
        rows = rows[::-1]
    return rows


ENT_H = ["企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域", "经营状态"]


def roster_rows(n=8):
    return [[f"检查员{i}", f"ZJ{i:03d}", "西湖区应急管理局", TOWNS[i % 3], None, f"1380571{i:04d}", None] for i in range(n)]


ROSTER_H = ["姓名", "执法证号", "所属单位", "居住乡镇", "执法领域", "联系电话", "回避企业"]


@pytest.fixture
def county(tmp_path):
    conn = connect(tmp_path / "s.db")
    import_files(conn, [write_csv(tmp_path / "e.csv", ENT_H, enterprises()),
                        write_csv(tmp_path / "r.csv", ROSTER_H, roster_rows())], county="330106")
    yield conn
    conn.close()


def keys(d):
    return [s["key"] for s in d.result["selected"]]


DAY = date(2019, 3, 1)


@pytest.mark.parametrize("level,rate", [("county", 0.30), ("city", 0.10), ("province", 0.05)])
def test_quota_is_met_at_each_level(county, level, rate):
    d = S.draw(county, level=level, scope="330106", year=2019, seed="s1", as_of=DAY)
    frame = 59  # 60 enterprises, one closed
    assert d.row["frame_size"] == frame and d.row["quota"] == math.ceil(rate * frame)
    assert len(d.result["selected"]) + d.result["covered"] >= d.row["quota"]
    assert all(len(v) >= 2 for v in d.result["assignments"].values())


def test_must_include_enterprises_are_in_with_reasons(county, tmp_path):
    rows = enterprises()
    hz = write_csv(tmp_path / "h.csv", ["隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述", "隐患级别", "整改情况",
                                       "整改期限", "是否挂牌督办"],
                   [["H1", rows[4][0], rows[4][1], "2018-10-01", "储罐泄漏", "重大", "整改中", "2019-06-30", "是"],
                    ["H2", rows[8][0], rows[8][1], "2018-10-01", "粉尘", "重大", "已销号", "2018-12-30", "否"]])
    risk = write_csv(tmp_path / "k.csv", ["企业名称", "统一社会信用代码", "危险源名称", "是否登记"],
                     [[rows[10][0], rows[10][1], "液氨罐区", "是"]])
    import_files(county, [hz, risk])
    d = S.draw(county, level="province", scope="330106", year=2019, seed="s1", as_of=DAY)  # quota 3
    reasons = {s["key"]: s["reason"] for s in d.result["selected"]}
    assert reasons[rows[4][1]] == "must-include:listed-supervision+open-major-hazard"
    assert reasons[rows[10][1]] == "must-include:major-risk"
    assert rows[8][1] not in reasons or reasons[rows[8][1]] == "random"  # closed hazard: not forced


def test_overflow_when_must_include_exceeds_the_quota(county, tmp_path):
    rows = enterprises()
    risk = write_csv(tmp_path / "k.csv", ["企业名称", "统一社会信用代码", "危险源名称"],
                     [[r[0], r[1], f"危险源{i}"] for i, r in enumerate(rows[:6])])
    import_files(county, [risk])
    d = S.draw(county, level="province", scope="330106", year=2019, seed="s1", as_of=DAY)  # quota 3
    assert len(d.result["selected"]) == 6 and d.result["overflow"] == 3
    assert d.to_dict()["overflow"] == 3


def test_same_seed_same_sample_other_seed_other_sample(county):
    a = S.draw(county, level="county", scope="330106", year=2019, seed="甲", as_of=DAY, spares=3)
    b = S.draw(county, level="county", scope="330106", year=2019, seed="甲", as_of=DAY, spares=3, reason="复核")
    c = S.draw(county, level="county", scope="330106", year=2019, seed="乙", as_of=DAY, inspectors=False)
    assert keys(a) == keys(b) and a.result["spares"] == b.result["spares"]
    assert a.result["assignments"] == b.result["assignments"]
    assert set(keys(a)) != set(keys(c))


def test_sample_does_not_depend_on_row_order(tmp_path):
    results = []
    for order in (None, "reversed"):
        conn = connect(tmp_path / f"{order}.db")
        import_files(conn, [write_csv(tmp_path / f"e{order}.csv", ENT_H, enterprises(order=order)),
                            write_csv(tmp_path / f"r{order}.csv", ROSTER_H, roster_rows()[::-1 if order else 1])],
                     county="330106")
        d = S.draw(conn, level="county", scope="330106", year=2019, seed="x", as_of=DAY, spares=2)
        results.append((keys(d), d.row["frame_sha256"], d.result["assignments"], d.result["spares"]))
        conn.close()
    assert results[0] == results[1]


def test_strata_shares_are_proportional_within_rounding(county):
    d = S.draw(county, level="county", scope="330106", year=2019, seed="p", as_of=DAY, inspectors=False)
    sizes = Counter(f["stratum"] for f in d.frame if not f["must"] and not f["excluded"] and not f["covered"])
    got = Counter(s["stratum"] for s in d.result["selected"])
    n = len(d.result["selected"])
    total = sum(sizes.values())
    for stratum, size in sizes.items():
        assert got[stratum] >= 1
        assert abs(got[stratum] - n * size / total) <= 1.0 + 1e-9, (stratum, got[stratum], n * size / total)


def test_allocation_rules():
    assert S.allocate({"a": 10, "b": 10, "c": 0}, 4, "s") == {"a": 2, "b": 2}
    alloc = S.allocate({"a": 1, "b": 1, "c": 1, "d": 97}, 10, "s")
    assert alloc == {"a": 1, "b": 1, "c": 1, "d": 7}  # each stratum at least one
    small = S.allocate({"a": 5, "b": 5, "c": 5}, 2, "s")
    assert sum(small.values()) == 2 and max(small.values()) == 1
    assert S.allocate({"a": 2}, 5, "s") == {"a": 2}  # never more than the stratum holds


def test_each_enterprise_is_picked_at_the_stated_rate():
    # one stratum, 40 enterprises, quota 12 (30%): over 400 fixed seeds each enterprise is drawn
    # Binomial(400, 0.3) times: mean 120, sd 9.2. A +-5 sd band fails by chance ~1 in 10^6 per
    # enterprise, and the seed list is fixed, so the test is deterministic.
    frame = [{"key": f"K{i:02d}", "stratum": "工矿商贸|三墩镇", "must": [], "excluded": None, "covered": None}
             for i in range(40)]
    counts = Counter()
    for s in range(400):
        res = S.compute(frame, {"seed": f"seed-{s}", "rate": "0.3", "roster": [], "inspectors_per": 2})
        counts.update(x["key"] for x in res["selected"])
        assert len(res["selected"]) == 12
    for i in range(40):
        assert abs(counts[f"K{i:02d}"] - 120) <= 5 * math.sqrt(400 * 0.3 * 0.7)
    # and the overall mean is exact
    assert sum(counts.values()) == 400 * 12


def test_ranking_is_the_documented_sha256():
    import hashlib
    want = int(hashlib.sha256("种子|91330100580274795B".encode()).hexdigest(), 16)
    assert S.rank("种子", "91330100580274795B") == want


def test_recusal_is_never_violated(tmp_path):
    conn = connect(tmp_path / "r.db")
    ents = enterprises()
    roster = roster_rows(6)
    roster[0][6] = ents[0][1] + "，" + ents[1][1]  # a listed relation
    roster[1][4] = "建设施工"  # certified for construction only
    import_files(conn, [write_csv(tmp_path / "e.csv", ENT_H, ents), write_csv(tmp_path / "r.csv", ROSTER_H, roster)],
                 county="330106")
    info = {r[1]: r for r in ents}
    people = {r[1]: r for r in roster}
    d1 = None
    for seed in ("a", "b", "c", "d"):
        d = S.draw(conn, level="county", scope="330106", year=2019, seed=seed, as_of=DAY, rate=0.9)
        for key, badges in d.result["assignments"].items():
            assert len(badges) >= 2 and len(set(badges)) == len(badges)
            for b in badges:
                assert people[b][3] != info[key][3]  # not living in the enterprise's township
                assert key not in (people[b][6] or "")  # no listed relation
                if people[b][4]:
                    assert info[key][4] in people[b][4]
                if d1:
                    assert b not in d1.result["assignments"].get(key, [])  # not again after the last draw
        loads = Counter(b for v in d.result["assignments"].values() for b in v)
        free = [loads[b] for b in people if b != "ZJ001"]  # ZJ001 may only take construction firms
        assert max(free) - min(free) <= 3  # even workloads, as far as 回避 allows
        d1 = d
    conn.close()


def test_impossible_constraints_give_a_clear_message_and_store_nothing(tmp_path):
    conn = connect(tmp_path / "i.db")
    ents = [r for r in enterprises() if r[3] == "三墩镇"][:10]
    roster = [r for r in roster_rows(6) if r[3] == "三墩镇"]  # everyone lives in 三墩镇
    import_files(conn, [write_csv(tmp_path / "e.csv", ENT_H, ents), write_csv(tmp_path / "r.csv", ROSTER_H, roster)],
                 county="330106")
    with pytest.raises(ZjError) as e:
        S.draw(conn, level="county", scope="330106", year=2019, seed="a", as_of=DAY)
    assert "居住在企业所在乡镇" in e.value.message and "未保存" in e.value.message
    assert conn.execute("SELECT COUNT(*) FROM sample_draw").fetchone()[0] == 0
    conn.close()


def test_earlier_draws_and_recorded_inspections_count_toward_the_quota(county, tmp_path):
    rows = enterprises()
    insp = write_csv(tmp_path / "i.csv", ["企业名称", "统一社会信用代码", "督查日期", "督查层级"],
                     [[r[0], r[1], "2019-02-01", "县级"] for r in rows[:5]])
    import_files(county, [insp])
    d = S.draw(county, level="county", scope="330106", year=2019, seed="b1", as_of=DAY)
    assert d.result["covered"] == 5 and len(d.result["selected"]) == d.row["quota"] - 5
    assert not set(keys(d)) & {r[1] for r in rows[:5]}
    d2 = S.draw(county, level="county", scope="330106", year=2019, seed="b2", as_of=DAY)
    assert d2.result["covered"] == d.row["quota"] and d2.result["selected"] == []  # the quota is met


def test_results_back_and_list(county, tmp_path):
    d = S.draw(county, level="county", scope="330106", year=2019, seed="r", as_of=DAY)
    first = d.frame and next(f for f in d.frame if f["key"] == keys(d)[0])
    insp = write_csv(tmp_path / "i.csv", ["企业名称", "统一社会信用代码", "督查日期", "督查层级", "督查结果", "抽查编号"],
                     [[first["name"], first["key"], "2019-04-01", "县级", "发现隐患2项，已责令整改", str(d.id)]])
    import_files(county, [insp])
    rows = S.listing(county)
    assert rows[0]["inspected"] == 1 and rows[0]["selected"] == len(keys(d))


# ------------------------------------------------------------------ CLI and documents

@pytest.fixture
def cli_county(tmp_path):
    c = Cli(tmp_path / "cli.db")
    assert c("import", write_csv(tmp_path / "e.csv", ENT_H, enterprises()),
             write_csv(tmp_path / "r.csv", ROSTER_H, roster_rows()), "--county", "330106").exit_code == 0
    return c


def test_cli_draw_json_contract_verify_and_list(cli_county, tmp_path):
    r, data = cli_county.json("sample", "--level", "county", "--scope", "330106", "--year", "2019", "--seed",
                              "2019-县级-第1批", "--as-of", "2019-03-01", "--spares", "2")
    assert r.exit_code == 0
    for k in ("id", "level", "scope", "year", "seed", "frame_size", "frame_sha256", "quota", "selected", "spares",
              "previous_hash", "hash"):
        assert k in data
    s0 = data["selected"][0]
    assert {"uscc", "name", "stratum", "reason", "inspectors"} <= set(s0) and len(s0["inspectors"]) == 2
    assert len(data["spares"]) == 2
    r, v = cli_county.json("sample", "verify", str(data["id"]))
    assert r.exit_code == 0 and v["ok"]
    r, again = cli_county.json("sample", "--scope", "330106", "--year", "2019", "--seed", "2019-县级-第1批",
                               "--as-of", "2019-03-01", "--spares", "2")
    assert r.exit_code == 0 and again["reused"] and again["id"] == data["id"]  # the same request: one draw
    more = enterprises(61)[60:]
    more[0][0] = "杭州新增样本企业有限公司"
    cli_county("import", write_csv(tmp_path / "e2.csv", ENT_H, more), "--county", "330106")
    r = cli_county("sample", "--scope", "330106", "--year", "2019", "--seed", "2019-县级-第1批", "--as-of", "2019-03-01",
                   "--spares", "2")
    assert r.exit_code == 2 and "--reason" in plain(r.stderr)  # the frame changed: a redraw is said
    r = cli_county("sample", "--scope", "330106", "--year", "2019", "--seed", "2019-县级-第1批", "--as-of",
                   "2019-03-01", "--spares", "2", "--reason", "企业名单更新")
    assert r.exit_code == 0
    r, rows = cli_county.json("sample", "list")
    assert rows[0]["superseded"] and rows[1]["supersedes"] == rows[0]["id"] and rows[1]["reason"] == "企业名单更新"


def test_cli_documents_are_masked(cli_county, tmp_path):
    r = cli_county("sample", "--scope", "330106", "--seed", "x", "--as-of", "2019-03-01", "--xlsx",
                   tmp_path / "任务.xlsx", "--notice", tmp_path / "公告")
    assert r.exit_code == 0
    wb = load_workbook(tmp_path / "任务.xlsx")
    assert wb.sheetnames == ["抽查任务", "备选企业", "抽取信息"]
    assert wb["抽查任务"].max_row >= 3
    texts = []
    for p in sorted((tmp_path / "公告").glob("*.docx")):
        doc = Document(p)
        texts.append("\n".join([para.text for para in doc.paragraphs] +
                               [c.text for t in doc.tables for row in t.rows for c in row.cells]))
    assert len(texts) == 3 and any("名录指纹" in t for t in texts)
    assert not any("1380571" in t for t in texts)


def test_masking():
    from zjsafety.core.masking import mask
    assert mask("联系 13805711234") == "联系 138****1234"
    assert mask("330106198001011235") == "330106********1235"
    assert mask("0571-87651234") == "0571-****1234"
    assert mask("91330100580274795B") == "91330100580274795B"  # a USCC is public, not personal


@pytest.mark.parametrize("args,msg", [(["--scope", "330106"], "--seed"), (["--scope", "鼓楼区", "--seed", "a"], "鼓楼区"),
                                      (["--scope", "330106", "--seed", "a", "--level", "town"], "--level"),
                                      (["--scope", "330106", "--seed", "a", "--rate", "3"], "--rate")])
def test_cli_bad_options(cli_county, args, msg):
    r = cli_county("sample", *args)
    assert r.exit_code == 2 and msg in plain(r.stderr)


def test_no_roster_is_a_clear_message(tmp_path):
    c = Cli(tmp_path / "x.db")
    c("import", write_csv(tmp_path / "e.csv", ENT_H, enterprises()), "--county", "330106")
    r = c("sample", "--scope", "330106", "--seed", "a")
    assert r.exit_code == 1 and "执法人员名录" in plain(r.stderr)
    assert c("sample", "--scope", "330106", "--seed", "a", "--no-inspectors").exit_code == 0
