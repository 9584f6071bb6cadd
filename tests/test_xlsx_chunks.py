"""Large xlsx sheets read in pieces (importers.xlsx_chunks) must give exactly what a whole-sheet
read gives: every row at its Excel number, merged cells, error cells and uncalculated formulas;
and an import through pieces must find and store the same as one without."""

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
import python_calamine as pc
from openpyxl import Workbook

from conftest import FIXTURES
from ledgers import ENT_HEADERS, HAZ_HEADERS, ent_rows, haz_rows, to_shared_strings, xlsx
from zjsafety.errors import UnreadableInput
from zjsafety.importers import xlsx_chunks as X
from zjsafety.importers.pipeline import import_files
from zjsafety.store import connect

PEERS = FIXTURES / "peer"


def trimmed(rows) -> list[list]:
    out = []
    for r in rows:
        r = list(r)
        while r and r[-1] == "":
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def odd_workbook(path: Path) -> Path:
    """A merged title, a two-row merged header, gaps between rows, data starting
    in column B, an error value and a formula, a second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws["B1"] = "西湖区隐患排查治理台账"
    ws.merge_cells("B1:F1")
    ws["B3"], ws["C3"], ws["E3"] = "隐患编号", "企业", "整改"
    ws.merge_cells("C3:D3")
    ws.merge_cells("E3:F3")
    ws["C4"], ws["D4"], ws["E4"], ws["F4"] = "名称", "信用代码", "情况", "完成日期"
    r = 5
    for i in range(400):
        r += 1 + (i % 7 == 0) * 3  # some runs of empty rows
        ws.cell(r, 2, f"XH{i:04d}")
        ws.cell(r, 3, f"企业{i % 13}")
        ws.cell(r, 4, "91330106MA2AXXXX" if i % 5 else None)
        ws.cell(r, 5, ["已整改", "整改中", "未整改"][i % 3])
        ws.cell(r, 6, date(2018, 1 + i % 12, 1 + i % 27))
    ws["G50"] = "=SUM(A1:A2)"
    ws["H60"] = "#N/A"
    wb.create_sheet("说明")["A1"] = "填表说明"
    wb.save(path)
    # the error value as a real error cell (openpyxl writes typed text)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    sheet = re.sub(rb'<c r="H60"[^>]*>.*?</c>', b'<c r="H60" t="e"><v>#N/A</v></c>', sheet, flags=re.S)
    parts["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def workbooks(tmp_path: Path) -> list[Path]:
    odd = odd_workbook(tmp_path / "odd.xlsx")
    files = [odd, to_shared_strings(odd, tmp_path / "odd_sst.xlsx"),
             xlsx(tmp_path / "haz.xlsx", HAZ_HEADERS, haz_rows() * 50, title="隐患台账")]
    files += sorted(p for p in PEERS.glob("*/*.xlsx") if p.name != "pass_protected.xlsx")
    return files


@pytest.mark.parametrize("piece_bytes", [300, 4096])
def test_pieces_read_exactly_like_the_whole_sheet(tmp_path, piece_bytes):
    checked = 0
    for f in workbooks(tmp_path):
        wb = pc.CalamineWorkbook.from_path(str(f))
        with zipfile.ZipFile(f) as z:
            parts = X.sheet_parts(z)
            xml = {m: z.read(m) for m in parts.values()}
        for name, member in parts.items():
            try:
                whole = wb.get_sheet_by_name(name)
            except Exception:
                continue  # calamine cannot read it whole either
            rows = X.chunked_rows(f, name, member, lambda n=name: wb.get_sheet_by_name(n), piece_bytes=piece_bytes)
            expect = trimmed(X.whole_rows(whole))
            head = []
            for r in rows():  # a header scan: the first rows, then the load goes on from there
                head.append(r)
                if len(head) == 5:
                    break
            assert trimmed(head) == expect[:len(trimmed(head))], (f.name, name)
            assert trimmed(rows()) == expect, (f.name, name)
            assert trimmed(rows()) == expect, (f.name, name)  # and once more from the start
            merged, special = X.scan_sheet(f, member)
            assert sorted(merged) == sorted(tuple(m) for m in (whole.merged_cell_ranges or [])), (f.name, name)
            assert special == X.special_cells_in(xml[member]), (f.name, name)
            checked += 1
    assert checked >= 22  # every sheet of 18 workbooks
    assert not X._live  # every helper process stopped once its sheet was read


def test_odd_workbook_scan_finds_the_error_cell_the_formula_and_the_merges(tmp_path):
    f = odd_workbook(tmp_path / "odd.xlsx")
    merged, special = X.scan_sheet(f, "xl/worksheets/sheet1.xml")
    assert ((0, 1), (0, 5)) in merged and ((2, 2), (2, 3)) in merged
    assert special[(59, 7)] == ("error", "#N/A")
    assert special[(49, 6)] == ("formula", "=SUM(A1:A2)")


SHEET1 = "xl/worksheets/sheet1.xml"


def _with_sheet_xml(src: Path, dst: Path, change) -> Path:
    """A copy of the workbook with its first sheet's XML passed through change(bytes)."""
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[SHEET1] = change(parts[SHEET1])
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return dst


def _without_row_numbers(src: Path, dst: Path) -> Path:
    return _with_sheet_xml(src, dst, lambda x: re.sub(rb'(<row|<c) r="[A-Z]*\d+"', rb"\1", x))


def test_rows_without_numbers_are_read_whole(tmp_path):
    f = _without_row_numbers(xlsx(tmp_path / "a.xlsx", ENT_HEADERS, ent_rows()), tmp_path / "norows.xlsx")
    wb = pc.CalamineWorkbook.from_path(str(f))
    rows = X.chunked_rows(f, "Sheet1", "xl/worksheets/sheet1.xml", lambda: wb.get_sheet_by_name("Sheet1"),
                          piece_bytes=300)
    assert trimmed(rows()) == trimmed(X.whole_rows(wb.get_sheet_by_name("Sheet1")))
    assert trimmed(rows())[1][1] == ent_rows()[0][1]


def test_rows_out_of_order_stop_with_a_message(tmp_path):
    f = _with_sheet_xml(xlsx(tmp_path / "a.xlsx", ENT_HEADERS, ent_rows()), tmp_path / "order.xlsx",
                        lambda x: x.replace(b'<row r="9"', b'<row r="3"', 1))
    rows = X.chunked_rows(f, "Sheet1", SHEET1, lambda: None, piece_bytes=300)
    with pytest.raises(UnreadableInput, match="Sheet1.*行顺序错乱") as exc:
        list(rows())
    assert "另存为" in exc.value.hint


def test_import_through_pieces_finds_and_stores_the_same(tmp_path, monkeypatch):
    """The same ledgers imported whole and in pieces: same counts, findings and stored rows."""
    ent = xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows(), title="企业台账")
    rows = [list(r) for r in haz_rows() * 3]
    for i, r in enumerate(rows):
        r[0] = f"XH{i:03d}"
    rows[4][4] = "2018-13-40"  # a bad date: a finding
    rows[5][9] = date(2017, 1, 1)  # rectified before found: a finding
    haz = xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, rows, title="隐患台账")

    def run(db: Path, chunked: bool):
        if chunked:
            monkeypatch.setattr(X, "MIN_SHEET_BYTES", 0)
            monkeypatch.setattr(X, "CHUNK_BYTES", 400)
            monkeypatch.setattr(X, "FRAME_FACTOR", 0)
            real = X._piece_sheet
            monkeypatch.setattr(X, "_piece_sheet", lambda *a: pieces_made.append(1) or real(*a))
        else:
            monkeypatch.setattr(X, "MIN_SHEET_BYTES", 1 << 40)
        conn = connect(db)
        try:
            res = import_files(conn, [haz, ent])
            stored = conn.execute("SELECT hazard_no, found_on, status, rectified_on, src_row FROM hazard "
                                  "ORDER BY hazard_no").fetchall()
        finally:
            conn.close()
        files = [{k: v for k, v in f.to_dict().items() if k != "path"} for f in res.files]
        return files, [tuple(r) for r in stored]

    pieces_made: list = []
    whole = run(tmp_path / "whole.db", False)
    assert pieces_made == []
    pieces = run(tmp_path / "pieces.db", True)
    assert len(pieces_made) >= 4  # both ledgers, each in several pieces
    assert pieces == whole
    findings = [x for f in whole[0] for x in f["findings"]]
    assert {x["type"] for x in findings} >= {"bad_date", "date_order"}
    assert len(whole[1]) == len(rows) - 2


def test_a_piece_carries_only_the_shared_strings_its_cells_use(tmp_path):
    from zjsafety.importers import piece_maker as P
    f = to_shared_strings(odd_workbook(tmp_path / "odd.xlsx"), tmp_path / "odd_sst.xlsx")
    with zipfile.ZipFile(f) as z:
        total = len(re.findall(rb"<si>", z.read("xl/sharedStrings.xml")))
    n = 0
    for data in P.pieces(f, "xl/worksheets/sheet1.xml", "台账", 2000):
        with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as z:
            sheet, sst = z.read("xl/worksheets/sheet1.xml"), z.read("xl/sharedStrings.xml")
        used = {int(i) for i in re.findall(rb't="s"><v>(\d+)</v>', sheet)}
        entries = re.findall(rb"<si/>|<si>.*?</si>", sst, re.S)
        filled = {i for i, e in enumerate(entries) if e != b"<si/>"}
        assert filled == used and len(entries) == max(used) + 1
        n += 1
    assert n >= 5 and total > max(used) // 2  # several pieces, each with a part of the table


def test_pieces_made_in_this_process_when_no_helper_can_start(tmp_path, monkeypatch):
    f = odd_workbook(tmp_path / "odd.xlsx")
    wb = pc.CalamineWorkbook.from_path(str(f))
    expect = trimmed(X.whole_rows(wb.get_sheet_by_name("台账")))

    def no_process(*a, **k):
        raise OSError("no processes here")
    monkeypatch.setattr(X.subprocess, "Popen", no_process)
    rows = X.chunked_rows(f, "台账", "xl/worksheets/sheet1.xml", lambda: None, piece_bytes=2000)
    assert trimmed(rows()) == expect


def test_a_helper_that_dies_is_reported_not_read_as_the_end(tmp_path, monkeypatch):
    f = odd_workbook(tmp_path / "odd.xlsx")
    # one piece record cut short, then the process ends
    monkeypatch.setattr(X, "_HELPER", ("-c", "import sys; sys.stdout.buffer.write(b'P' + bytes(3))"))
    rows = X.chunked_rows(f, "台账", "xl/worksheets/sheet1.xml", lambda: None, piece_bytes=2000)
    with pytest.raises(UnreadableInput, match="分段读取中断"):
        list(rows())
    assert not X._live


def test_a_sheet_cut_short_after_its_first_piece_is_named_in_the_message(tmp_path):
    # the last row and the end tags lost
    f = _with_sheet_xml(xlsx(tmp_path / "a.xlsx", ENT_HEADERS, ent_rows()), tmp_path / "short.xlsx",
                        lambda x: x[:x.index(b"</sheetData>") - 40])
    rows = X.chunked_rows(f, "Sheet1", SHEET1, lambda: None, piece_bytes=300)
    with pytest.raises(UnreadableInput, match="Sheet1.*内容不完整") as exc:
        list(rows())
    assert "另存为" in exc.value.hint
    assert not X._live
