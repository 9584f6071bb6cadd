"""Import that never loses a value: the faults found by trying the tool with real-looking
ledgers, each checked through the CLI with the database before and after."""

import hashlib
import os
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import plain
from ledgers import ENT_HEADERS, HAZ_HEADERS, NAMES, USCC, ent_rows, haz_rows, xlsx
from zjsafety.demo import make_uscc


def dump(db) -> tuple[dict, str]:
    """Row counts per table and a digest of the whole database's content."""
    c = sqlite3.connect(db)
    try:
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        counts = {t: c.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        return counts, hashlib.sha256("\n".join(c.iterdump()).encode()).hexdigest()
    finally:
        c.close()


def one(db, sql, *args):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchone()
    finally:
        c.close()


FULL_HEADERS = ENT_HEADERS + ["联系电话"]


def full_rows():
    return [r + [f"1380571{i:04d}"] for i, r in enumerate(ent_rows())]


# ------------------------------------------------------------------ 1. merge, don't replace

def test_a_list_with_fewer_columns_keeps_what_is_stored(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", FULL_HEADERS, full_rows()))
    before = one(db_path, "SELECT township, above_scale, phone FROM enterprise WHERE uscc=?", USCC[0])
    assert before == ("蒋村街道", 1, "13805710000")
    short = [[r[1], r[2], r[3], r[5]] for r in ent_rows()]  # name, USCC, county, sector
    r, data = cli.json("import", xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"], short))
    assert r.exit_code == 0
    assert one(db_path, "SELECT township, above_scale, phone FROM enterprise WHERE uscc=?", USCC[0]) == before
    assert data["totals"]["updated"] == 0 and data["totals"]["unchanged"] == 10


def test_an_empty_cell_keeps_the_stored_value_and_is_counted(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", FULL_HEADERS, full_rows()))
    rows = full_rows()
    for r in rows[:3]:
        r[4] = None  # township left empty
    rows[5][4] = "留下街道"  # a real change
    r, data = cli.json("import", xlsx(tmp_path / "企业2.xlsx", FULL_HEADERS, rows))
    assert r.exit_code == 0
    assert one(db_path, "SELECT township FROM enterprise WHERE uscc=?", USCC[0]) == ("蒋村街道",)
    assert one(db_path, "SELECT township FROM enterprise WHERE uscc=?", USCC[5]) == ("留下街道",)
    assert data["totals"]["kept"] == 3 and data["totals"]["updated"] == 1
    r = cli("import", xlsx(tmp_path / "企业3.xlsx", FULL_HEADERS, rows))
    assert "保留原值3处" in plain(r.stdout)


def test_replace_gives_whole_row_replacement(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", FULL_HEADERS, full_rows()))
    short = [[r[1], r[2], r[3], r[5]] for r in ent_rows()]
    r = cli("import", "--replace", xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"], short))
    assert r.exit_code == 0
    assert one(db_path, "SELECT township, phone FROM enterprise WHERE uscc=?", USCC[0]) == (None, None)


def _hazards_with_listing(tmp_path, listed=True):
    head = HAZ_HEADERS + ["是否挂牌督办"]
    rows = [r + (["是" if listed else None]) for r in haz_rows()]
    return xlsx(tmp_path / ("隐患.xlsx" if listed else "隐患2.xlsx"), head, rows)


def test_hazards_keep_their_listing_when_a_ledger_lacks_the_column(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    cli("import", _hazards_with_listing(tmp_path))
    assert one(db_path, "SELECT listed FROM hazard WHERE hazard_no='XH002'") == (1,)
    r, data = cli.json("import", xlsx(tmp_path / "隐患3.xlsx", HAZ_HEADERS, haz_rows()))
    assert r.exit_code == 0 and data["totals"]["updated"] == 0
    assert one(db_path, "SELECT listed, is_major, status FROM hazard WHERE hazard_no='XH002'") == (1, 1, "整改中")
    assert one(db_path, "SELECT COUNT(*) FROM hazard_status") == (0,)  # no status change, no history


def test_an_above_scale_list_without_counties_keeps_them_and_never_flips_to_pass(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    head = ["企业名称", "统一社会信用代码", "年度"]
    extra = make_uscc(__import__("random").Random(99), region="330106")
    rows = [[NAMES[i], USCC[i], 2018] for i in (0, 3, 6)] + [["杭州名录外企业有限公司", extra, 2018]]
    cli("import", "--county", "西湖区", xlsx(tmp_path / "规上.xlsx", head, rows))
    r1, a1 = cli.json("audit", "--scope", "330106", "--as-of", "2018-12-31", "--rule", "above-scale-entry")
    assert a1["results"][0]["status"] == "fail" and a1["results"][0]["denominator"] == 4
    r = cli("import", xlsx(tmp_path / "规上2.xlsx", head, rows))  # the same list, no --county
    assert r.exit_code == 0
    assert one(db_path, "SELECT COUNT(*) FROM above_scale_list WHERE county_code IS NULL") == (0,)
    r2, a2 = cli.json("audit", "--scope", "330106", "--as-of", "2018-12-31", "--rule", "above-scale-entry")
    assert a2["results"][0]["status"] == "fail" and a2["results"][0]["denominator"] == 4


# ------------------------------------------------------------------ 2. identity

def test_hazard_numbers_are_per_enterprise(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))

    def township(name, ent):
        rows = [[f"2018-00{k}", NAMES[ent], USCC[ent], "工贸", date(2018, 3, k), f"隐患{k}", "一般", "未整改",
                 date(2018, 4, k), None] for k in range(1, 6)]
        return xlsx(tmp_path / name, HAZ_HEADERS, rows)
    cli("import", township("三墩镇.xlsx", 0))
    r, data = cli.json("import", township("蒋村街道.xlsx", 1))
    assert data["totals"]["inserted"] == 5 and data["totals"]["updated"] == 0
    assert one(db_path, "SELECT COUNT(*) FROM hazard") == (10,)
    assert one(db_path, "SELECT COUNT(*) FROM hazard_status") == (0,)
    kinds = {f["type"] for f in data["files"][0]["findings"]}
    assert "hazard_no_reused" in kinds  # said, as a warning
    assert r.exit_code == 0


def test_a_first_hazard_load_finds_reused_numbers_without_asking_the_database(tmp_path, monkeypatch):
    """Into an empty hazard table (its indexes dropped while it loads) the numbers stored are the
    sheet's own: asking the table for them would scan every row loaded so far, batch after batch."""
    from zjsafety.importers.pipeline import import_files
    from zjsafety.store import connect, records
    asked = []
    real = records.numbers_in_use
    monkeypatch.setattr(records, "numbers_in_use", lambda conn, *a: asked.append(1) or real(conn, *a))
    conn = connect(tmp_path / "h.db")
    import_files(conn, [xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows())])
    rows = [[f"2018-00{k % 3}", NAMES[k % 2], USCC[k % 2], "工贸", date(2018, 3, 1 + k), f"隐患{k}", "一般",
             "未整改", date(2018, 4, 1 + k), None] for k in range(6)]
    res = import_files(conn, [xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, rows)])
    assert not asked
    assert sum(f.type == "hazard_no_reused" for f in res.files[0].findings) == 3  # numbers 0-2 under both
    res = import_files(conn, [xlsx(tmp_path / "隐患2.xlsx", HAZ_HEADERS, [r[:4] + [date(2018, 5, 1)] + r[5:]
                                                                          for r in rows[:1]])])
    assert asked  # a later load does ask: the table holds other sheets' hazards
    conn.close()


def test_reimporting_the_demo_folder_without_county_adds_nothing(cli, tmp_path, db_path):
    from zjsafety.demo import write_demo_ledgers
    write_demo_ledgers(tmp_path)
    cli("import", tmp_path / "台账", "--county", "西湖区")
    counts, _ = dump(db_path)
    r, data = cli.json("import", tmp_path / "台账")
    after, _ = dump(db_path)
    assert data["totals"]["inserted"] == 0
    assert {t: n for t, n in after.items() if t != "import_batch"} == \
        {t: n for t, n in counts.items() if t != "import_batch"}


# ------------------------------------------------------------------ 3. headers as people write them

@pytest.mark.parametrize("county_header", ["所在县（市、区）", "县(市,区)", "所属县市区", "县（市、区）\n（必填）", "3.所属区县"])
def test_county_headers_as_people_write_them(cli, tmp_path, db_path, county_header):
    head = ["1.企业名称", "社会统一信用代码", county_header, "乡镇(街道)", "所属行业领域", "是否规上企业（是/否）"]
    rows = [[r[1], r[2], r[3], r[4], r[5], r[6]] for r in ent_rows()]
    r, data = cli.json("import", xlsx(tmp_path / "企业.xlsx", head, rows))
    assert r.exit_code == 0, data
    assert data["totals"]["inserted"] == 10
    cols = data["files"][0]["columns"]
    assert cols["C"]["field"] == "county" and cols["B"]["field"] == "uscc" and cols["A"]["field"] == "name"
    assert one(db_path, "SELECT COUNT(*) FROM enterprise WHERE county_code='330106'") == (10,)


def test_a_missing_required_column_is_said_once_per_sheet_with_the_fix(cli, tmp_path, db_path):
    head = ["企业名称", "统一社会信用代码", "所在地", "行业领域"]
    rows = [[NAMES[i], None, "某处", "工贸"] for i in range(8)]  # no code to read a county from either
    r, data = cli.json("import", xlsx(tmp_path / "企业.xlsx", head, rows))
    assert r.exit_code == 1
    findings = data["files"][0]["findings"]
    county = [f for f in findings if f["type"] == "missing_column"]
    assert len(county) == 1 and "所在地" in county[0]["message"] and "--map" in county[0]["message"]
    assert "--county" in county[0]["message"]
    assert not [f for f in findings if f["type"] == "missing_county"]  # not once per row


def test_uscc_gives_the_county_when_nothing_else_does(cli, tmp_path, db_path):
    head = ["企业名称", "统一社会信用代码", "行业领域"]
    r, data = cli.json("import", xlsx(tmp_path / "企业.xlsx", head, [[NAMES[i], USCC[i], "工贸"] for i in range(4)]))
    assert r.exit_code == 0 and data["totals"]["inserted"] == 4
    assert one(db_path, "SELECT COUNT(*) FROM enterprise WHERE county_code='330106'") == (4,)
    warned = [f for f in data["files"][0]["findings"] if f["type"] == "county_from_uscc"]
    assert len(warned) == 4 and all(f["severity"] == "warning" for f in warned)


def test_an_ambiguous_header_names_the_candidates(cli, tmp_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    head = ["企业名称", "统一社会信用代码", "隐患描述", "发现日期", "日期"]  # 日期: the deadline? rectified? closed?
    r, data = cli.json("import", xlsx(tmp_path / "隐患.xlsx", head,
                                      [[NAMES[0], USCC[0], "消防通道堵塞", date(2018, 3, 1), date(2018, 4, 1)]]))
    amb = [f for f in data["files"][0]["findings"] if f["type"] == "ambiguous_column"]
    assert len(amb) == 1 and "整改期限" in amb[0]["message"] and "整改完成日期" in amb[0]["message"]
    assert amb[0]["column"] == "E"


def test_a_forced_kind_without_its_columns_says_which_headers_might_be_them(cli, tmp_path):
    r, data = cli.json("import", "--kind", "隐患", xlsx(tmp_path / "隐患.xlsx", ["企业名称", "统一社会信用代码", "隐患描述", "日期"],
                                                      [[NAMES[0], USCC[0], "消防通道堵塞", date(2018, 3, 1)]]))
    msg = data["files"][0]["findings"][0]["message"]
    assert r.exit_code == 1 and "发现日期" in msg and "“日期”" in msg and "--map" in msg


# ------------------------------------------------------------------ 4. text hygiene

def test_control_characters_are_removed_with_a_warning_and_outputs_survive(cli, tmp_path, db_path, monkeypatch):
    from ledgers import write_csv
    rows = ent_rows()
    rows[0][1] = "杭州恒达\x07机械有限公司"  # as a name copied out of another system arrives in a CSV
    r, data = cli.json("import", write_csv(tmp_path / "企业.csv", ENT_HEADERS, rows), "--errors-to", tmp_path / "退回")
    assert r.exit_code == 0
    assert one(db_path, "SELECT name FROM enterprise WHERE uscc=?", USCC[0]) == ("杭州恒达机械有限公司",)
    assert any(f["type"] == "control_character" and f["severity"] == "warning" for f in data["files"][0]["findings"])
    # a batch is searched at once: a control character in a later batch is still found, in its own row
    monkeypatch.setattr("zjsafety.importers.pipeline.BATCH", 40)
    rng, codes = __import__("random").Random(7), {}
    while len(codes) < 150:
        codes[make_uscc(rng)] = None
    many = [[i + 1, f"企业{i}", c, "西湖区", "", "工贸", "否", "在营"] for i, c in enumerate(codes)]
    many[121][1] = "企业\x1b121"
    r, data = cli.json("import", write_csv(tmp_path / "企业2.csv", ENT_HEADERS, many))
    said = [(f["row"], f["column"]) for f in data["files"][0]["findings"] if f["type"] == "control_character"]
    assert r.exit_code == 0 and said == [(123, "B")]
    assert one(db_path, "SELECT COUNT(*) FROM enterprise WHERE name = '企业121'") == (1,)
    # whatever the database holds, the writers survive it
    c = sqlite3.connect(db_path)
    c.execute("UPDATE enterprise SET name = '坏\x07名字', township = '镇\x01' WHERE uscc = ?", (USCC[1],))
    c.commit()
    c.close()
    r = cli("audit", "--scope", "330106", "--as-of", "2018-12-31", "--xlsx", tmp_path / "核查.xlsx")
    assert r.exit_code in (0, 1) and (tmp_path / "核查.xlsx").exists()


# ------------------------------------------------------------------ 5. decompression bombs

def _rewrite_sheet(src: Path, dst: Path, fn) -> Path:
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = fn(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return dst


def test_a_sheet_spanning_all_of_excel_is_refused_before_it_is_read(cli, tmp_path, db_path):
    cli("init")
    before = dump(db_path)
    src = xlsx(tmp_path / "a.xlsx", ["企业名称", "行业领域"], [["杭州甲有限公司", "工贸"]])
    bomb = _rewrite_sheet(src, tmp_path / "bomb.xlsx", lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'))
    assert bomb.stat().st_size < 10_000
    r = cli("import", bomb)
    assert r.exit_code == 3 and "bomb.xlsx" in plain(r.stderr) and "单元格" in plain(r.stderr)
    assert dump(db_path) == before


def test_a_huge_shared_string_is_refused(cli, tmp_path, db_path):
    from ledgers import to_shared_strings
    src = xlsx(tmp_path / "a.xlsx", ["企业名称", "行业领域"], [["占位", "工贸"]])  # openpyxl itself cuts at 32,767
    src = to_shared_strings(src, tmp_path / "sst.xlsx")
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace("占位".encode(), "甲".encode() * 200_000)
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    assert big.stat().st_size < 20_000
    r = cli("import", big)
    assert r.exit_code == 3 and "32,767" in plain(r.stderr)


# ------------------------------------------------------------------ 6. error workbooks

def test_two_ledgers_with_one_name_get_two_error_workbooks(cli, tmp_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    paths = []
    for town in ("三墩镇", "蒋村街道"):
        (tmp_path / town).mkdir()
        rows = haz_rows()
        rows[0][4] = "2018年13月1日"
        paths.append(xlsx(tmp_path / town / "台账.xlsx", HAZ_HEADERS, rows))
    r, data = cli.json("import", *paths, "--errors-to", tmp_path / "退回")
    books = data["error_books"]
    assert len(books) == 2 and len(set(books)) == 2
    for b in books:
        wb = load_workbook(b)
        summary = wb["错误汇总"]
        links = [c.hyperlink for row in summary.iter_rows(min_row=2) for c in row if c.hyperlink]
        assert links and links[0].location.startswith("'Sheet1'!")


# ------------------------------------------------------------------ 7. faults of the machine

def test_a_busy_database_is_exit_3_with_a_hint(cli, tmp_path, db_path):
    cli("init")
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()), "--wait", "0.2")
    finally:
        holder.rollback()
        holder.close()
    assert r.exit_code == 3 and "--wait" in plain(r.stderr) and "内部错误" not in r.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write a read-only file")
def test_a_read_only_database_is_exit_3(cli, tmp_path, db_path):
    cli("init")
    db_path.chmod(0o444)
    try:
        r = cli("import", "--dry-run", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    finally:
        db_path.chmod(0o644)
    assert r.exit_code == 3 and "只读" in plain(r.stderr)


def test_a_read_only_database_file_is_exit_3_even_for_root(tmp_path):
    """What root sees of a read-only database: SQLite opened read-only (the same path the error takes)."""
    from zjsafety.store.connection import machine_fault
    db = tmp_path / "ro.db"
    c = sqlite3.connect(db)
    c.execute("CREATE TABLE t(x)")
    c.commit()
    c.close()
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as e:
        ro.execute("INSERT INTO t VALUES (1)")
    fault = machine_fault(e.value, db)
    assert fault is not None and fault.exit_code == 3 and "只读" in fault.message


def test_a_damaged_database_is_exit_3_with_recovery_steps(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    data = db_path.read_bytes()
    db_path.write_bytes(data[:4096] + b"\x00" * 100 + data[4196:8192])  # cut short, pages overwritten
    r = cli("audit", "--scope", "330106", "--as-of", "2018-12-31")
    assert r.exit_code == 3 and ".recover" in plain(r.stderr) and "内部错误" not in r.stderr


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symlink_loop_is_exit_3(cli, tmp_path):
    loop = tmp_path / "loop.db"
    loop.symlink_to(loop)
    r = cli("--db", loop, "init", db=False)
    assert r.exit_code == 3 and "内部错误" not in r.stderr


def test_a_stale_journal_is_not_our_bug(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows()))
    Path(str(db_path) + "-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + os.urandom(600))
    r = cli("audit", "--scope", "330106", "--as-of", "2018-12-31")
    assert r.exit_code in (0, 1, 3) and "内部错误" not in r.stderr


# ------------------------------------------------------------------ WPS and the 入库 flag

def test_wps_et_files_are_found_in_a_folder_and_read_by_content(cli, tmp_path, db_path):
    from conftest import FIXTURES
    folder = tmp_path / "台账"
    folder.mkdir()
    (folder / "企业.et").write_bytes((FIXTURES / "enterprises_biff8.xls").read_bytes())
    (folder / "模板.ett").write_bytes(b"not a ledger")
    (folder / "汇报.dps").write_bytes(b"not a ledger")
    r, data = cli.json("import", folder)
    assert r.exit_code == 0 and {Path(f["path"]).name for f in data["files"]} == {"企业.et"}
    assert data["totals"]["inserted"] > 0


def test_above_scale_entry_uses_the_entered_flag_when_the_ledger_has_it(cli, tmp_path, db_path):
    head = ENT_HEADERS + ["是否已入库"]
    rows = [r + (["是" if i != 0 else "否"]) for i, r in enumerate(ent_rows())]
    cli("import", xlsx(tmp_path / "企业.xlsx", head, rows))
    r, data = cli.json("audit", "--scope", "330106", "--as-of", "2018-12-31", "--rule", "above-scale-entry")
    res = data["results"][0]
    above = [i for i, row in enumerate(ent_rows()) if row[6] == "是" and row[7] != "关闭"]
    assert res["denominator"] == len(above) and res["numerator"] == len(above) - 1
    assert USCC[0] in res["missing"] and "入库" in res["note"]
