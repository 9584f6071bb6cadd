"""The streamed passes over an xlsx (importers.markup): the head read for planning gives what
calamine's whole read gives for those rows; the scan finds error cells and formulas saved
without a value, which calamine reads as blanks."""

import re
import zipfile
from datetime import date
from pathlib import Path

import python_calamine as pc
from openpyxl import Workbook

from conftest import FIXTURES
from ledgers import HAZ_HEADERS, haz_rows, to_shared_strings, xlsx
from zjsafety.importers import markup
from zjsafety.importers.reader import _whole_rows

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


def test_the_streamed_head_reads_like_calamine(tmp_path):
    checked = 0
    for f in workbooks(tmp_path):
        wb = pc.CalamineWorkbook.from_path(str(f))
        with zipfile.ZipFile(f) as z:
            for part in markup.parts(z):
                if part.chart or part.member not in z.namelist():
                    continue
                try:
                    whole = trimmed(list(_whole_rows(wb.get_sheet_by_name(part.name)))[:32])
                except Exception:
                    continue  # calamine cannot read it either
                head = trimmed(markup.head(z, part.member, 32))
                assert len(head) == len(whole), (f.name, part.name)
                for hr, wr in zip(head, whole):
                    for hv, wv in zip(hr + [""] * len(wr), wr):
                        if isinstance(wv, str):  # text is what planning reads: the same text (trimmed)
                            assert str(hv).strip() == wv.strip(), (f.name, part.name, hv, wv)
                        else:  # numbers and dates: present (as numbers) where calamine has them
                            assert hv != "", (f.name, part.name, wv)
                checked += 1
    assert checked >= 20


def test_odd_workbook_scan_finds_the_error_cell_and_the_formula(tmp_path):
    f = odd_workbook(tmp_path / "odd.xlsx")
    with zipfile.ZipFile(f) as z:
        m = markup.scan(z, "xl/worksheets/sheet1.xml", "台账", f.name)
    assert m.special[(59, 7)] == ("error", "#N/A")
    assert m.special[(49, 6)] == ("formula", "=SUM(A1:A2)")


def test_hidden_and_chart_sheets_are_told_apart(tmp_path):
    with zipfile.ZipFile(PEERS / "calamine" / "any_sheets.xlsx") as z:
        parts = {p.name: p for p in markup.parts(z)}
    assert not parts["Visible"].hidden and parts["Hidden"].hidden and parts["VeryHidden"].hidden
    assert parts["Chart"].chart
