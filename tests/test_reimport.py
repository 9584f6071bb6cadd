"""A re-import never changes what the ledger did not say, and one thing is one record (issue 20).

Each case is tried as a clerk would, through the CLI, with the database read before and after."""

import json
from datetime import date

from conftest import plain, q
from ledgers import NAMES, USCC, xlsx
from zjsafety.core.normalize import org_code_check_char, uscc_check_char



def one_off(uscc: str, at: int = 10) -> str:
    """The same USCC with one digit of its body typed wrong, both check characters made right again:
    the kind of typo that passes every check."""
    body = list(uscc[:16])
    body[at] = str((int(body[at]) + 1) % 10)
    org = "".join(body[8:16])
    first17 = "".join(body[:8]) + org + org_code_check_char(org)
    return first17 + uscc_check_char(first17)


ENT = ["企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域"]


def ents(tmp_path, cli, county="上城区", sector="道路交通", n=3):
    rows = [[NAMES[i], USCC[i], county, "湖滨街道", sector] for i in range(n)]
    r = cli("import", xlsx(tmp_path / "企业.xlsx", ENT, rows))
    assert r.exit_code == 0, r.stdout


# ------------------------------------------------------------------ 1. counties never move by inference

def test_a_list_without_county_keeps_the_stored_county(cli, tmp_path, db_path):
    ents(tmp_path, cli)  # stored under 上城区 although the USCC carries 330106 (西湖区)
    rows = [[NAMES[i], USCC[i], "道路交通"] for i in range(3)]
    r, data = cli.json("import", xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "行业领域"], rows))
    assert r.exit_code == 0
    assert q(db_path, "SELECT DISTINCT county_code FROM enterprise") == [("330102",)]
    assert data["totals"]["updated"] == 0 and data["totals"]["unchanged"] == 3
    # nothing says the county was taken from the USCC: it was not
    assert not [f for f in data["files"][0]["findings"] if f["type"] == "county_from_uscc"]


def test_county_option_does_not_move_stored_enterprises(cli, tmp_path, db_path):
    ents(tmp_path, cli)
    rows = [[NAMES[i], USCC[i], "道路交通"] for i in range(3)]
    r, data = cli.json("import", "--county", "西湖区",
                       xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "行业领域"], rows))
    assert r.exit_code == 0
    assert q(db_path, "SELECT DISTINCT county_code FROM enterprise") == [("330102",)]
    kept = [f for f in data["files"][0]["findings"] if f["type"] == "inferred_kept"]
    assert len(kept) == 3 and "上城区" in kept[0]["message"] and "西湖区" in kept[0]["message"]


def test_a_stated_new_county_moves_the_record_and_is_listed_apart(cli, tmp_path, db_path):
    ents(tmp_path, cli)
    rows = [[NAMES[i], USCC[i], "西湖区" if i < 2 else "上城区", "湖滨街道", "道路交通"] for i in range(3)]
    r, data = cli.json("import", xlsx(tmp_path / "改.xlsx", ENT, rows))
    assert r.exit_code == 0
    assert q(db_path, "SELECT county_code, COUNT(*) FROM enterprise GROUP BY 1 ORDER BY 1") == [("330102", 1), ("330106", 2)]
    assert data["totals"]["changes"] == {"county": 2}
    moved = [f for f in data["files"][0]["findings"] if f["type"] == "scope_change"]
    assert len(moved) == 2 and "上城区" in moved[0]["message"]
    r = cli("import", xlsx(tmp_path / "改回.xlsx", ENT, [[NAMES[0], USCC[0], "上城区", "湖滨街道", "道路交通"]]))
    assert "变更了县（市、区）1家" in plain(r.stdout)


def test_a_new_enterprise_still_takes_its_county_from_the_uscc(cli, tmp_path, db_path):
    rows = [[NAMES[0], USCC[0], "道路交通"]]
    r, data = cli.json("import", xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "行业领域"], rows))
    assert r.exit_code == 0
    assert q(db_path, "SELECT county_code FROM enterprise") == [("330106",)]
    assert [f["type"] for f in data["files"][0]["findings"]] == ["county_from_uscc"]


# ------------------------------------------------------------------ 2. a closed hazard is not reopened by a date

HZ = ["隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述", "隐患级别", "整改情况", "整改期限", "整改完成日期"]


def test_a_closed_hazard_stays_closed_when_a_ledger_gives_only_its_dates(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    cli("import", xlsx(tmp_path / "隐患.xlsx", HZ, [
        ["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "一般", "已验收销号", date(2018, 4, 1), date(2018, 3, 20)],
        ["XH2", NAMES[1], USCC[1], date(2018, 3, 1), "配电箱未接地", "一般", "未整改", date(2018, 4, 1), None]]))
    no_status = [h for h in HZ if h != "整改情况"]
    r, data = cli.json("import", xlsx(tmp_path / "隐患2.xlsx", no_status, [
        ["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "一般", date(2018, 4, 1), date(2018, 3, 20)],
        ["XH2", NAMES[1], USCC[1], date(2018, 3, 1), "配电箱未接地", "一般", date(2018, 4, 1), date(2018, 3, 25)]]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT hazard_no, status FROM hazard ORDER BY 1") == [("XH1", "已销号"), ("XH2", "已整改")]
    # one real change (XH2 rectified), so history holds XH2 only
    assert q(db_path, "SELECT DISTINCT h.hazard_no FROM hazard_status s JOIN hazard h ON h.id = s.hazard_id") == [("XH2",)]
    assert data["totals"]["unchanged"] == 1 and data["totals"]["updated"] == 1


def test_a_stated_status_going_backwards_is_stored_and_listed(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    cli("import", xlsx(tmp_path / "隐患.xlsx", HZ, [
        ["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "一般", "已整改", date(2018, 4, 1), date(2018, 3, 20)]]))
    r, data = cli.json("import", xlsx(tmp_path / "隐患2.xlsx", HZ, [
        ["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "一般", "未整改", date(2018, 4, 1), None]]))
    assert q(db_path, "SELECT status FROM hazard") == [("未整改",)]
    assert data["totals"]["changes"] == {"status_back": 1}


# ------------------------------------------------------------------ 3. sectors are not replaced by a guess

def test_an_industry_code_does_not_replace_stated_sectors(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区", sector="道路交通")
    rows = [[NAMES[i], USCC[i], "4720"] for i in range(3)]
    r, data = cli.json("import", xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "国民经济行业代码"], rows))
    assert r.exit_code == 0
    assert q(db_path, "SELECT DISTINCT sector FROM enterprise_sector") == [("道路交通",)]
    assert q(db_path, "SELECT DISTINCT industry_code FROM enterprise") == [("4720",)]  # the code itself is stated
    kept = [f for f in data["files"][0]["findings"] if f["type"] == "inferred_kept"]
    assert len(kept) == 3 and "道路交通" in kept[0]["message"] and "建设施工" in kept[0]["message"]


def test_a_stated_sector_change_is_listed(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区", sector="道路交通")
    r, data = cli.json("import", xlsx(tmp_path / "改.xlsx", ENT, [[NAMES[0], USCC[0], "西湖区", "湖滨街道", "建设施工"]]))
    assert q(db_path, "SELECT sector FROM enterprise_sector es JOIN enterprise e ON e.id = es.enterprise_id "
                      "WHERE e.uscc = ?", USCC[0]) == [("建设施工",)]
    assert data["totals"]["changes"] == {"sector": 1}


# ------------------------------------------------------------------ 4. a number reused next year is another hazard

def test_a_hazard_number_reused_in_a_new_year_is_a_new_hazard(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    cli("import", xlsx(tmp_path / "2017.xlsx", HZ, [
        ["1", NAMES[0], USCC[0], date(2017, 9, 1), "液氨管道腐蚀", "重大", "整改中", date(2017, 12, 1), None]]))
    r, data = cli.json("import", xlsx(tmp_path / "2018.xlsx", HZ, [
        ["1", NAMES[0], USCC[0], date(2018, 2, 1), "灭火器过期", "一般", "未整改", date(2018, 3, 1), None]]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT hazard_no, found_on, is_major FROM hazard ORDER BY found_on") == [
        ("1", "2017-09-01", 1), ("1", "2018-02-01", 0)]
    assert [f["type"] for f in data["files"][0]["findings"]] == ["hazard_no_new_year"]
    # both ledgers again: nothing new, nothing changed
    for f in ("2017.xlsx", "2018.xlsx"):
        r, data = cli.json("import", tmp_path / f)
        assert data["totals"]["inserted"] == 0 and data["totals"]["updated"] == 0
    assert q(db_path, "SELECT COUNT(*) FROM hazard") == [(2,)]


def test_a_number_reused_within_one_ledger_for_two_years_is_two_hazards(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    rows = [["1", NAMES[0], USCC[0], date(2017, 9, 1), "液氨管道腐蚀", "重大", "整改中", date(2017, 12, 1), None],
            ["1", NAMES[0], USCC[0], date(2018, 2, 1), "灭火器过期", "一般", "未整改", date(2018, 3, 1), None],
            ["1", NAMES[0], USCC[0], date(2018, 2, 1), "灭火器过期", "一般", "未整改", date(2018, 3, 1), None]]
    r, data = cli.json("import", xlsx(tmp_path / "两年.xlsx", HZ, rows))
    assert q(db_path, "SELECT COUNT(*) FROM hazard") == [(2,)]
    assert [f["type"] for f in data["files"][0]["findings"]] == ["hazard_no_new_year", "duplicate_in_file"]
    r, data = cli.json("import", tmp_path / "两年.xlsx")
    assert data["totals"]["inserted"] == 0 and q(db_path, "SELECT COUNT(*) FROM hazard") == [(2,)]


def test_the_same_number_with_a_corrected_date_in_the_same_year_is_the_same_hazard(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    cli("import", xlsx(tmp_path / "a.xlsx", HZ, [
        ["1", NAMES[0], USCC[0], date(2018, 9, 1), "液氨管道腐蚀", "重大", "整改中", date(2018, 12, 1), None]]))
    r, data = cli.json("import", xlsx(tmp_path / "b.xlsx", HZ, [
        ["1", NAMES[0], USCC[0], date(2018, 9, 3), "液氨管道腐蚀（已更换）", "重大", "已整改", date(2018, 12, 1), date(2018, 11, 2)]]))
    assert q(db_path, "SELECT found_on, status FROM hazard") == [("2018-09-03", "已整改")]
    assert data["totals"]["updated"] == 1


# ------------------------------------------------------------------ 5. a ledger without numbers doubles nothing

def test_hazards_re_imported_without_their_numbers_are_the_same_hazards(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    rows = [["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "一般", "已整改", date(2018, 4, 1), date(2018, 3, 20)],
            ["XH2", NAMES[0], USCC[0], date(2018, 3, 1), "配电箱未接地", "重大", "未整改", date(2018, 4, 1), None]]
    cli("import", xlsx(tmp_path / "隐患.xlsx", HZ, rows))
    r, data = cli.json("import", xlsx(tmp_path / "无编号.xlsx", HZ[1:], [r[1:] for r in rows]))
    assert r.exit_code == 0
    assert data["totals"]["inserted"] == 0 and data["totals"]["unchanged"] == 2
    assert q(db_path, "SELECT COUNT(*) FROM hazard") == [(2,)]


# ------------------------------------------------------------------ 6. risks and penalties per enterprise

def test_risks_and_penalties_with_the_same_number_at_two_enterprises_are_two(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    r, data = cli.json("import", xlsx(tmp_path / "危险源.xlsx", ["危险源编号", "企业名称", "统一社会信用代码", "危险源名称"], [
        ["WXY-901", NAMES[0], USCC[0], "液氨储罐区"], ["WXY-901", NAMES[1], USCC[1], "甲醇储罐"]]))
    assert q(db_path, "SELECT COUNT(*) FROM major_risk") == [(2,)]
    assert [f["type"] for f in data["files"][0]["findings"]] == ["number_reused"]
    r, data = cli.json("import", xlsx(tmp_path / "处罚.xlsx", ["处罚决定书文号", "被处罚单位", "统一社会信用代码", "处罚日期"], [
        ["〔2018〕12号", NAMES[0], USCC[0], date(2018, 5, 1)], ["〔2018〕12号", NAMES[1], USCC[1], date(2018, 6, 1)]]))
    assert q(db_path, "SELECT COUNT(*) FROM penalty") == [(2,)]
    assert [f["type"] for f in data["files"][0]["findings"]] == ["number_reused"]
    # again: the same two
    r, data = cli.json("import", tmp_path / "处罚.xlsx")
    assert data["totals"]["unchanged"] == 2 and q(db_path, "SELECT COUNT(*) FROM penalty") == [(2,)]


# ------------------------------------------------------------------ 7. one enterprise, one record

def test_an_enterprise_listed_by_name_then_with_its_uscc_is_one(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "名单.xlsx", ["企业名称", "所属县（市、区）", "行业领域"], [[NAMES[0], "西湖区", "工贸"]]))
    assert q(db_path, "SELECT natural_key FROM enterprise") == [(f"N:330106:{NAMES[0]}",)]
    r, data = cli.json("import", xlsx(tmp_path / "企业.xlsx", ENT, [[NAMES[0], USCC[0], "西湖区", "三墩镇", "工贸"]]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT uscc, township FROM enterprise") == [(USCC[0], "三墩镇")]
    assert data["totals"]["inserted"] == 0 and data["totals"]["updated"] == 1
    # and by name again afterwards: still one
    cli("import", tmp_path / "名单.xlsx")
    assert q(db_path, "SELECT COUNT(*) FROM enterprise") == [(1,)]


def test_a_corrected_uscc_is_offered_as_a_correction_not_a_second_enterprise(cli, tmp_path, db_path):
    typo = one_off(USCC[0])
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT, [[NAMES[0], typo, "西湖区", "三墩镇", "工贸"]]))
    right = xlsx(tmp_path / "更正.xlsx", ENT, [[NAMES[0], USCC[0], "西湖区", "三墩镇", "工贸"]])
    r, data = cli.json("import", right)
    assert r.exit_code == 1
    assert q(db_path, "SELECT uscc FROM enterprise") == [(typo,)]
    f = [f for f in data["files"][0]["findings"] if f["type"] == "uscc_correction"]
    assert f and typo in f[0]["message"] and "--correct-uscc" in f[0]["message"]
    r = cli("import", "--correct-uscc", right)
    assert r.exit_code == 0
    assert q(db_path, "SELECT uscc FROM enterprise") == [(USCC[0],)]
    r = cli("import", "--keep-both", xlsx(tmp_path / "两家.xlsx", ENT, [[NAMES[0], typo, "西湖区", "三墩镇", "工贸"]]))
    assert r.exit_code == 0 and q(db_path, "SELECT COUNT(*) FROM enterprise") == [(2,)]


def test_merge_lists_a_name_only_record_matching_a_uscc_record_elsewhere(tmp_path):
    from conftest import Cli
    a, b = Cli(tmp_path / "a.db"), Cli(tmp_path / "b.db")
    a("import", xlsx(tmp_path / "a.xlsx", ["企业名称", "所属县（市、区）", "行业领域"], [[NAMES[0], "上城区", "工贸"]]))
    b("import", xlsx(tmp_path / "b.xlsx", ENT, [[NAMES[0], USCC[0], "西湖区", "三墩镇", "工贸"]]))
    r = Cli(tmp_path / "x.db")("merge", tmp_path / "a.db", tmp_path / "b.db", "-o", tmp_path / "市.db", "--json", db=False)
    data = json.loads(r.stdout)
    assert r.exit_code == 1
    assert [c["type"] for c in data["conflicts"]] == ["enterprise_same_name"]
    assert NAMES[0] in data["conflicts"][0]["message"]


# ------------------------------------------------------------------ 8. --replace without a required column

def test_replace_without_a_required_stored_column_is_a_usage_error(cli, tmp_path, db_path):
    ents(tmp_path, cli, county="西湖区")
    cli("import", xlsx(tmp_path / "隐患.xlsx", HZ, [
        ["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "重大", "整改中", date(2018, 4, 1), None]]))
    before = q(db_path, "SELECT * FROM hazard")
    no_level = [h for h in HZ if h != "隐患级别"]
    r = cli("import", "--replace", xlsx(tmp_path / "无级别.xlsx", no_level, [
        ["XH1", NAMES[0], USCC[0], date(2018, 3, 1), "消防通道堵塞", "整改中", date(2018, 4, 1), None]]))
    assert r.exit_code == 2
    assert "隐患级别" in plain(r.stdout + r.stderr)
    assert q(db_path, "SELECT * FROM hazard") == before


# ------------------------------------------------------------------ the demo, every ledger less one column

import csv  # noqa: E402
import shutil  # noqa: E402

import pytest  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from zjsafety.demo import COUNTY, write_demo_ledgers  # noqa: E402

_DEMO = {}


def _demo(tmp_path_factory):
    """The demo county imported once: its ledgers, its database and its figures."""
    if not _DEMO:
        from zjsafety.importers.pipeline import import_files
        from zjsafety.store import connect
        d = tmp_path_factory.mktemp("demo")
        files = write_demo_ledgers(d)
        _without_deliberate_faults(files)
        db = d / "demo.db"
        conn = connect(db)
        res = import_files(conn, [d / "台账"], county=COUNTY)
        assert res.totals["rejected"] == 0 and res.totals["inserted"] > 400
        _DEMO.update(files=files, db=db, figures=_figures(conn), counts=_counts(conn))
        conn.close()
    return _DEMO


def _without_deliberate_faults(files) -> None:
    """The demo's ledgers without the two faults it carries on purpose (a USCC check character,
    a rectification before discovery), so that the first import refuses no row: a re-import
    that lacks the very column at fault would otherwise rightly store a row refused before."""
    from zjsafety.core.normalize import uscc_check_char
    for kind, cell in (("enterprise", "C15"), ("hazard", "K10")):
        wb = load_workbook(files[kind])
        ws = wb.active
        v = ws[cell].value
        ws[cell].value = (v[:17] + uscc_check_char(v[:17])) if kind == "enterprise" else None
        wb.save(files[kind])


def _figures(conn) -> list:
    from zjsafety.rules import audit
    out = []
    for as_of in (date(2018, 12, 31), date(2019, 6, 30)):
        rep = audit.run(conn, COUNTY, as_of)
        out += sorted((as_of.isoformat(), r.rule, r.sector or "", str(r.year or ""), r.numerator, r.denominator,
                       r.status, tuple(sorted(map(str, r.missing or ())))) for r in rep.results)
    return out


def _counts(conn) -> dict:
    tables = ["enterprise", "enterprise_sector", "screening", "hazard", "hazard_status", "major_hazard_register",
              "major_risk", "inspection", "penalty", "accident_stat", "above_scale_list", "inspector", "plan_task"]
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def _columns_of(path) -> int:
    if path.suffix == ".csv":
        enc = "gbk" if "排查" in path.name else "utf-8-sig"
        with open(path, encoding=enc, newline="") as fh:
            return len(next(csv.reader(fh)))
    return load_workbook(path).active.max_column


CASES = [(kind, c) for kind, n in [("enterprise", 9), ("above_scale_list", 5), ("screening", 7), ("hazard", 14),
                                    ("major_hazard_register", 5), ("major_risk", 11), ("inspection", 7),
                                    ("penalty", 6), ("accident_stat", 5), ("inspector", 8), ("plan_task", 6)]
         for c in range(n)]


def _without_column(src, dst, col: int) -> None:
    """The ledger as the clerk would send it with one column deleted (0-based), merged header
    cells moved with their columns as Excel moves them."""
    if src.suffix == ".csv":
        enc = "gbk" if "排查" in src.name else "utf-8-sig"
        with open(src, encoding=enc, newline="") as fh:
            rows = list(csv.reader(fh))
        with open(dst, "w", encoding=enc, newline="") as fh:
            csv.writer(fh).writerows([r[:col] + r[col + 1:] for r in rows])
        return
    wb = load_workbook(src)
    ws = wb.active
    merges = [m.bounds for m in ws.merged_cells.ranges]
    for m in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(m))
    ws.delete_cols(col + 1)
    for c1, r1, c2, r2 in merges:
        if c1 > col + 1:
            c1 -= 1
        if c2 >= col + 1:
            c2 -= 1
        if c2 >= c1 and (c2 > c1 or r2 > r1):
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    wb.save(dst)


def test_the_case_list_covers_every_demo_column(tmp_path_factory):
    demo = _demo(tmp_path_factory)
    assert {k: _columns_of(p) for k, p in demo["files"].items()} == \
        {k: sum(1 for kk, _ in CASES if kk == k) for k in demo["files"]}


@pytest.mark.parametrize("kind,col", CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_the_demo_re_imported_less_any_one_column_keeps_every_figure(tmp_path_factory, tmp_path, kind, col):
    from zjsafety.importers.pipeline import import_files
    from zjsafety.store import connect
    demo = _demo(tmp_path_factory)
    db = tmp_path / "demo.db"
    shutil.copy(demo["db"], db)
    src = demo["files"][kind]
    ledger = tmp_path / src.name
    _without_column(src, ledger, col)
    conn = connect(db)
    try:
        import_files(conn, [ledger], county=COUNTY)
        assert _counts(conn) == demo["counts"]
        assert _figures(conn) == demo["figures"]
    finally:
        conn.close()


def test_a_number_looked_up_first_settles_every_row_as_the_whole_enterprise_would(tmp_path):
    """Hazards are found by their number first (an index), and by their enterprise only where the
    number settles nothing: the same records, reuses and ambiguities as matching each row against
    every stored hazard of its enterprise."""
    import random
    from zjsafety.importers.identity import Resolver
    from zjsafety.store import connect

    conn = connect(tmp_path / "a.db")
    conn.execute("INSERT INTO import_batch(id, path, file_name, sha256, kind, imported_at, rows_read, inserted, "
                 "updated, unchanged, rejected) VALUES (1, 'x', 'x', '0', 'hazard', '2019-01-01', 0, 0, 0, 0, 0)")
    rng = random.Random(3)
    for e in range(1, 7):
        conn.execute("INSERT INTO enterprise(id, natural_key, name, name_norm, county_code) "
                     "VALUES (?, ?, ?, ?, '330106')", (e, f"N:{e}", f"企业{e}", f"企业{e}"))
    descs, years = ["消防通道堵塞", "配电箱未接地", "安全出口锁闭"], ["2017", "2018"]
    stored = []
    for i in range(200):  # numbered and unnumbered, numbers reused across enterprises and years
        no = rng.choice([None, f"XH{rng.randrange(12)}"])
        row = (f"K{i}", no, rng.randrange(1, 7), f"{rng.choice(years)}-0{rng.randrange(1, 10)}-01", rng.choice(descs))
        stored.append(row)
    conn.executemany("INSERT INTO hazard(natural_key, hazard_no, enterprise_id, county_code, found_on, description, "
                     "is_major, status, batch_id) VALUES (?, ?, ?, '330106', ?, ?, 0, '未整改', 1)", stored)
    rows = [{"enterprise_id": rng.randrange(1, 8), "hazard_no": rng.choice([None, f"XH{rng.randrange(14)}"]),
             "found_on": rng.choice([None, f"{rng.choice(years + ['2019'])}-0{rng.randrange(1, 10)}-01"]),
             "description": rng.choice([None, *descs, "脚手架未设连墙件"])} for _ in range(400)]
    fast = Resolver(conn, "hazard", "hazard")
    slow = Resolver(conn, "hazard", "hazard")
    slow.number_first = False
    assert fast.number_first
    for part in (rows, [r for r in rows if r["hazard_no"]], rows[:7]):
        assert fast.resolve(part) == slow.resolve(part)
    kinds = [("key" if m.key else "reused" if m.reused else "ambiguous" if m.ambiguous else "new")
             for m in fast.resolve(rows)]
    assert {"key", "new", "reused", "ambiguous"} <= set(kinds)  # every case really met
