"""Each rule on a small hand-built database; every expected figure is worked out by hand in the
comments. Edge cases: an enterprise in two sectors, closures before and during the window, a
hazard of the same kind found again after rectification, a hazard whose status went back, and
下城区 (330103), retired in 2021 into 拱墅区 (330105)."""

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ledgers import N, U, write_csv
from ledgers import county_ledgers as ledgers
from zjsafety.rules.audit import explain, run
from zjsafety.importers.pipeline import import_files
from zjsafety.store import connect

@pytest.fixture
def county(tmp_path):
    db = tmp_path / "county.db"
    conn = connect(db)
    res = import_files(conn, ledgers(tmp_path), county="330106")
    assert res.exit_code == 0, [x for f in res.files for x in f.findings if x.severity == "error"]
    yield conn
    conn.close()


def pick(report, rule, scope="330106", sector=None, level=None, year=None):
    hits = [r for r in report.results if r.rule == rule and r.scope == scope and r.sector == sector
            and r.level == level and (year is None or r.year == year)]
    assert len(hits) == 1, [(r.scope, r.sector, r.level, r.year) for r in report.results if r.rule == rule]
    return hits[0]


END_2018 = date(2018, 12, 31)


def test_screening_coverage_by_sector_with_closures(county):
    rep = run(county, "330106", END_2018, rules=["screening-coverage"])
    # 工矿商贸: E1 and E2 (E2 is also 危险化学品, not one of the four) -> 2/2
    r = pick(rep, "screening-coverage", sector="工矿商贸")
    assert (r.numerator, r.denominator, r.status) == (2, 2, "pass")
    # 道路交通: E4 closed 2017-10-01, inside the window, so it counts and was never screened -> 0/1
    r = pick(rep, "screening-coverage", sector="道路交通")
    assert (r.numerator, r.denominator, r.status, r.missing) == (0, 1, "fail", [U["E4"]])
    # 建设施工: E3 closed before 2017-07-01: no figure at all
    assert not [x for x in rep.results if x.sector == "建设施工"]
    assert r.clause == "四(二)1" and r.target == 1.0


def test_screening_before_the_deadline_is_judged_on_the_trajectory(county):
    # at 2017-09-30, 91 of 183 window days have passed: 道路交通 0/1 is behind the line -> amber
    rep = run(county, "330106", date(2017, 9, 30), rules=["screening-coverage"])
    r = pick(rep, "screening-coverage", sector="道路交通")
    assert r.status == "amber" and "进度落后" in r.note
    r = pick(rep, "screening-coverage", sector="工矿商贸")
    assert r.status == "pass"


def test_retired_county_rolls_into_its_successor_only_after_2021(county):
    rep = run(county, "330105", END_2018, rules=["screening-coverage"])
    r = pick(rep, "screening-coverage", "330105")
    # in 2018 拱墅区 is E6 alone, and no screening record of 拱墅区 was imported: n/a, not 0%
    assert (r.status, r.note, r.ratio) == ("n/a", "未导入排查记录", None)
    rep = run(county, "330105", date(2022, 1, 1), rules=["screening-coverage"], plan="zj-2017-2020")
    r = pick(rep, "screening-coverage", "330105", "工矿商贸")
    assert (r.numerator, r.denominator) == (1, 2)  # E5 (330103) now reports under 拱墅区
    # a city audit in 2018 shows 下城区 as its own county and rolls up the counties that sent
    # screenings: 拱墅区 (E6) sent none, so it is left out and named, not counted as 0%
    rep = run(county, "3301", END_2018, rules=["screening-coverage"])
    assert pick(rep, "screening-coverage", "330103", "工矿商贸").numerator == 1
    assert not [r for r in rep.results if r.scope == "330105"]
    total = pick(rep, "screening-coverage", "330100", "工矿商贸")
    assert (total.numerator, total.denominator) == (3, 3)  # E1, E2, E5
    cov = total.extra["coverage"]
    assert (cov["reporting"], cov["expected"]) == (2, 13) and "330105" in cov["missing"]
    assert total.status == "partial" and "数据覆盖 2/13" in total.note
    # in 2022 下城区's rows stand for 拱墅区: two of Hangzhou's 13 counties of that year report
    rep = run(county, "3301", date(2022, 1, 1), rules=["screening-coverage"], plan="zj-2017-2020")
    cov = pick(rep, "screening-coverage", "330100", "工矿商贸").extra["coverage"]
    assert cov["reporting"] == 2 and "330105" not in cov["missing"] and "330103" not in cov["missing"]


def test_major_hazard_registration_listed_supervision_and_dual_report(county):
    rep = run(county, "330106", END_2018, rules=["major-hazard-registration", "listed-supervision", "dual-report"])
    r = pick(rep, "major-hazard-registration")  # all sectors: H1 registered, H2 not
    assert (r.numerator, r.denominator, r.missing) == (1, 2, ["H2"])
    assert pick(rep, "major-hazard-registration", sector="工矿商贸").status == "pass"
    assert pick(rep, "major-hazard-registration", sector="危险化学品").missing == ["H2"]
    r = pick(rep, "listed-supervision")  # H1 listed, H2 not; H1 (整改中, deadline 2018-04-01) is overdue
    assert (r.numerator, r.denominator, r.missing, r.extra["overdue"]) == (1, 2, ["H2"], ["H1"])
    r = pick(rep, "dual-report")  # only H1 is at an above-scale enterprise; it reported to the department only
    assert (r.numerator, r.denominator, r.missing) == (0, 1, ["H1"])


def test_major_risks(county):
    rep = run(county, "330106", END_2018, rules=["major-risk-registration", "risk-grid"])
    r = pick(rep, "major-risk-registration")
    assert (r.numerator, r.denominator, r.missing) == (1, 2, ["R2"])
    r = pick(rep, "risk-grid")
    assert (r.numerator, r.denominator, r.missing) == (1, 2, ["R2"])


def test_supervision_quota_per_level(county):
    rep = run(county, "330106", END_2018, rules=["supervision-quota"])
    # 2018 frame: E1, E2 (E3, E4 closed in 2017). County level: E1 -> 1/2 = 50% >= 30%
    r = pick(rep, "supervision-quota", level="county", year=2018)
    assert (r.numerator, r.denominator, r.target, r.status) == (1, 2, 0.30, "pass")
    r = pick(rep, "supervision-quota", level="city", year=2018)
    assert (r.numerator, r.denominator, r.status) == (0, 2, "fail")
    # province level per sector: E2 inspected by the province; E2 is in both of its sectors
    assert pick(rep, "supervision-quota", sector="危险化学品", level="province").numerator == 1
    r = pick(rep, "supervision-quota", sector="工矿商贸", level="province")
    assert (r.numerator, r.denominator, r.status) == (1, 2, "pass")


def test_supervision_mid_year_is_amber_when_behind(county):
    rep = run(county, "330106", date(2018, 6, 30), rules=["supervision-quota"])
    assert pick(rep, "supervision-quota", level="county", year=2018).status == "pass"
    assert pick(rep, "supervision-quota", level="city", year=2018).status == "amber"


def test_penalty_share_growth_reading_is_a_setting(county, tmp_path):
    rep = run(county, "330106", END_2018, rules=["non-accident-penalty-growth"])
    r = pick(rep, "non-accident-penalty-growth", year=2018)
    # 2017: 2 of 4 not from accidents = 50%; 2018: 27 of 50 = 54%; +5 points needs 55%
    assert (r.numerator, r.denominator, r.target, r.status) == (27, 50, 0.55, "fail")
    assert r.extra["reading"] == "points" and "百分点" in r.note
    pack = (Path(__file__).parents[1] / "data" / "rules" / "zj-2017-2020.toml").read_text(encoding="utf-8")
    alt = tmp_path / "relative.toml"
    alt.write_text(pack.replace('reading = "points"', 'reading = "relative"'), encoding="utf-8")
    r = pick(run(county, "330106", END_2018, plan=alt, rules=["non-accident-penalty-growth"]),
             "non-accident-penalty-growth", year=2018)
    assert (r.target, r.status, r.extra["reading"]) == (0.525, "pass", "relative")  # 50% x 1.05


def test_annual_major_hazard_screening(county):
    rep = run(county, "330106", END_2018, rules=["annual-major-hazard-screening"])
    r = pick(rep, "annual-major-hazard-screening", year=2018)
    # sectors with open enterprises in 2018: 工矿商贸, 危险化学品; a 专项排查 only in 危险化学品
    assert (r.numerator, r.denominator, r.missing) == (1, 2, ["工矿商贸"])


def test_accident_reduction_against_the_straight_line(county):
    rep = run(county, "330106", END_2018, rules=["accident-reduction"])
    # 2018 is half way: -20% for accidents and deaths, -27.5% for the death rate
    acc = pick(rep, "accident-reduction", level="accidents", year=2018)
    assert (acc.numerator, acc.denominator, acc.target, acc.status) == (41, 50, 0.8, "amber")  # 82% > 80%
    deaths = pick(rep, "accident-reduction", level="deaths", year=2018)
    assert (deaths.ratio, deaths.status) == (0.75, "pass")
    rate = pick(rep, "accident-reduction", level="death_rate", year=2018)
    assert (rate.ratio, rate.target, rate.status) == (0.6, 0.725, "pass")  # (15/1250)/(20/1000)
    rep = run(county, "330106", date(2020, 12, 31), rules=["accident-reduction"])
    acc = pick(rep, "accident-reduction", level="accidents", year=2020)
    assert (acc.ratio, acc.target, acc.status) == (0.62, 0.6, "fail")  # the deadline has come
    rep = run(county, "330106", date(2019, 12, 31), rules=["accident-reduction"])
    assert pick(rep, "accident-reduction", level="accidents", year=2019).status == "n/a"  # no 2019 figures


def test_repeat_hazards_watch_list(county, tmp_path):
    rep = run(county, "330106", END_2018, rules=["repeat-hazards"])
    r = pick(rep, "repeat-hazards")
    # E1: 消防 hazard H3 rectified 2017-09-10, another 消防 hazard H4 found 2018-02-01
    assert (r.numerator, r.denominator, r.missing, r.status) == (1, 2, [U["E1"]], "amber")
    # E2's H2 goes back from 已整改 to 未整改 in a later ledger: the hazard came back
    p = write_csv(tmp_path / "隐患2.csv", ["隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述", "隐患级别",
                                          "整改情况", "整改期限"],
                  [["H2", N["E2"], U["E2"], "2018-05-01", "储罐泄漏", "重大", "未整改", "2018-06-30"]])
    import_files(county, [p])  # the change is recorded today, so it shows from today's audit on
    assert pick(run(county, "330106", END_2018, rules=["repeat-hazards"]), "repeat-hazards").missing == [U["E1"]]
    r = pick(run(county, "330106", date.today(), rules=["repeat-hazards"], plan="zj-2017-2020"), "repeat-hazards")
    assert sorted(r.missing) == sorted([U["E1"], U["E2"]])


def test_above_scale_entry_from_the_flag_and_from_the_list(county, tmp_path):
    r = pick(run(county, "330106", END_2018, rules=["above-scale-entry"]), "above-scale-entry")
    assert (r.numerator, r.denominator, r.extra["basis"]) == (1, 1, "flag")  # E1: all fields filled
    import_files(county, [ledgers(tmp_path, with_list=True)[-1]], county="330106")
    r = pick(run(county, "330106", END_2018, rules=["above-scale-entry"]), "above-scale-entry")
    # the list (imported for 西湖区) names E1, X (not in the database) and E1's name again under E6's
    # code, which the database holds: 2 of 3 entered
    assert (r.extra["basis"], r.numerator, r.denominator) == ("list", 2, 3)
    assert r.missing == [U["X"]] and r.extra["extra"] == []
    assert r.extra["duplicates"] == [N["E1"]]  # one name under two codes


def test_milestones(county):
    r = pick(run(county, "330106", END_2018, rules=["milestones"]), "milestones")
    # county milestones due by 2018-12-31: M02 M03 M04 M06 M07 M08; only M02 done
    assert (r.numerator, r.denominator, r.status) == (1, 6, "fail")
    assert r.missing == ["M03", "M04", "M06", "M07", "M08"] and r.extra["pending"] == ["M09"]


def test_absent_data_is_na_never_zero(tmp_path):
    conn = connect(tmp_path / "only-enterprises.db")
    import_files(conn, [ledgers(tmp_path)[0]], county="330106")
    rep = run(conn, "330106", END_2018)
    by_rule = {r.rule: r for r in rep.results}
    for rule in ("screening-coverage", "major-hazard-registration", "major-risk-registration", "supervision-quota",
                 "non-accident-penalty-growth", "annual-major-hazard-screening", "listed-supervision",
                 "dual-report", "risk-grid", "accident-reduction", "repeat-hazards", "milestones"):
        r = by_rule[rule]
        assert r.status == "n/a" and r.note and r.ratio is None, rule
    conn.close()


def test_every_rule_of_the_pack_cites_its_clause(county):
    rep = run(county, "330106", END_2018)
    assert {r.rule for r in rep.results} == {
        "screening-coverage", "above-scale-entry", "major-hazard-registration", "major-risk-registration",
        "supervision-quota", "non-accident-penalty-growth", "annual-major-hazard-screening", "listed-supervision",
        "dual-report", "risk-grid", "accident-reduction", "repeat-hazards", "milestones"}
    assert all(r.clause for r in rep.results)


def test_explain_lists_items_with_file_and_row(county):
    items = explain(county, "screening-coverage", "330106", END_2018, sector="道路运输")
    assert [(i["item"], i["label"], i["file"], i["row"]) for i in items] == [(U["E4"], N["E4"], "企业.csv", 5)]
    items = explain(county, "major-hazard-registration", "西湖区", END_2018)
    assert [(i["item"], i["file"], i["row"]) for i in items] == [("H2", "隐患.csv", 3)]


# ------------------------------------------------------------------ CLI

def test_cli_json_equals_the_library_and_exit_code(county_cli):
    r, data = county_cli.json("audit", "--scope", "西湖区", "--as-of", "2018-12-31")
    assert r.exit_code == 1  # some rules fail
    conn = connect(county_cli.db)
    lib = run(conn, "330106", END_2018).to_dict()
    conn.close()
    assert data == json.loads(json.dumps(lib, ensure_ascii=False, default=str))
    first = data["results"][0]
    for k in ("rule", "clause", "title", "scope", "sector", "level", "year", "numerator", "denominator", "ratio",
              "target", "status", "note", "missing"):
        assert k in first


def test_cli_exit_0_when_nothing_fails(county_cli):
    r = county_cli("audit", "--scope", "330106", "--as-of", "2018-12-31", "--rule", "risk-grid", "--rule",
                   "major-risk-registration")
    assert r.exit_code == 1
    r = county_cli("audit", "--scope", "330106", "--as-of", "2018-12-31", "--rule", "screening-coverage",
                   "--year", "2018")
    assert r.exit_code == 1
    r, data = county_cli.json("audit", "--scope", "330106", "--as-of", "2018-12-31", "--rule", "repeat-hazards")
    assert r.exit_code == 0 and data["results"][0]["status"] == "amber"


def test_cli_table_and_xlsx(county_cli, tmp_path):
    out = tmp_path / "核查.xlsx"
    r = county_cli("audit", "--scope", "330106", "--as-of", "2018-12-31", "--xlsx", out)
    assert "排查企业覆盖率" in r.stdout and "未达标" in r.stdout
    wb = load_workbook(out)
    assert wb.sheetnames == ["核查汇总", "缺项清单"]  # tabs in Chinese
    rows = list(wb["缺项清单"].iter_rows(min_row=2, values_only=True))
    # the same rows as `audit explain`: code, name, file, row
    r, data = county_cli.json("audit", "explain", "screening-coverage", "--scope", "330106", "--as-of", "2018-12-31")
    listed = [(row[5], row[6], row[7], row[9]) for row in rows if row[1] == "事故总量大的4个行业领域排查企业覆盖率"]
    assert listed == [(i["item"], i["label"], i["file"], i["row"]) for i in data["items"]]
    assert (U["E4"], N["E4"], "企业.csv", 5) in listed


def test_cli_explain(county_cli):
    r, data = county_cli.json("audit", "explain", "screening-coverage", "--scope", "330106", "--as-of",
                              "2018-12-31", "--sector", "道路交通")
    assert [i["item"] for i in data["items"]] == [U["E4"]]
    r = county_cli("audit", "explain", "screening-coverage", "--scope", "330106", "--as-of", "2018-12-31")
    assert r.exit_code == 0 and "未达标的对象（1）" in r.stdout


@pytest.mark.parametrize("args,msg", [
    (["--scope", "鼓楼区"], "鼓楼区"), (["--scope", "330106", "--as-of", "明天"], "--as-of"),
    (["--scope", "330106", "--rule", "nope"], "nope"), (["--scope", "330106", "--plan", "nope"], "nope"),
    ([], "--scope")])
def test_cli_bad_options_are_usage_errors(county_cli, args, msg):
    from conftest import plain
    r = county_cli("audit", *args)
    assert r.exit_code == 2 and msg in plain(r.stderr) and "Traceback" not in r.stderr
