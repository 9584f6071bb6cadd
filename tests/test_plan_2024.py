"""The 2024—2026 plan (issue 25): the pack in force on the as-of date applies unasked, and its
three dated targets — 存量清零, 增量遏制, 动态清零 — are checked against figures worked out by
hand from the ledger below, at three as-of dates."""

from __future__ import annotations


import pytest

from conftest import Cli, plain
from ledgers import NAMES, USCC, write_csv

# Nine major hazards and one general one. By hand:
#   stock (found by 2023-12-31, open then): A2, A3, A4       (A1 was rectified in 2023)
#   found per year: 2023 A1 A2 A4 (+ general G1); 2024 B1 B2; 2025 B3 B4; 2026 B5
HAZ = ["隐患编号", "企业名称", "统一社会信用代码", "行业领域", "发现日期", "隐患描述", "隐患级别", "整改情况", "整改期限",
       "整改完成日期"]
ROWS = [
    ["A1", NAMES[0], USCC[0], "工贸", "2023-03-01", "粉尘涉爆除尘系统未接地", "重大", "已整改", "2023-06-30", "2023-06-01"],
    ["A2", NAMES[0], USCC[0], "工贸", "2023-05-01", "有限空间作业未审批", "重大", "已整改", "2023-08-31", "2024-06-30"],
    ["A3", NAMES[1], USCC[1], "工贸", "2022-11-01", "液氨制冷车间人员密集", "重大", "已整改", "2023-02-28", "2025-03-01"],
    ["A4", NAMES[1], USCC[1], "工贸", "2023-12-15", "涉爆粉尘清扫制度缺失", "重大", "整改中", "2024-03-31", ""],
    ["G1", NAMES[2], USCC[2], "工贸", "2023-04-01", "灭火器过期", "一般", "已整改", "2023-04-30", "2023-04-10"],
    ["B1", NAMES[0], USCC[0], "工贸", "2024-02-01", "安全出口锁闭", "重大", "已整改", "2024-05-31", "2024-05-20"],
    ["B2", NAMES[2], USCC[2], "工贸", "2024-07-01", "防爆电气不防爆", "重大", "已整改", "2024-10-31", "2025-01-15"],
    ["B3", NAMES[1], USCC[1], "危化品", "2025-03-01", "储罐区未设防火堤", "重大", "已整改", "2025-06-30", "2025-06-01"],
    ["B4", NAMES[1], USCC[1], "危化品", "2025-09-01", "紧急切断阀失效", "重大", "整改中", "2026-03-31", ""],
    ["B5", NAMES[0], USCC[0], "工贸", "2026-02-01", "粉尘爆炸危险场所使用明火", "重大", "整改中", "2026-12-31", ""],
]


@pytest.fixture
def county(tmp_path) -> Cli:
    cli = Cli(tmp_path / "t.db")
    ents = write_csv(tmp_path / "企业.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                     [[NAMES[0], USCC[0], "西湖区", "工矿商贸"], [NAMES[1], USCC[1], "西湖区", "工矿商贸、危险化学品"],
                      [NAMES[2], USCC[2], "西湖区", "工矿商贸"]])
    haz = write_csv(tmp_path / "隐患.csv", HAZ, ROWS)
    r = cli("import", ents, haz)
    assert r.exit_code == 0, r.stdout + r.stderr
    return cli


def figures(cli: Cli, day: str) -> dict:
    r, data = cli.json("audit", "--scope", "西湖区", "--as-of", day)
    assert r.exit_code in (0, 1), r.stdout + r.stderr
    return {(x["rule"], x["sector"]): x for x in data["results"]}


def test_the_pack_in_force_applies_unasked_and_gives_the_stock_with_its_open_hazards(county):
    r, data = county.json("audit", "--scope", "西湖区", "--as-of", "2024-12-31")
    assert data["plan"] == "cn-2024-2026"
    assert {x["rule"] for x in data["results"]} == {"major-hazard-stock", "major-hazard-increment",
                                                     "major-hazard-dynamic", "principal-training"}
    stock = next(x for x in data["results"] if x["rule"] == "major-hazard-stock")
    assert (stock["numerator"], stock["denominator"], stock["status"]) == (1, 3, "fail")
    assert stock["missing"] == ["A3", "A4"]  # by ledger number
    text = plain(county("audit", "--scope", "西湖区", "--as-of", "2024-12-31").stdout)
    assert "存量清零" in text and "1/3" in text
    items = county.json("audit", "explain", "major-hazard-stock", "--scope", "西湖区", "--as-of", "2024-12-31")[1]
    assert [(i["item"], i["row"]) for i in items["items"]] == [("A3", 4), ("A4", 5)]  # with file and row
    assert all(i["file"] == "隐患.csv" for i in items["items"])


@pytest.mark.parametrize("day, want", [
    # as-of: (stock n, d, status), (dynamic n, d, status), increment all-sector (n, d, status)
    ("2024-12-31", ((1, 3, "fail"), (3, 6, "amber"), (2, 3, "pass"))),
    ("2025-12-31", ((2, 3, "fail"), (6, 7, "amber"), (2, 2, "pass"))),
    ("2026-11-30", ((2, 3, "fail"), (6, 8, "amber"), (1, 2, "pass"))),
])
def test_each_figure_matches_the_hand_count(county, day, want):
    f = figures(county, day)
    stock, dynamic, increment = want
    s = f[("major-hazard-stock", None)]
    assert (s["numerator"], s["denominator"], s["status"]) == stock
    d = f[("major-hazard-dynamic", None)]
    assert (d["numerator"], d["denominator"], d["status"]) == dynamic
    i = f[("major-hazard-increment", None)]
    assert (i["numerator"], i["denominator"], i["status"]) == increment


def test_increments_by_sector_and_the_overdue_listed(county):
    f = figures(county, "2025-12-31")
    # 2025 against 2024: 危险化学品 2 against 0 after the 2025-12-31 deadline; 工矿商贸 0 against 2
    assert (f[("major-hazard-increment", "危险化学品")]["numerator"],
            f[("major-hazard-increment", "危险化学品")]["denominator"],
            f[("major-hazard-increment", "危险化学品")]["status"]) == (2, 0, "fail")
    assert f[("major-hazard-increment", "工矿商贸")]["status"] == "pass"
    f = figures(county, "2024-06-30")  # before the increment deadline a rise would be a warning
    assert f[("major-hazard-increment", None)]["status"] == "pass"  # B1 against A1, A2 by 30 June
    f = figures(county, "2026-11-30")
    assert f[("major-hazard-dynamic", None)]["missing"] == ["A4", "B4"]
    assert (f[("major-hazard-increment", "工矿商贸")]["numerator"],
            f[("major-hazard-increment", "工矿商贸")]["status"]) == (1, "fail")


def test_a_figure_as_of_a_date_ignores_later_rectifications(county, tmp_path):
    before = figures(county, "2024-12-31")
    # A4 rectified in 2026: the 2024 figures stay as they were
    rows = [r if r[0] != "A4" else r[:7] + ["已整改", r[8], "2026-05-01"] for r in ROWS]
    assert county("import", write_csv(tmp_path / "隐患.csv", HAZ, rows)).exit_code == 0
    after = figures(county, "2024-12-31")
    for key in before:
        assert (before[key]["numerator"], before[key]["denominator"]) == \
            (after[key]["numerator"], after[key]["denominator"]), key
    assert figures(county, "2026-11-30")[("major-hazard-stock", None)]["numerator"] == 3


def test_no_plan_between_plans_says_so_and_names_plan(county):
    r = county("audit", "--scope", "西湖区", "--as-of", "2022-06-30")
    assert r.exit_code == 2 and "--plan" in plain(r.stderr) and "cn-2024-2026" in plain(r.stderr)
    r, data = county.json("audit", "--scope", "西湖区", "--as-of", "2022-06-30", "--plan", "zj-2017-2020")
    assert r.exit_code in (0, 1) and data["plan"] == "zj-2017-2020"
    r, data = county.json("audit", "--scope", "西湖区", "--as-of", "2019-06-30")
    assert data["plan"] == "zj-2017-2020"


def test_help_lists_the_packs_with_their_periods(county):
    for cmd in (["audit", "-h"], ["report", "-h"]):
        text = plain(county(*cmd).stdout)
        assert "cn-2024-2026（2024年1月1日至2026年12月31日）" in text and "zj-2017-2020" in text


def test_the_report_of_the_new_plan_has_its_own_title_and_sections(county, tmp_path):
    out = tmp_path / "报告.md"
    r = county("report", "--scope", "西湖区", "--as-of", "2025-12-31", "-o", out)
    assert r.exit_code == 0, r.stdout + r.stderr
    text = out.read_text(encoding="utf-8")
    assert "杭州市西湖区安全生产治本攻坚三年行动进展情况报告" in text
    assert "2023年及以前重大事故隐患存量清零率（一（二））未达标：66.7%（2/3" in text
    assert "安全生产治本攻坚三年行动方案（2024—2026年）" in text and "综合治理" not in text


def test_the_demo_of_the_new_plan_shows_each_rule_at_three_dates(tmp_path):
    from zjsafety.demo import AS_OF_2024, run_demo_2024
    from zjsafety.rules import audit
    from zjsafety.store import connect
    s = run_demo_2024(tmp_path / "演示")
    assert s["import"]["rejected"] == 0 and len(s["reports"]) == 3
    assert [a["plan"] for a in s["audits"].values()] == ["cn-2024-2026"] * 3
    seen: dict[str, set] = {}
    conn = connect(s["db"])
    try:
        for day in AS_OF_2024:
            for r in audit.run(conn, "330106", day).results:
                seen.setdefault(r.rule, set()).add(r.status)
        # a county that sent nothing: 无数据, never 0%
        for r in audit.run(conn, "330105", AS_OF_2024[0]).results:
            assert r.status == "n/a" and r.ratio is None
            seen[r.rule].add(r.status)
    finally:
        conn.close()
    for rule, statuses in seen.items():
        assert "n/a" in statuses and statuses & {"pass"} and statuses & {"fail", "amber"}, (rule, statuses)


# ------------------------------------------------------------------ 主要负责人培训

def test_principal_training_counts_the_sectors_of_each_year_by_industry_code(tmp_path):
    """By hand: mines (采矿业 06-12) in 2024 — E0 (0810) trained by its 总经理, E2 (C0610) only
    by a 安全员: 1/2; metal smelting (311/312/314/321-323) in 2025 — E1 (3120) trained in 2025 (its
    2024 training does not count for 2025), E4 (3211) not, E3 (3130, rolling) not in the frame:
    1/2; 2026: the plan names no sector."""
    cli = Cli(tmp_path / "t.db")
    ents = write_csv(tmp_path / "企业.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域", "国民经济行业代码"],
                     [[NAMES[i], USCC[i], "西湖区", "工矿商贸", code]
                      for i, code in enumerate(["0810", "3120", "C0610", "3130", "3211"])])
    people = write_csv(tmp_path / "主要负责人安全培训记录.csv", ["企业名称", "统一社会信用代码", "姓名", "职务", "培训日期", "培训班次"],
                       [[NAMES[0], USCC[0], "张三", "总经理", "2024-05-10", "矿山企业主要负责人专题培训"],
                        [NAMES[2], USCC[2], "李四", "安全员", "2024-06-01", "矿山企业安全培训"],
                        [NAMES[1], USCC[1], "王五", "董事长", "2024-09-01", "安全培训"],
                        [NAMES[1], USCC[1], "王五", "董事长", "2025-03-01", "金属冶炼企业主要负责人集中培训"]])
    r = cli("import", ents, people)
    assert r.exit_code == 0, r.stdout + r.stderr

    def training(day):
        r, data = cli.json("audit", "--scope", "西湖区", "--as-of", day, "--rule", "principal-training")
        return [x for x in data["results"] if x["sector"] is None][0]
    t = training("2024-06-30")
    assert (t["numerator"], t["denominator"], t["status"], t["missing"]) == (1, 2, "amber", [USCC[2]])
    t = training("2024-12-31")
    assert (t["numerator"], t["denominator"], t["status"]) == (1, 2, "fail")
    t = training("2025-12-31")
    assert (t["numerator"], t["denominator"], t["status"], t["missing"]) == (1, 2, "fail", [USCC[4]])
    t = training("2026-11-30")
    assert t["status"] == "n/a" and t["ratio"] is None and "2026" in t["note"]


def test_principal_training_without_industry_codes_is_no_data(county):
    r, data = county.json("audit", "--scope", "西湖区", "--as-of", "2024-12-31", "--rule", "principal-training")
    t = data["results"][0]
    assert t["status"] == "n/a" and t["ratio"] is None  # no training ledger, no codes: never 0%


def test_demo_plan_option_through_the_cli(tmp_path):
    from typer.testing import CliRunner
    from zjsafety.cli import app
    r = CliRunner().invoke(app, ["demo", "--plan", "无此规则包", "--dir", str(tmp_path / "x")])
    assert r.exit_code == 2 and "cn-2024-2026" in plain(r.stderr) and "Traceback" not in r.stderr
    r = CliRunner().invoke(app, ["demo", "--plan", "cn-2024-2026", "--dir", str(tmp_path / "演示"), "--json"])
    assert r.exit_code == 0, r.stderr
    import json
    out = json.loads(r.stdout)
    assert out["plan"] == "cn-2024-2026" and set(out["audits"]) == {"2024-12-31", "2025-12-31", "2026-11-30"}


def test_re_importing_with_a_column_left_out_changes_no_figure(county, tmp_path):
    before = {day: figures(county, day) for day in ("2024-12-31", "2026-11-30")}
    # the same ledger again without 整改期限, then without 行业领域: nothing is lost or doubled
    for gone in ("整改期限", "行业领域"):
        k = HAZ.index(gone)
        rows = [r[:k] + r[k + 1:] for r in ROWS]
        r, data = county.json("import", write_csv(tmp_path / f"隐患_无{gone}.csv", HAZ[:k] + HAZ[k + 1:], rows))
        assert r.exit_code in (0, 1) and data["totals"]["inserted"] == 0, (gone, data["totals"])
    for day, want in before.items():
        got = figures(county, day)
        assert {k: (v["numerator"], v["denominator"], v["status"]) for k, v in got.items()} == \
            {k: (v["numerator"], v["denominator"], v["status"]) for k, v in want.items()}, day


def test_re_importing_trainings_without_the_role_column_keeps_the_role(tmp_path):
    from conftest import q
    cli = Cli(tmp_path / "t.db")
    ents = write_csv(tmp_path / "企业.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "国民经济行业代码"],
                     [[NAMES[0], USCC[0], "西湖区", "0810"]])
    head = ["企业名称", "姓名", "职务", "培训日期", "证书编号"]
    row = [NAMES[0], "张三", "总经理", "2024-05-10", "PX001"]
    assert cli("import", ents, write_csv(tmp_path / "培训记录.csv", head, [row])).exit_code == 0
    r, data = cli.json("import", write_csv(tmp_path / "培训记录2.csv", head[:2] + head[3:], [row[:2] + row[3:]]))
    assert data["totals"]["inserted"] == 0 and data["totals"]["unchanged"] == 1, data["totals"]
    assert q(tmp_path / "t.db", "SELECT role, certificate_no FROM training") == [("总经理", "PX001")]
