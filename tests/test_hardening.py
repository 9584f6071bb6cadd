"""Hardening (issue 24): crafted files never abort the process, every fault an honest exit."""

import pytest

from conftest import plain
from ledgers import xlsx
from test_import_faults import _rewrite_sheet, dump

BOMBS = {
    "attribute order": b'<row r="1048576"><c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c></row>',
    "single quotes": b"<row r='1048576'><c r='XFD1048576' t='n'><v>1</v></c></row>",
    "implicit rows": b"<row><c r=\"XFD1\" t=\"n\"><v>1</v></c></row>" * 3 + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
    "cells without r": b'<row r="1048576">' + b"<c><v>1</v></c>" * 20000 + b"</row>",
}


@pytest.mark.parametrize("how", sorted(BOMBS))
def test_a_crafted_far_cell_is_refused_before_it_is_read(cli, tmp_path, db_path, how):
    cli("init")
    before = dump(db_path)
    src = xlsx(tmp_path / "a.xlsx", ["企业名称", "行业领域"], [["杭州甲有限公司", "工贸"]])
    bomb = _rewrite_sheet(src, tmp_path / "bomb.xlsx", lambda x: x.replace(b"</sheetData>", BOMBS[how] + b"</sheetData>"))
    assert bomb.stat().st_size < 20_000
    r = cli("import", bomb)
    assert r.exit_code == 3, (how, r.stdout, r.stderr)
    assert "bomb.xlsx" in plain(r.stderr) and dump(db_path) == before


def test_json_find_with_no_match_exits_1(cli, tmp_path):
    cli("init")
    r = cli("--json", "find", "杭州查无此企业")
    assert r.exit_code == 1


def test_a_fifo_or_a_device_is_refused_not_waited_on(cli, tmp_path):
    import os
    fifo = tmp_path / "台账.csv"
    os.mkfifo(fifo)
    for p in (fifo, "/dev/zero"):
        r = cli("import", p)
        assert r.exit_code == 3 and "不是普通文件" in plain(r.stderr), p


def test_merge_takes_paths_with_hash_and_question_marks_and_refuses_views(tmp_path):
    import shutil
    import sqlite3
    from conftest import Cli
    from ledgers import NAMES, USCC
    a = Cli(tmp_path / "西湖区#2019.db")
    a("import", xlsx(tmp_path / "e.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                     [[NAMES[0], USCC[0], "西湖区", "工矿商贸"]]))
    b = tmp_path / "上城区?.db"
    shutil.copy(tmp_path / "西湖区#2019.db", b)
    r = Cli(tmp_path / "x.db")("merge", tmp_path / "西湖区#2019.db", b, "-o", tmp_path / "市.db", db=False)
    assert r.exit_code in (0, 1) and "结构版本" not in plain(r.stdout + r.stderr), r.stdout + r.stderr
    bad = tmp_path / "改过.db"
    shutil.copy(tmp_path / "西湖区#2019.db", bad)
    c = sqlite3.connect(bad)
    c.executescript("DROP TABLE screening; CREATE VIEW screening AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL "
                    "SELECT x + 1 FROM n) SELECT x AS id FROM n;")
    c.close()
    r = Cli(tmp_path / "x.db")("merge", bad, "-o", tmp_path / "市2.db", db=False)
    assert r.exit_code == 3 and "视图" in plain(r.stderr)


def test_outputs_never_land_on_an_input(cli, tmp_path, db_path):
    from ledgers import NAMES, USCC
    folder = tmp_path / "台账"
    folder.mkdir()
    src = xlsx(folder / "企业.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "备用列"],
               [[NAMES[0], USCC[0], "西湖区", "x"]])
    r, data = cli.json("import", folder, "--errors-to", folder)
    marked = folder / "企业.错误标注.xlsx"
    assert data["error_books"] == [str(marked)]
    corrected = marked.read_bytes()
    r, data = cli.json("import", folder, "--errors-to", folder)  # the marked book is an input now
    assert marked.read_bytes() == corrected and str(marked) not in data["error_books"]
    src.write_bytes(src.read_bytes() + b"")  # (same content)
    xlsx(src, ["企业名称", "统一社会信用代码", "所属县（市、区）"], [[NAMES[1], USCC[1], "西湖区"]])  # edited since
    before = src.read_bytes()
    r = cli("report", "--scope", "西湖区", "--as-of", "2018-12-31", "-o", src)
    assert r.exit_code == 2 and src.read_bytes() == before


def test_out_of_range_numbers_are_usage_errors(county_cli):
    for args in (["audit", "--scope", "西湖区", "--year", "99999"],
                 ["sample", "--scope", "西湖区", "--seed", "s", "--exclude-months", "100000"]):
        r = county_cli(*args)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)


def test_a_name_holding_a_noncharacter_never_breaks_a_workbook(cli, tmp_path, db_path):
    from ledgers import USCC, write_csv
    r = cli("import", write_csv(tmp_path / "e.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                                [["杭州\ufffe甲有限公司", USCC[0], "西湖区", "工矿商贸"]]))
    assert r.exit_code == 0
    r = cli("audit", "--scope", "西湖区", "--as-of", "2018-12-31", "--xlsx", tmp_path / "核查.xlsx")
    assert r.exit_code in (0, 1) and (tmp_path / "核查.xlsx").is_file()


def test_browse_logs_a_refused_request_in_one_line_without_locals(county_cli, caplog, capsys):
    import asyncio
    import logging
    from datetime import date
    pytest.importorskip("datasette")
    from zjsafety.reports.browse import app as browse_app
    ds = browse_app(county_cli.db, scope="330106", as_of=date(2018, 12, 31))

    async def go():
        return [await ds.client.get(p) for p in ("/nosuchdb/x", f"/{county_cli.db.stem}/nosuchtable",
                                                  f"/{county_cli.db.stem}?sql=select+secret_local")]
    with caplog.at_level(logging.WARNING, logger="zjsafety.browse"):
        rs = asyncio.run(go())
    assert [r.status_code for r in rs][:2] == [404, 404]
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "locals" not in out.out + out.err
    assert len([r for r in caplog.records if r.name == "zjsafety.browse"]) >= 2


def test_init_writes_the_settings_file_config_names_and_refuses_control_characters(tmp_path, monkeypatch):
    from conftest import Cli
    monkeypatch.chdir(tmp_path)
    c = Cli(tmp_path / "t.db")
    r = c("--config", "杭州.toml", "init", "--scope", "杭州市")
    assert r.exit_code == 0 and (tmp_path / "杭州.toml").is_file() and not (tmp_path / "zjsafety.toml").exists()
    r = c("init", "--output-dir", "a\nb")
    assert r.exit_code == 2 and not (tmp_path / "zjsafety.toml").exists()


def test_a_mangled_log_row_or_frame_file_does_not_verify_rather_than_crash(county_cli, tmp_path):
    import sqlite3
    r, d = county_cli.json("sample", "--scope", "西湖区", "--year", "2019", "--as-of", "2019-01-10", "--seed", "s",
                           "--no-inspectors")
    bad = tmp_path / "名录.jsonl"
    bad.write_text('{"key": 1}\nnot json\n', encoding="utf-8")
    r = county_cli("sample", "verify", str(d["id"]), "--frame", bad)
    assert r.exit_code == 1, r.stdout + r.stderr
    c = sqlite3.connect(county_cli.db)
    c.executescript("DROP TRIGGER sample_draw_no_update; UPDATE sample_draw SET params_json = '{not json' WHERE id = 1;")
    c.close()
    r = county_cli("sample", "verify", str(d["id"]))
    assert r.exit_code == 1 and "内部错误" not in plain(r.stdout + r.stderr)


def test_odd_csv_names_and_huge_cells_are_honest_exits(cli, tmp_path, db_path):
    from ledgers import USCC, write_csv
    p = write_csv(tmp_path / "台账[三墩镇].csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "备用"],
                  [["杭州甲有限公司", USCC[0], "西湖区", "x"]])
    r, data = cli.json("import", p, "--errors-to", tmp_path / "out")
    assert r.exit_code == 0 and data["error_books"]  # the book's sheet gets a legal name; nothing crashes
    p = write_csv(tmp_path / "长.csv", ["企业名称", "所属县（市、区）", "地址"], [["杭州乙有限公司", "西湖区", "长" * 140000]])
    r = cli("import", p)
    assert r.exit_code == 3 and "32,767" in plain(r.stderr)


def test_settings_and_map_drafts_never_land_on_the_database_or_a_ledger(tmp_path, monkeypatch):
    from conftest import Cli
    from ledgers import NAMES, USCC
    monkeypatch.chdir(tmp_path)
    c = Cli(tmp_path / "t.db")
    c("init")
    before = (tmp_path / "t.db").read_bytes()
    r = c("--config", tmp_path / "t.db", "init", "--scope", "西湖区")
    assert r.exit_code == 2 and (tmp_path / "t.db").read_bytes() == before
    p = xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "乱列"], [[NAMES[0], USCC[0], "x"]])
    ledger = p.read_bytes()
    r = c("import", p, "--suggest-map", p)
    assert r.exit_code == 2 and p.read_bytes() == ledger


def _ods_bomb(path, rows: int, cols: int, full: bool = True):
    """A .ods of a few KB whose last row, holding a value, is repeated `rows` times across
    `cols` columns (calamine builds the whole rectangle)."""
    import zipfile
    from ledgers import ods
    ods(path, ["企业名称", "行业领域"], [["杭州甲有限公司", "工贸"]])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    value = b' office:value-type="float" office:value="1"' if full else b""
    row = (b'<table:table-row table:number-rows-repeated="%d"><table:table-cell table:number-columns-repeated="%d"%s/>'
           b"</table:table-row>" % (rows, cols, value))
    parts["content.xml"] = parts["content.xml"].replace(b"</table:table>", row + b"</table:table>")
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def _xls_bomb(src, dst, row: int, col: int):
    """A real .xls whose last text cell is moved to (row, col), as a crafted file would put it."""
    import shutil
    import struct
    import olefile
    shutil.copy(src, dst)
    with olefile.OleFileIO(str(dst), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        i, last = 0, None
        while i + 4 <= len(data):
            kind, size = struct.unpack_from("<HH", data, i)
            if kind in (0x00FD, 0x0203, 0x027E):
                last = i
            i += 4 + size
        struct.pack_into("<HH", data, last + 4, row, col)
        ole.write_stream("Workbook", bytes(data))
    return dst


def test_a_crafted_ods_or_xls_is_refused_before_calamine_allocates(cli, tmp_path, db_path):
    from pathlib import Path
    cli("init")
    before = dump(db_path)
    peer = Path(__file__).parent / "fixtures" / "peer" / "xlrd" / "ragged.xls"
    bombs = [_ods_bomb(tmp_path / "重复行.ods", 1_048_570, 16_384),
             _ods_bomb(tmp_path / "九千万.ods", 5_500, 16_384),
             _xls_bomb(peer, tmp_path / "远处单元格.xls", 65_535, 16_383),
             _xls_bomb(peer, tmp_path / "远处单元格.et", 65_535, 16_383)]
    for bomb in bombs:
        assert bomb.stat().st_size < 40_000
        r = cli("import", bomb)
        assert r.exit_code == 3, (bomb.name, r.stdout, r.stderr)
        assert bomb.name in plain(r.stderr) and "未导入" in plain(r.stderr)
    assert dump(db_path) == before


def test_empty_repeated_rows_as_libreoffice_writes_them_are_no_bomb(cli, tmp_path, db_path):
    # every .ods LibreOffice saves ends with a million empty rows, repeated
    from conftest import q
    cli("init")
    good = _ods_bomb(tmp_path / "企业.ods", 1_048_570, 16_384, full=False)
    r = cli("import", good, "--county", "西湖区")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert q(db_path, "SELECT name FROM enterprise") == [("杭州甲有限公司",)]


def test_a_full_disk_during_import_is_the_machines_fault_and_keeps_the_database(cli, tmp_path, db_path, monkeypatch):
    # SQLite's max_page_count is how a full disk looks to it (SQLITE_FULL), without filling one
    import sqlite3
    from zjsafety.store import connection
    from ledgers import NAMES, USCC
    cli("init")
    cli("import", xlsx(tmp_path / "e.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                       [[NAMES[0], USCC[0], "西湖区", "工矿商贸"]]))
    before = dump(db_path)
    pages = sqlite3.connect(db_path).execute("PRAGMA page_count").fetchone()[0]
    configure = connection._configure

    def full(conn):
        configure(conn)
        conn.execute(f"PRAGMA max_page_count = {pages + 3}")
    monkeypatch.setattr(connection, "_configure", full)
    rows = [[f"杭州第{i}有限公司", "", "西湖区", "工矿商贸"] for i in range(3000)]
    r = cli("import", xlsx(tmp_path / "多.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"], rows))
    assert r.exit_code == 3, r.stdout + r.stderr
    assert "磁盘" in plain(r.stderr) and "内部错误" not in plain(r.stderr)
    monkeypatch.setattr(connection, "_configure", configure)
    assert dump(db_path) == before


def test_memory_running_out_is_exit_3_with_a_hint(cli, tmp_path, monkeypatch):
    from zjsafety.importers import reader
    cli("init")

    def no_memory(*a, **k):
        raise MemoryError()
    monkeypatch.setattr(reader, "sha256_of", no_memory)
    r = cli("import", xlsx(tmp_path / "e.xlsx", ["企业名称", "行业领域"], [["杭州甲有限公司", "工贸"]]))
    assert r.exit_code == 3 and "内存不足" in plain(r.stderr), r.stderr


def test_a_file_size_limit_on_a_report_is_exit_3(tmp_path):
    # ulimit -f: Python ignores SIGXFSZ, so the write fails with EFBIG
    import os
    import resource
    import subprocess
    import sys
    env = {**os.environ, "ZJSAFETY_DB": str(tmp_path / "d.db")}
    run = [sys.executable, "-m", "zjsafety"]
    subprocess.run(run + ["demo", "--dir", str(tmp_path / "演示")], env=env, cwd=tmp_path, capture_output=True, check=False)
    db = next((tmp_path / "演示").glob("*.db"))

    def small():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    p = subprocess.run(run + ["--db", str(db), "report", "--scope", "西湖区", "--as-of", "2019-06-30",
                              "-o", str(tmp_path / "报告.xlsx")],
                       env=env, cwd=tmp_path, capture_output=True, text=True, preexec_fn=small)
    assert p.returncode == 3, p.stderr
    assert "Traceback" not in p.stderr and "内部错误" not in p.stderr
    assert not (tmp_path / "报告.xlsx").exists() and not list(tmp_path.glob("*.tmp*"))


def test_a_county_file_made_to_multiply_in_a_merge_is_stopped(tmp_path):
    # our schema, but 4,000 same-named enterprises by name only against 4,000 with a USCC in
    # another county: 16 million pairs for the same-name check, from two files of a few hundred KB
    from conftest import Cli
    from zjsafety.store import connect

    def county(path, code, with_uscc):
        conn = connect(path)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO enterprise(natural_key, uscc, name, name_norm, county_code) VALUES (?,?,?,?,?)",
                         [(f"k{code}{i}", f"91{code}{i:010d}" if with_uscc else None, "杭州甲有限公司", "杭州甲",
                           code) for i in range(4000)])
        conn.execute("COMMIT")
        conn.close()
        return path
    a, b = county(tmp_path / "西湖区.db", "330106", True), county(tmp_path / "拱墅区.db", "330105", False)
    r = Cli(tmp_path / "x.db")("merge", a, b, "-o", tmp_path / "市.db", db=False)
    assert r.exit_code == 3, r.stdout + r.stderr
    assert "拱墅区.db" in plain(r.stderr) and "计算量" in plain(r.stderr)
    assert not (tmp_path / "市.db").exists()


def test_a_huge_scope_is_refused_at_once_quoting_only_its_start(cli):
    import time
    t = time.monotonic()
    r = cli("init", "--scope", "杭" * 600_000)
    assert r.exit_code == 2 and "共600,000字" in plain(r.stderr), r.stderr
    assert len(r.stderr) < 5_000 and time.monotonic() - t < 10
