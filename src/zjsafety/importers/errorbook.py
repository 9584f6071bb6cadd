"""The clerk's own workbook handed back: bad cells filled red with a Chinese comment, and a
summary sheet listing every finding, so the township can fix it and send it again.

An .xlsx is copied with openpyxl so its layout survives; .xls, .ods and .csv cannot be
written back in place, so their values are copied into a new .xlsx with the same marks."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook as XlsxBook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string

from zjsafety.core.errors import UsageError
from zjsafety.core.findings import Finding
from zjsafety.core import labels
from zjsafety.core.workbook import SheetWriter, save
from zjsafety.importers.reader import Workbook, survey

RED = PatternFill("solid", fgColor="FFC7CE")
YELLOW = PatternFill("solid", fgColor="FFEB9C")
SUMMARY = "错误汇总"


def write_error_books(result, folder: Path, progress=None) -> list[Path]:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for sr in result.files:
        for f in sr.findings:
            by_file[sr.path].append(f)
    if not by_file:
        return []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建文件夹“{folder}”：{exc}") from None
    out = []
    for i, (p, fs) in enumerate(by_file.items()):
        out.append(_write_one(Path(p), fs, folder))
        if progress:
            progress("错误标注工作簿", i + 1, len(by_file))
    return out


def _write_one(src: Path, findings: list[Finding], folder: Path) -> Path:
    dst = folder / f"{src.stem}.错误标注.xlsx"
    wb = None
    if src.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            wb = load_workbook(src)
        except Exception:
            wb = None
    if wb is None:
        wb = _copy_values(src)
    notes: dict[tuple[str, int, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.row and f.column:
            notes[(f.sheet, f.row, f.column)].append(f)
    for (sheet, row, col), fs in notes.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet].cell(row=row, column=column_index_from_string(col))
        err = any(f.severity == "error" for f in fs)
        cell.fill = RED if err else YELLOW
        cell.comment = Comment("\n".join(f.message for f in fs), "zjsafety", width=300, height=120)
    if SUMMARY in wb.sheetnames:
        del wb[SUMMARY]
    ws = wb.create_sheet(SUMMARY, 0)
    w = SheetWriter(ws)
    w.write(["工作表", "行", "列", "表头", "原值", "问题类型", "说明", "处理"], bold=True)
    for f in sorted(findings, key=lambda f: (f.sheet or "", f.row or 0, f.column or "")):
        w.write([f.sheet, f.row, f.column, f.header, f.value, labels.finding(f.type), f.message,
                 "该行未导入" if f.severity == "error" and f.row else ("已导入，请核对" if f.row else "")])
    for col, width in zip("ABCDEFGH", (16, 8, 6, 18, 24, 22, 60, 14)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.active = 0
    save(wb, dst)
    return dst


def _copy_values(src: Path) -> XlsxBook:
    s = survey(src, include_hidden=True)
    wb = XlsxBook()
    wb.remove(wb.active)
    with Workbook(s) as book:
        for sh in s.sheets:
            w = SheetWriter(wb.create_sheet(sh.name[:31]))
            for row in book.sheet(sh.name).rows:
                w.write(row)
    return wb
