"""zjsafety import: kinds, formats, layouts, policies, provenance, through the CLI and the library."""

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import FIXTURES, plain
from ledgers import (ENT_HEADERS, HAZ_HEADERS, NAMES, USCC, ent_rows, haz_rows, ods, write_csv, xlsx)
from zjsafety.importers.pipeline import import_files
from zjsafety.store import connect


def count(db, table):
    c = sqlite3.connect(db)
    try:
        return c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        c.close()


@pytest.fixture
def ent_file(tmp_path):
    return xlsx(tmp_path / "企业台账.xlsx", ENT_HEADERS, ent_rows(), title="西湖区企业基本信息台账")


@pytest.fixture
def with_enterprises(cli, ent_file):
    r = cli("import", ent_file)
    assert r.exit_code == 0, r.stdout
    return ent_file


# ------------------------------------------------------------------ enterprises and formats

def test_enterprise_ledger_under_title_lines(cli, ent_file, db_path):
    r, data = cli.json("import", ent_file)
    assert r.exit_code == 0
    f = data["files"][0]
    assert (f["kind"], f["rows"], f["inserted"], f["rejected"]) == ("enterprise", 10, 10, 0)
    c = sqlite3.connect(db_path)
    row = c.execute("SELECT name, county_code, above_scale, status FROM enterprise WHERE uscc=?", (USCC[1],)).fetchone()
    assert row == (NAMES[1], "330106", 0, "在营")
    assert c.execute("SELECT sector FROM enterprise_sector es JOIN enterprise e ON e.id=es.enterprise_id "
                     "WHERE uscc=?", (USCC[1],)).fetchone()[0] == "危险化学品"
    assert c.execute("SELECT status FROM enterprise WHERE uscc=?", (USCC[9],)).fetchone()[0] == "关闭"


def _enterprise_table(db):
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT uscc, name, county_code, township, above_scale, status FROM enterprise ORDER BY uscc").fetchall()
    finally:
        c.close()


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "csv-utf8", "csv-bom", "csv-gbk", "csv-gb18030", "tsv"])
def test_every_format_gives_the_same_rows(tmp_path, fmt, cli, db_path):
    ref_db = tmp_path / "ref.db"
    from conftest import Cli
    Cli(ref_db)("import", xlsx(tmp_path / "ref.xlsx", ENT_HEADERS, ent_rows()))
    if fmt == "xlsx":
        p = xlsx(tmp_path / "e.xlsx", ENT_HEADERS, ent_rows(), title="标题")
    elif fmt == "xls":
        p = shutil.copy(FIXTURES / "enterprises_biff8.xls", tmp_path / "e.xls")
    elif fmt == "ods":
        p = ods(tmp_path / "e.ods", ENT_HEADERS, ent_rows())
    elif fmt == "tsv":
        p = tmp_path / "e.txt"
        p.write_text("\n".join("\t".join(str(v) for v in r) for r in [ENT_HEADERS, *ent_rows()]), encoding="gbk")
    else:
        enc = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk", "csv-gb18030": "gb18030"}[fmt]
        p = write_csv(tmp_path / "e.csv", ENT_HEADERS, ent_rows(), encoding=enc)
    r = cli("import", p)
    assert r.exit_code == 0, r.stdout
    assert _enterprise_table(db_path) == _enterprise_table(ref_db)
    assert len(_enterprise_table(db_path)) == 10


def test_hidden_sheet_is_reported_and_skipped_unless_asked(tmp_path, cli):
    p = shutil.copy(FIXTURES / "enterprises_biff8.xls", tmp_path / "e.xls")
    r, data = cli.json("import", p)
    hidden = [x for f in data["files"] for x in f["findings"] if x["type"] == "hidden_sheet"]
    assert hidden and hidden[0]["sheet"] == "隐藏备注"
    r, data = cli.json("import", p, "--include-hidden")
    assert any(x["type"] == "unrecognised_sheet" and x["sheet"] == "隐藏备注"
               for f in data["files"] for x in f["findings"])


def test_codes_stored_as_numbers_and_numbers_as_text(tmp_path, cli, db_path):
    rows = ent_rows(3)
    rows[0][2] = "９１" + USCC[0][2:].lower()  # full-width digits, lower case
    rows[1][3] = 330106  # county as a number
    rows[2][3] = "浙江省杭州市西湖区"
    p = xlsx(tmp_path / "e.xlsx", ENT_HEADERS, rows)
    r = cli("import", p)
    assert r.exit_code == 0
    assert [x[0] for x in _enterprise_table(db_path)] == sorted(USCC[:3])
    assert {x[2] for x in _enterprise_table(db_path)} == {"330106"}


def test_two_row_header_with_merged_groups_totals_row_blank_rows_and_columns(tmp_path, cli, with_enterprises, db_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["隐患排查治理台账"])
    ws.append([])
    top = [None, "隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述", "隐患级别", "整改情况", "整改期限", "双报告", None]
    sub = [None, None, None, None, None, None, None, None, None, "向监管部门报告", "向职代会报告"]
    ws.append(top)
    ws.append(sub)
    for c in range(2, 10):
        ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    ws.merge_cells("J3:K3")
    ws.append([None, "XH1", NAMES[1], USCC[1], date(2018, 5, 1), "储罐区未设防火堤", "重大", "整改中", date(2018, 7, 1), "是", "否"])
    ws.append([])  # blank row inside the data
    ws.append([None, "XH2", NAMES[0], USCC[0], "2018.5.2", "配电箱未接地", "一般", "已整改", date(2018, 6, 1), None, None])
    ws.append([None, "合计", None, None, None, "2项"])
    p = tmp_path / "h.xlsx"
    wb.save(p)
    r, data = cli.json("import", p)
    f = data["files"][0]
    assert f["kind"] == "hazard" and (f["rows"], f["inserted"], f["skipped"]) == (2, 2, 1)
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT is_major, report_dept, report_workers FROM hazard WHERE hazard_no='XH1'").fetchone() == (1, 1, 0)


def test_each_record_kind_imports(tmp_path, cli, with_enterprises, db_path):
    files = [
        xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, haz_rows()),
        xlsx(tmp_path / "排查.xlsx", ["企业名称", "信用代码", "排查日期", "排查类型", "排查人员"],
             [[NAMES[i], USCC[i], date(2017, 8, 1 + i), "大检查", "王强"] for i in range(8)]),
        xlsx(tmp_path / "重大隐患登记.xlsx", ["登记编号", "隐患编号", "企业名称", "登记日期"],
             [["ZD-1", "XH002", NAMES[1], date(2018, 4, 5)]]),
        xlsx(tmp_path / "危险源.xlsx", ["危险源编号", "企业名称", "统一社会信用代码", "危险源名称", "危险源等级", "是否登记", "所属网格"],
             [["W1", NAMES[1], USCC[1], "甲醇储罐", "二级", "是", "三墩第1网格"]]),
        xlsx(tmp_path / "督查.xlsx", ["被检查单位", "统一社会信用代码", "督查日期", "督查层级", "督查部门"],
             [[NAMES[0], USCC[0], date(2018, 9, 1), "县级", "西湖区应急管理局"],
              [NAMES[1], USCC[1], date(2018, 9, 2), None, "杭州市应急管理局"]]),
        write_csv(tmp_path / "处罚.csv", ["处罚决定书文号", "当事人", "统一社会信用代码", "处罚日期", "案件来源", "罚款金额（元）"],
                  [["杭西罚〔2018〕1号", NAMES[0], USCC[0], "2018-03-02", "日常执法检查", "5,000"],
                   ["杭西罚〔2018〕2号", NAMES[1], USCC[1], "2018-04-02", "事故调查", 20000]], encoding="gbk"),
        xlsx(tmp_path / "事故.xlsx", ["区县", "年份", "事故起数", "死亡人数", "GDP（亿元）"],
             [["西湖区", 2016, 50, 20, 1000.5], ["西湖区", "2018年", 40, 15, 1200]]),
        xlsx(tmp_path / "规上.xlsx", ["企业名称", "统一社会信用代码", "年度", "主营业务收入（万元）"],
             [[NAMES[0], USCC[0], 2018, 5000], ["杭州之江精密机械有限公司", None, 2018, 3000]]),
        xlsx(tmp_path / "人员.xlsx", ["姓名", "执法证号", "所属单位", "居住乡镇", "执法领域"],
             [["王强", "ZJ001", "西湖区应急管理局", "三墩镇", "工贸、危化品"]]),
        xlsx(tmp_path / "任务.xlsx", ["任务编号", "任务名称", "完成时限", "完成日期", "完成情况"],
             [["M02", "建立健全重大风险隐患排查日志制度", date(2017, 12, 31), date(2017, 12, 20), "已完成"]]),
    ]
    r, data = cli.json("import", *files, "--county", "西湖区")
    kinds = {Path(f["path"]).name: f["kind"] for f in data["files"]}
    assert kinds == {"隐患.xlsx": "hazard", "排查.xlsx": "screening", "重大隐患登记.xlsx": "major_hazard_register",
                     "危险源.xlsx": "major_risk", "督查.xlsx": "inspection", "处罚.csv": "penalty",
                     "事故.xlsx": "accident_stat", "规上.xlsx": "above_scale_list", "人员.xlsx": "inspector",
                     "任务.xlsx": "plan_task"}
    assert r.exit_code == 0, [x for f in data["files"] for x in f["findings"]]
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT COUNT(*) FROM screening").fetchone()[0] == 8
    assert c.execute("SELECT deadline, status FROM hazard WHERE hazard_no='XH003'").fetchone() == ("2018-06-30", "未整改")
    assert c.execute("SELECT found_on FROM hazard WHERE hazard_no='XH002'").fetchone()[0] == "2018-04-02"
    assert c.execute("SELECT level FROM inspection ORDER BY inspected_on").fetchall() == [("county",), ("city",)]
    assert c.execute("SELECT accident_related, amount FROM penalty ORDER BY decided_on").fetchall() == [(0, 5000.0), (1, 20000.0)]
    assert c.execute("SELECT year, deaths, gdp FROM accident_stat ORDER BY year").fetchall() == [(2016, 20, 1000.5), (2018, 15, 1200.0)]
    assert c.execute("SELECT registered, grid FROM major_risk").fetchone() == (1, "三墩第1网格")
    assert c.execute("SELECT certified_sectors FROM inspector").fetchone()[0] == "工矿商贸、危险化学品"
    assert c.execute("SELECT hazard_no FROM major_hazard_register").fetchone()[0] == "XH002"
    assert c.execute("SELECT COUNT(*) FROM above_scale_list").fetchone()[0] == 2


def test_files_are_imported_in_dependency_order_whatever_the_shell_order(tmp_path, cli, ent_file, db_path):
    hz = xlsx(tmp_path / "a隐患.xlsx", HAZ_HEADERS, haz_rows())
    reg = xlsx(tmp_path / "0登记.xlsx", ["登记编号", "隐患编号", "登记日期"], [["ZD-1", "XH002", date(2018, 4, 5)]])
    r, data = cli.json("import", reg, hz, ent_file)
    assert r.exit_code == 0, data
    assert count(db_path, "hazard") == 3
    assert not [x for f in data["files"] for x in f["findings"] if x["type"] == "unknown_hazard"]


def test_a_folder_means_every_ledger_in_it(tmp_path, cli, db_path):
    d = tmp_path / "西湖区"
    d.mkdir()
    xlsx(d / "企业.xlsx", ENT_HEADERS, ent_rows())
    xlsx(d / "隐患.xlsx", HAZ_HEADERS, haz_rows())
    (d / "~$企业.xlsx").write_bytes(b"lock")
    (d / "说明.docx").write_bytes(b"not a ledger")
    r = cli("import", d)
    assert r.exit_code == 0
    assert count(db_path, "hazard") == 3


# ------------------------------------------------------------------ findings

def test_every_bad_cell_is_reported_with_location(tmp_path, cli, with_enterprises, db_path):
    rows = haz_rows()
    rows[0][4] = "2018年13月1日"  # E: bad date
    rows[1][6] = "特别严重"  # G: bad level
    rows[2][0] = "XH001"  # duplicate of row 1's number... row 1 is rejected, so it is not a duplicate
    rows.append(["XH009", "不存在的公司", None, "工贸", date(2018, 1, 1), "无", "一般", "已整改", None, date(2017, 12, 1)])
    rows.append(["XH010", NAMES[3], USCC[3], "#N/A", date(2018, 1, 1), "车辆超载", "一般", "已整改", None, None])
    p = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, rows)
    r, data = cli.json("import", p)
    assert r.exit_code == 1
    fs = {(x["row"], x["column"], x["type"]) for x in data["files"][0]["findings"]}
    assert (2, "E", "bad_date") in fs
    assert (3, "G", "bad_hazard_level") in fs
    assert (5, "B", "unknown_enterprise") in fs
    assert (6, "D", "error_cell") in fs
    bad = next(x for x in data["files"][0]["findings"] if x["type"] == "bad_date")
    assert bad["header"] == "发现日期" and bad["value"] == "2018年13月1日" and "不是有效日期" in bad["message"]
    assert data["files"][0]["rejected"] == 4 and data["files"][0]["inserted"] == 1


def test_cross_row_checks(tmp_path, cli, with_enterprises):
    rows = haz_rows()
    rows[0][9] = date(2018, 2, 1)  # rectified before found (2018-03-01)
    rows.append(list(rows[2]))  # the same hazard twice
    rows.append(["XH004", NAMES[4], USCC[4], "商贸", date(2018, 1, 1), "消防设施损坏", "重大", "未整改", None, None])
    p = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, rows)
    r, data = cli.json("import", p)
    fs = data["files"][0]["findings"]
    types = {(x["row"], x["type"], x["severity"]) for x in fs}
    assert (2, "date_order", "error") in types
    assert (5, "duplicate_in_file", "error") in types
    assert (6, "major_without_deadline", "warning") in types
    dup = next(x for x in fs if x["type"] == "duplicate_in_file")
    assert "第 4 行" in dup["message"]


def test_matching_by_name_is_said(tmp_path, cli, with_enterprises, db_path):
    rows = haz_rows()[:2]
    rows[0][2] = None  # no USCC: matched by name, silently
    from zjsafety.demo import make_uscc
    import random
    rows[1][2] = make_uscc(random.Random(99))  # a USCC that is not ours: matched by name, said
    p = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, rows)
    r, data = cli.json("import", p)
    assert r.exit_code == 0
    fs = data["files"][0]["findings"]
    assert [x["type"] for x in fs] == ["matched_by_name"] and fs[0]["row"] == 3
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT matched_by FROM hazard ORDER BY hazard_no").fetchall() == [("name",), ("name",)]


def test_county_from_option_then_enterprise_else_finding(tmp_path, cli, db_path):
    rows = [r[:3] + r[4:] for r in ent_rows(3)]
    headers = ENT_HEADERS[:3] + ENT_HEADERS[4:]
    p = xlsx(tmp_path / "e.xlsx", headers, rows)
    no_code = xlsx(tmp_path / "e0.xlsx", headers, [r[:2] + [None] + r[3:] for r in rows])
    r, data = cli.json("import", no_code)  # no county, no code to read one from: said once
    assert r.exit_code == 1
    assert {x["type"] for x in data["files"][0]["findings"]} == {"missing_column"}
    assert count(db_path, "enterprise") == 0
    r, data = cli.json("import", p, "--dry-run")  # the code's division, said as inferred
    assert r.exit_code == 0 and {x["type"] for x in data["files"][0]["findings"]} == {"county_from_uscc"}
    r = cli("import", p, "--county", "330106")
    assert r.exit_code == 0 and count(db_path, "enterprise") == 3
    # records without a county column take the enterprise's
    h = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, haz_rows())
    assert cli("import", h).exit_code == 0
    c = sqlite3.connect(db_path)
    assert {r[0] for r in c.execute("SELECT county_code FROM hazard")} == {"330106"}


def test_unknown_column_reported_once_and_map_file_overrides(tmp_path, cli, db_path):
    headers = ENT_HEADERS + ["企业规模档次"]
    rows = [r + ["大型"] for r in ent_rows()]
    headers[1] = "字号"  # a word for the name nobody listed, and like no listed spelling
    p = xlsx(tmp_path / "e.xlsx", headers, rows)
    r, data = cli.json("import", p)
    assert r.exit_code == 1  # no name column: rows without a name are refused
    m = tmp_path / "map.toml"
    m.write_text('[enterprise]\n"字号" = "name"\n', encoding="utf-8")
    r, data = cli.json("import", p, "--map", m)
    assert r.exit_code == 0
    unknown = [x for x in data["files"][0]["findings"] if x["type"] == "unknown_column"]
    assert len(unknown) == 1 and unknown[0]["header"] == "企业规模档次" and unknown[0]["column"] == "I"


def test_bad_map_file_is_a_usage_error(tmp_path, cli, ent_file):
    m = tmp_path / "map.toml"
    m.write_text('[enterprise]\n"x" = "no_such_field"\n', encoding="utf-8")
    r = cli("import", ent_file, "--map", m)
    assert r.exit_code == 2 and "no_such_field" in plain(r.stderr)


def test_unrecognised_sheet_is_reported_not_guessed_and_kind_forces(tmp_path, cli, db_path):
    p = xlsx(tmp_path / "x.xlsx", ["名称", "数量"], [["甲", 1]],
             extra_sheets={"企业": (ENT_HEADERS, ent_rows(2))})
    r, data = cli.json("import", p)
    by_sheet = {f["sheet"]: f for f in data["files"]}
    assert by_sheet["Sheet1"]["findings"][0]["type"] == "unrecognised_sheet"
    assert by_sheet["企业"]["inserted"] == 2
    assert r.exit_code == 1
    # only 企业名称 + 检查日期: screening or inspection? --kind decides
    amb = xlsx(tmp_path / "amb.xlsx", ["企业名称", "检查日期", "检查人员"], [[NAMES[0], date(2018, 1, 1), "王强"]])
    r, data = cli.json("import", amb)
    assert data["files"][0]["findings"][0]["type"] in ("ambiguous_sheet", "missing_value", "unrecognised_sheet") or \
        data["files"][0]["kind"] in ("screening", "inspection")
    r, data = cli.json("import", amb, "--kind", "screening")
    assert data["files"][0]["kind"] == "screening" and data["files"][0]["inserted"] == 1


# ------------------------------------------------------------------ policies and provenance

def test_reimport_changes_only_what_changed_and_keeps_status_history(tmp_path, cli, with_enterprises, db_path):
    p = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, haz_rows())
    r, data = cli.json("import", p)
    assert data["totals"]["inserted"] == 3
    r, data = cli.json("import", p)
    assert (data["totals"]["inserted"], data["totals"]["updated"], data["totals"]["unchanged"]) == (0, 0, 3)
    rows = haz_rows()
    rows[1][7] = "已整改"
    rows[1][9] = date(2018, 6, 20)
    p2 = xlsx(tmp_path / "h2.xlsx", HAZ_HEADERS, rows)
    r, data = cli.json("import", p2)
    assert (data["totals"]["inserted"], data["totals"]["updated"], data["totals"]["unchanged"]) == (0, 1, 2)
    c = sqlite3.connect(db_path)
    assert c.execute("SELECT COUNT(*) FROM hazard").fetchone()[0] == 3
    hist = c.execute("SELECT hs.status FROM hazard_status hs JOIN hazard h ON h.id=hs.hazard_id "
                     "WHERE h.hazard_no='XH002' ORDER BY hs.id").fetchall()
    assert hist == [("整改中",), ("已整改",)]
    batches = c.execute("SELECT file_name, kind, rows_read, inserted, updated, unchanged, sha256 FROM import_batch "
                        "ORDER BY id").fetchall()
    assert [b[:6] for b in batches] == [("企业台账.xlsx", "enterprise", 10, 10, 0, 0), ("h.xlsx", "hazard", 3, 3, 0, 0),
                                        ("h.xlsx", "hazard", 3, 0, 0, 3), ("h2.xlsx", "hazard", 3, 0, 1, 2)]
    import hashlib
    assert batches[1][6] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert c.execute("SELECT batch_id, src_row FROM hazard WHERE hazard_no='XH002'").fetchone() == (4, 3)


def test_a_hazard_without_number_has_a_stable_key(tmp_path, cli, with_enterprises, db_path):
    rows = [r[1:] for r in haz_rows()]
    p = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS[1:], rows)
    cli("import", p)
    keys1 = sorted(r[0] for r in sqlite3.connect(db_path).execute("SELECT natural_key FROM hazard"))
    r, data = cli.json("import", xlsx(tmp_path / "h2.xlsx", HAZ_HEADERS[1:], list(reversed(rows))))
    assert data["totals"]["unchanged"] == 3
    assert all(k.startswith("H-") for k in keys1)


def test_strict_stores_nothing_when_a_row_is_bad(tmp_path, cli, db_path):
    rows = ent_rows()
    rows[4][2] = rows[4][2][:-1] + "0" if rows[4][2][-1] != "0" else rows[4][2][:-1] + "1"
    p = xlsx(tmp_path / "e.xlsx", ENT_HEADERS, rows)
    r, data = cli.json("import", p, "--strict")
    assert r.exit_code == 1 and data["committed"] is False
    assert count(db_path, "enterprise") == 0 and count(db_path, "import_batch") == 0
    r = cli("import", p)
    assert r.exit_code == 1 and count(db_path, "enterprise") == 9


def test_dry_run_validates_across_files_and_writes_nothing(tmp_path, cli, ent_file, db_path):
    hz = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, haz_rows())
    r, data = cli.json("import", ent_file, hz, "--dry-run")
    assert r.exit_code == 0 and data["totals"]["inserted"] == 13 and data["dry_run"]
    assert count(db_path, "enterprise") == 0 and count(db_path, "hazard") == 0 and count(db_path, "import_batch") == 0


def test_interrupt_mid_file_leaves_the_database_as_it_was(tmp_path, conn, ent_file):
    import_files(conn, [ent_file])
    before = conn.execute("SELECT COUNT(*) FROM import_batch").fetchone()[0]
    rows = haz_rows() * 1500
    for i, r in enumerate(rows):
        r[0] = f"XH{i:05d}"
    p = xlsx(tmp_path / "big.xlsx", HAZ_HEADERS, rows)

    def boom(label, done, total):
        if done >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_files(conn, [p], progress=boom)
    assert not conn.in_transaction
    assert conn.execute("SELECT COUNT(*) FROM hazard").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM import_batch").fetchone()[0] == before


def test_json_contract(cli, ent_file):
    r, data = cli.json("import", ent_file)
    f = data["files"][0]
    for k in ("path", "sha256", "kind", "rows", "inserted", "updated", "unchanged", "rejected", "findings"):
        assert k in f
    for k in ("rows", "inserted", "updated", "unchanged", "rejected"):
        assert k in data["totals"]


def test_library_result_equals_cli_json(tmp_path, ent_file):
    from conftest import Cli
    lib_db = tmp_path / "lib.db"
    c = connect(lib_db)
    lib = import_files(c, [ent_file]).to_dict()
    c.close()
    r, data = Cli(tmp_path / "cli.db").json("import", ent_file)
    for a, b in zip(lib["files"], data["files"]):
        assert {k: v for k, v in a.items()} == {k: v for k, v in b.items()}


# ------------------------------------------------------------------ the error workbook

def test_error_workbook_marks_and_comments_bad_cells(tmp_path, cli, with_enterprises):
    rows = haz_rows()
    rows[0][4] = "2018年13月1日"
    p = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, rows, title="隐患台账")
    out = tmp_path / "退回"
    r, data = cli.json("import", p, "--errors-to", out)
    assert data["error_books"]
    wb = load_workbook(data["error_books"][0])
    assert wb.sheetnames[0] == "错误汇总"
    ws = wb["Sheet1"]
    cell = ws["E4"]  # two title lines, header on row 3, first data row 4
    assert cell.value == "2018年13月1日"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "不是有效日期" in cell.comment.text
    summary = list(wb["错误汇总"].iter_rows(min_row=2, values_only=True))
    e4 = [r for r in summary if r[0] == "Sheet1!E4"]
    assert e4 and e4[0][:4] == ("Sheet1!E4", "Sheet1", 4, "E") and e4[0][8].startswith("该行未导入")
    assert ws["B5"].comment is None  # a good row stays unmarked


def test_error_workbook_for_a_csv_is_a_new_xlsx(tmp_path, cli, with_enterprises):
    rows = haz_rows()
    rows[2][4] = "=HYPERLINK(\"http://x\")"
    p = write_csv(tmp_path / "h.csv", HAZ_HEADERS, rows, encoding="gbk")
    r, data = cli.json("import", p, "--errors-to", tmp_path / "out")
    wb = load_workbook(data["error_books"][0])
    ws = wb["h"]
    assert ws["E4"].comment is not None
    # kept exactly as typed, and as text: the workbook never turns ledger text into a formula
    assert ws["E4"].data_type == "s" and ws["E4"].value == "=HYPERLINK(\"http://x\")"


# ------------------------------------------------------------------ templates

FILL = {
    "parse_date": date(2018, 6, 30), "parse_bool": "是", "parse_uscc": None, "parse_org_code": None,
    "parse_sectors": "工矿商贸", "parse_division": "西湖区", "parse_hazard_status": "整改中", "parse_major": "重大",
    "parse_level": "县级", "parse_accident_related": "非事故", "parse_enterprise_status": "在营",
    "parse_int": 3, "parse_amount": 5000, "parse_year": 2018,
}


@pytest.mark.parametrize("kind", ["enterprise", "screening", "hazard", "major_hazard_register", "major_risk",
                                  "inspection", "penalty", "accident_stat", "above_scale_list", "inspector",
                                  "plan_task"])
def test_a_filled_template_imports_with_zero_findings(tmp_path, cli, kind, db_path):
    from zjsafety.importers.template import columns
    if kind != "enterprise":
        assert cli("import", xlsx(tmp_path / "e.xlsx", ENT_HEADERS, ent_rows())).exit_code == 0
        if kind == "major_hazard_register":
            assert cli("import", xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, haz_rows())).exit_code == 0
    out = tmp_path / f"{kind}.xlsx"
    r = cli("template", kind, "-o", out, "--county", "西湖区")
    assert r.exit_code == 0
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2" and "填写说明" in wb.sheetnames
    assert ws.data_validations.dataValidation  # drop-downs are there
    row = []
    for fname, header, required, parser in columns(kind):
        if fname == "uscc":
            v = USCC[0]
        elif fname in ("name",):
            v = NAMES[0]
        elif fname == "hazard_no":
            v = "XH001"
        elif fname == "org_code":
            v = USCC[0][8:17]
        elif fname == "county":
            v = "西湖区"
        elif fname == "conflicts":
            v = NAMES[1]  # an enterprise the database has (an unknown one is said)
        else:
            v = FILL.get(parser, f"{header}内容")
        row.append(v)
    for c, v in enumerate(row, start=1):
        ws.cell(row=2, column=c, value=v)
    wb.save(out)
    r, data = cli.json("import", out)
    assert data["files"][0]["kind"] == kind
    assert data["files"][0]["findings"] == [] and data["files"][0]["rejected"] == 0
    assert data["files"][0]["inserted"] + data["files"][0]["updated"] == 1


def test_template_for_unknown_kind(tmp_path, cli):
    r = cli("template", "nothing", "-o", tmp_path / "x.xlsx")
    assert r.exit_code == 2 and "hazard" in plain(r.stderr)


# ------------------------------------------------------------------ bad input

def _untouched(db_path):
    return count(db_path, "import_batch") == 0 and count(db_path, "enterprise") == 0


@pytest.mark.parametrize("case", ["png", "truncated", "password", "empty-file", "empty-workbook", "latin1-csv",
                                  "missing"])
def test_bad_files_get_one_clear_message_and_exit_3(tmp_path, cli, db_path, case, ent_file):
    if case == "png":
        p = tmp_path / "台账.xlsx"
        p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    elif case == "truncated":
        p = tmp_path / "台账.xlsx"
        p.write_bytes(ent_file.read_bytes()[:1500])
    elif case == "password":
        p = shutil.copy(Path(__file__).parent / "fixtures" / "pass_protected.xlsx", tmp_path / "台账.xlsx")
    elif case == "empty-file":
        p = tmp_path / "台账.csv"
        p.write_bytes(b"")
    elif case == "empty-workbook":
        p = shutil.copy(Path(__file__).parent / "fixtures" / "empty_sheet.xlsx", tmp_path / "台账.xlsx")
    elif case == "latin1-csv":
        p = tmp_path / "台账.csv"
        p.write_bytes("name,value\ncafé,naïve\n".encode("latin-1"))
    else:
        p = tmp_path / "不存在.xlsx"
    r = cli("import", ent_file, p)
    text = plain(r.stderr + r.stdout)
    assert r.exit_code == 3, text
    assert p.name in text
    assert "Traceback" not in r.stderr
    assert _untouched(db_path)  # the good file given with it was not imported either


def test_headers_only(tmp_path, cli, db_path):
    p = xlsx(tmp_path / "e.xlsx", ENT_HEADERS, [], title="西湖区企业基本信息台账")
    r = cli("import", p)
    assert r.exit_code == 3 and "只有表头" in plain(r.stderr) and "e.xlsx" in plain(r.stderr)
    assert count(db_path, "import_batch") == 0


def test_a_headers_only_sheet_beside_real_ones_is_a_warning(tmp_path, cli, db_path):
    p = xlsx(tmp_path / "e.xlsx", ENT_HEADERS, ent_rows(), extra_sheets={"空表": (ENT_HEADERS, [])})
    r, data = cli.json("import", p)
    assert r.exit_code == 0 and count(db_path, "enterprise") == 10
    assert any(x["type"] == "empty_sheet" and x["sheet"] == "空表" for f in data["files"] for x in f["findings"])


PEERS = sorted((FIXTURES / "peer").glob("*/*"))


@pytest.mark.parametrize("path", [p for p in PEERS if p.suffix in (".xls", ".xlsx", ".ods")], ids=lambda p: p.name)
def test_peer_workbooks_give_rows_or_a_clear_message(path, cli):
    r = cli("import", path)
    assert "Traceback" not in r.stderr + r.stdout
    assert r.exit_code in (0, 1, 3)
    if r.exit_code == 3:
        assert path.name in plain(r.stderr)
    else:
        r2, data = cli.json("import", path)
        assert data["files"], "every sheet is accounted for"
        for f in data["files"]:
            assert f["rows"] > 0 or f["findings"]


def test_peer_header_row_and_merged_header_are_found(tmp_path, cli):
    # merged_range.xlsx: a header over two rows; header-row.xlsx: the header on row 9
    m = tmp_path / "map.toml"
    m.write_text('[above_scale_list]\n"A1" = "name"\n"E1" = "list_year"\n'
                 '"Column A" = "name"\n"Column B" = "revenue"\n', encoding="utf-8")
    r, data = cli.json("import", FIXTURES / "peer" / "calamine" / "merged_range.xlsx", "--kind", "above_scale_list",
                       "--map", m, "--dry-run")
    f = data["files"][0]
    assert f["kind"] == "above_scale_list" and f["rows"] == 2  # rows 3 and 4 under the two-row header
    assert {x["row"] for x in f["findings"] if x["type"] == "bad_year"} == {3, 4}  # 'E3' is not a year
    r, data = cli.json("import", FIXTURES / "peer" / "calamine" / "header-row.xlsx", "--kind", "above_scale_list",
                       "--map", m, "--dry-run")
    f = data["files"][0]
    assert f["rows"] == 1 and f["inserted"] == 1  # header on row 9 under a note, data on row 10


def test_a_formula_saved_without_its_value_is_a_finding(tmp_path, cli, with_enterprises):
    wb = Workbook()
    ws = wb.active
    ws.append(HAZ_HEADERS)
    rows = haz_rows()
    for r in rows:
        ws.append(r)
    ws["F2"] = "=DATE(2018,3,1)"  # openpyxl saves formulas with no cached result, as many tools do
    p = tmp_path / "f.xlsx"
    wb.save(p)
    r, data = cli.json("import", p)
    f = next(x for x in data["files"][0]["findings"] if x["type"] == "formula_no_value")
    assert (f["row"], f["column"], f["value"]) == (2, "F", "=DATE(2018,3,1)")
    assert data["files"][0]["inserted"] == 2


def test_paths_that_cannot_be_written_are_a_clear_message(tmp_path, cli, ent_file):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    r = cli("demo", "--dir", blocker / "sub")
    assert r.exit_code == 3 and "文件操作失败" in plain(r.stderr) and "Traceback" not in r.stderr


def test_import_restores_the_garbage_collector_settings(tmp_path, ent_file, conn):
    """The import pauses most GC passes while rows stream through; a library caller gets its
    own settings back, also when the import fails."""
    import gc
    before = gc.get_threshold()
    import_files(conn, [ent_file])
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(Exception):
        import_files(conn, [ent_file], kind="no_such_kind")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
