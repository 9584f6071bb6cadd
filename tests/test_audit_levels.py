"""Audit figures at every level: a division's own totals against its children's, what a city or
province figure rests on, each result once, capped missing lists, and a report from one run."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

import province
from conftest import Cli, plain
from ledgers import write_csv
from zjsafety.demo import write_demo_ledgers
from zjsafety.importers.pipeline import import_files
from zjsafety.rules import audit as audit_mod
from zjsafety.rules.audit import run
from zjsafety.store import connect

END_2018 = date(2018, 12, 31)
ACC_H = ["区县", "年份", "事故起数", "死亡人数", "GDP（亿元）"]


def keys(results) -> list[tuple]:
    return [(r["rule"], r["scope"], r["sector"], r["level"], r["year"]) for r in results]


def accident(results, scope):
    return {r["level"]: r for r in results if r["rule"] == "accident-reduction" and r["scope"] == scope}


# ------------------------------------------------------------------ own totals and children

def test_the_provinces_own_statistics_give_each_figure_once(tmp_path):
    cli = Cli(tmp_path / "p.db")
    f = write_csv(tmp_path / "省.csv", ACC_H, [["浙江省", 2016, 2000, 800, 47000], ["浙江省", 2018, 1500, 600, 56000]])
    assert cli("import", f).exit_code == 0
    r, data = cli.json("audit", "--scope", "330000", "--as-of", "2018-12-31", "--rule", "accident-reduction")
    res = data["results"]
    assert len(res) == 3 and Counter(keys(res)).most_common(1)[0][1] == 1
    own = accident(res, "330000")
    assert (own["accidents"]["numerator"], own["accidents"]["denominator"]) == (1500, 2000)
    assert own["accidents"]["status"] == "pass" and own["accidents"]["coverage"]["basis"] == "own"
    r = cli("audit", "--scope", "330000", "--as-of", "2018-12-31", "--rule", "accident-reduction")
    assert "达标3" in plain(r.stdout)


def test_a_divisions_own_totals_are_its_figure_and_the_childrens_sum_is_shown_beside(tmp_path):
    cli = Cli(tmp_path / "p.db")
    f = write_csv(tmp_path / "事故.csv", ACC_H, [
        ["浙江省", 2016, 2000, 800, 47000], ["浙江省", 2018, 1500, 600, 56000],
        ["杭州市", 2016, 300, 100, 11000], ["杭州市", 2018, 250, 80, 13500],
        ["西湖区", 2016, 80, 20, 1000], ["西湖区", 2018, 60, 15, 1250]])
    assert cli("import", f).exit_code == 0
    _, data = cli.json("audit", "--scope", "浙江省", "--as-of", "2018-12-31", "--rule", "accident-reduction")
    res = data["results"]
    assert Counter(keys(res)).most_common(1)[0][1] == 1
    assert {r["scope"] for r in res} == {"330000", "330100", "330106"}
    prov, city, county = accident(res, "330000"), accident(res, "330100"), accident(res, "330106")
    assert (prov["accidents"]["numerator"], prov["accidents"]["denominator"]) == (1500, 2000)  # not the county's 60/80
    assert prov["accidents"]["children_total"] == 250 and prov["accidents"]["difference"] == 1250
    assert "下级合计 250" in prov["accidents"]["note"]
    assert (city["deaths"]["numerator"], city["deaths"]["children_total"]) == (80, 15)
    assert county["accidents"]["numerator"] == 60 and "coverage" not in county["accidents"]
    # the same at city scope: Hangzhou's own totals beside one of its counties
    _, data = cli.json("audit", "--scope", "杭州市", "--as-of", "2018-12-31", "--rule", "accident-reduction")
    city = accident(data["results"], "330100")
    assert (city["accidents"]["numerator"], city["accidents"]["status"]) == (250, "amber")
    assert len(data["results"]) == 6


def test_a_city_figure_resting_on_one_county_says_so_and_is_not_judged(tmp_path):
    cli = Cli(tmp_path / "c.db")
    f = write_csv(tmp_path / "事故.csv", ACC_H, [["西湖区", 2016, 80, 20, 1000], ["西湖区", 2018, 60, 15, 1250]])
    ents = write_csv(tmp_path / "企业.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                     [["杭州甲有限公司", "", "西湖区", "道路运输"], ["杭州乙有限公司", "", "西湖区", "道路运输"]])
    scr = write_csv(tmp_path / "排查.csv", ["企业名称", "所属县（市、区）", "排查日期"], [["杭州甲有限公司", "西湖区", "2017-08-01"]])
    assert cli("import", f, ents, scr).exit_code == 0
    r, data = cli.json("audit", "--scope", "330100", "--as-of", "2018-12-31")
    assert r.exit_code == 1
    city = [x for x in data["results"] if x["scope"] == "330100" and x["status"] != "n/a"]
    assert city and all(x["status"] == "partial" for x in city)
    assert all(x["coverage"]["reporting"] == 1 and x["coverage"]["expected"] == 13 for x in city)
    assert all("数据覆盖 1/13" in x["note"] for x in city)
    sc = next(x for x in city if x["rule"] == "screening-coverage" and x["sector"] == "道路交通")
    assert (sc["numerator"], sc["denominator"]) == (1, 2)
    # judged on what was sent only when asked
    _, data = cli.json("audit", "--scope", "330100", "--as-of", "2018-12-31", "--allow-partial")
    sc = next(x for x in data["results"] if x["rule"] == "screening-coverage" and x["scope"] == "330100"
              and x["sector"] == "道路交通")
    assert sc["status"] == "fail" and "按已报送的数据判定" in sc["note"]
    # the county itself is judged as ever
    west = next(x for x in data["results"] if x["rule"] == "screening-coverage" and x["scope"] == "330106")
    assert west["status"] == "fail" and "coverage" not in west
    # explain names the twelve counties that sent nothing
    _, ex = cli.json("audit", "explain", "screening-coverage", "--scope", "杭州市", "--as-of", "2018-12-31")
    assert len(ex["coverage"]["missing"]) == 12 and "330106" not in ex["coverage"]["missing"]
    assert "杭州市建德市" in ex["coverage"]["missing_names"]
    r = cli("audit", "explain", "screening-coverage", "--scope", "杭州市", "--as-of", "2018-12-31")
    assert "未报送该项数据的县（市、区）（12）" in plain(r.stdout) and "建德市" in r.stdout


def test_a_retired_countys_rows_count_for_its_successors(tmp_path):
    conn = connect(tmp_path / "r.db")
    f = write_csv(tmp_path / "事故.csv", ACC_H, [["江干区", 2016, 50, 10, 900], ["江干区", 2018, 40, 8, 1000],
                                               ["下城区", 2016, 30, 6, 800], ["下城区", 2018, 20, 4, 900]])
    import_files(conn, [f])
    rep = run(conn, "330100", date(2022, 1, 1), year=2018, rules=["accident-reduction"], plan="zj-2017-2020")
    cov = next(r for r in rep.results if r.scope == "330100").extra["coverage"]
    # 2022: 上城区 and 钱塘区 took 江干区, 拱墅区 took 下城区
    assert cov["reporting"] == 3 and not {"330102", "330114", "330105"} & set(cov["missing"])
    rep = run(conn, "330100", END_2018, rules=["accident-reduction"])
    cov = next(r for r in rep.results if r.scope == "330100").extra["coverage"]
    assert cov["reporting"] == 2 and cov["expected"] == 13 and "330105" in cov["missing"]
    conn.close()


# ------------------------------------------------------------------ each result once

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return province.build(tmp_path_factory.mktemp("prov") / "prov.db", per_county=20)


@pytest.mark.parametrize("scope", ["330106", "330100", "330000"])
def test_each_result_once_over_a_synthetic_province(synthetic, scope):
    conn = connect(synthetic)
    rep = run(conn, scope, END_2018)
    conn.close()
    ks = keys(r.to_dict() for r in rep.results)
    assert len(ks) == len(set(ks)), [k for k, n in Counter(ks).items() if n > 1]
    rules = {r.rule for r in rep.results}
    assert "accident-reduction" in rules and "supervision-quota" in rules
    if scope == "330000":
        own = accident([r.to_dict() for r in rep.results], "330000")["accidents"]
        assert own["numerator"] == 3500 - 2 * 350 and own["coverage"]["basis"] == "own"
        ningbo = accident([r.to_dict() for r in rep.results], "330200")["accidents"]
        assert ningbo["numerator"] == 460 - 2 * 46  # a city's own totals at province scope too
        taizhou = accident([r.to_dict() for r in rep.results], "331000")["accidents"]
        assert taizhou["coverage"]["basis"] == "children" and taizhou["status"] != "partial"


@pytest.mark.parametrize("scope", ["330106", "330100", "330000"])
def test_each_result_once_over_the_demo(tmp_path, scope):
    write_demo_ledgers(tmp_path)
    conn = connect(tmp_path / "demo.db")
    import_files(conn, [tmp_path / "台账"], county="330106")
    ks = keys(r.to_dict() for r in run(conn, scope, END_2018).results)
    conn.close()
    assert len(ks) == len(set(ks))


def test_a_province_with_a_silent_county_is_partial_and_lists_it(tmp_path):
    db = province.build(tmp_path / "p.db", skip=("330127",))
    conn = connect(db)
    rep = run(conn, "330000", END_2018, rules=["screening-coverage", "supervision-quota", "accident-reduction"])
    conn.close()
    roll = [r for r in rep.results if r.scope == "330000"]
    enterprise_level = [r for r in roll if r.rule != "accident-reduction"]
    assert enterprise_level and all(r.status == "partial" for r in enterprise_level)
    assert all(r.extra["coverage"]["missing"] == ["330127"] for r in enterprise_level)
    # the province's own accident totals stand for every county: judged
    assert all(r.status != "partial" for r in roll if r.rule == "accident-reduction")
    hangzhou = [r for r in rep.results if r.rule == "accident-reduction" and r.scope == "330100"]
    assert all(r.extra["coverage"]["basis"] == "own" and r.status != "partial" for r in hangzhou)


# ------------------------------------------------------------------ missing lists

def test_missing_lists_are_capped_at_city_and_province_and_counted(synthetic, tmp_path):
    conn = connect(synthetic)
    county = run(conn, "330106", END_2018, rules=["supervision-quota"])
    assert county.missing_limit is None
    assert all(len(r.missing) == r.missing_total for r in county.results)
    prov = run(conn, "330000", END_2018, rules=["supervision-quota"], missing_limit=5)
    roll = next(r for r in prov.results if r.scope == "330000" and r.level == "county")
    assert len(roll.missing) == 5 and roll.missing_total == roll.denominator - roll.numerator > 5
    full = run(conn, "330000", END_2018, rules=["supervision-quota"], missing_limit=None)
    whole = next(r for r in full.results if r.scope == "330000" and r.level == "county")
    assert len(whole.missing) == whole.missing_total and whole.missing[:5] == roll.missing
    conn.close()
    cli = Cli(synthetic)
    _, data = cli.json("audit", "--scope", "330000", "--as-of", "2018-12-31", "--rule", "supervision-quota")
    assert data["missing_limit"] == 1000
    r = next(x for x in data["results"] if x["scope"] == "330000" and x["level"] == "county")
    assert len(r["missing"]) == 1000 < r["missing_count"]
    _, data = cli.json("audit", "--scope", "330000", "--as-of", "2018-12-31", "--rule", "supervision-quota",
                       "--missing-limit", "全部")
    r = next(x for x in data["results"] if x["scope"] == "330000" and x["level"] == "county")
    assert len(r["missing"]) == r["missing_count"]
    _, data = cli.json("audit", "--scope", "330000", "--as-of", "2018-12-31", "--rule", "supervision-quota",
                       "--missing-limit", "0")
    assert all(x["missing"] == [] for x in data["results"]) and any(x["missing_count"] for x in data["results"])
    r = cli("audit", "--scope", "330000", "--missing-limit", "-3")
    assert r.exit_code == 2 and "--missing-limit" in r.stderr


# ------------------------------------------------------------------ reports

def test_a_report_builds_from_one_audit_run(synthetic, monkeypatch):
    from zjsafety import reports
    calls = []
    real = audit_mod.run

    def counting(*a, **kw):
        calls.append(kw.get("rules"))
        return real(*a, **kw)
    monkeypatch.setattr("zjsafety.reports.data.run", counting)
    conn = connect(synthetic)
    data = reports.build(conn, "330000", date(2019, 6, 30), since=date(2018, 6, 30))
    # one whole audit (every year the trend charts), and the progress rules at --since
    assert calls == [None, data.pack["report"]["progress_rules"]]
    trend = {(r.year, r.level): r.numerator for r in data.trend}
    assert {y for y, _ in trend} == {2017, 2018}
    for year in (2017, 2018):
        alone = real(conn, "330000", date(2019, 6, 30), year=year, rules=["accident-reduction"])
        for r in alone.results:
            if r.scope == "330000":
                assert trend[(year, r.level)] == r.numerator
    conn.close()
