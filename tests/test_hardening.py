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
