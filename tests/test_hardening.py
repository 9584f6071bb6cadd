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
