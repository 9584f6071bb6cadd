"""The one way zjsafety writes xlsx cells and sheets.

Ledger text is untrusted: a value is always written as what it is. Strings are stored with
the string type, so `=HYPERLINK(…)`, `+1`, `-x`, `@A1` or `#N/A` stay text in Excel, WPS and
LibreOffice; control characters (which Excel refuses) are dropped; a value longer than a
cell may hold is cut with a mark. Sheet names are made legal and unique. Rows are written by
counting, never by asking the sheet for its size (which openpyxl computes over every cell)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zjsafety.core.normalize import CONTROL
from zjsafety.core.paths import atomic_path

MAX_CELL = 32_767  # Excel's limit on the characters of a cell
FONT = "宋体"
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
STATUS_FILL = {"pass": "C6EFCE", "fail": "FFC7CE", "amber": "FFEB9C", "n/a": "EDEDED", "partial": "FCE4D6"}
_BAD_TITLE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def text(v: str) -> str:
    """A string as a cell may hold it: no control characters, at most 32,767 characters."""
    if CONTROL.search(v):
        v = CONTROL.sub("", v)
    if len(v) > MAX_CELL:
        v = v[: MAX_CELL - 6] + "……（截断）"
    return v


def sheet_title(name: str, taken: set[str] | None = None) -> str:
    """A legal sheet name (no []:*?/\\, not quoted, ≤ 31 characters), unique in `taken`."""
    base = _BAD_TITLE.sub("_", str(name)).strip("'").strip() or "Sheet"
    title, n = base[:31], 1
    while taken is not None and title.lower() in taken:
        n += 1
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
    if taken is not None:
        taken.add(title.lower())
    return title


class SheetWriter:
    """Rows appended to a sheet, each value written as its own type (strings as text)."""

    def __init__(self, ws, *, start_row: int = 1):
        self.ws = ws
        self.row = start_row - 1

    def write(self, values: Iterable[Any], *, bold: bool = False, fill: PatternFill | None = None,
              formats: dict[int, str] | None = None, wrap: bool | set[int] = False) -> int:
        """Append one row; returns its number. `formats`: 1-based column -> number format;
        `wrap`: every cell, or these 1-based columns, wrap their text (rows grow to show it
        whole in print)."""
        self.row += 1
        r, ws = self.row, self.ws
        for c, v in enumerate(values, start=1):
            if v is None or v == "":
                if bold or fill:
                    cell = ws.cell(row=r, column=c)
                else:
                    continue
            else:
                cell = ws.cell(row=r, column=c)
                put(cell, v)
            if bold:
                cell.font = Font(name=FONT, bold=True)
            if fill is not None:
                cell.fill = fill
            if wrap is True or (wrap and c in wrap):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if formats and c in formats:
                cell.number_format = formats[c]
        return r

    def skip(self, n: int = 1) -> None:
        self.row += n


def put(cell, v: Any) -> None:
    """Set a cell to v, strings always as text (never a formula or an error value)."""
    if isinstance(v, str):
        cell.value = text(v)
        cell.data_type = "s"
    elif isinstance(v, bool) or isinstance(v, (int, float, date, datetime)):
        cell.value = v
    else:
        cell.value = text(str(v))
        cell.data_type = "s"


def new_workbook() -> Workbook:
    """An empty workbook (no default sheet): add sheets with `add_sheet`."""
    wb = Workbook()
    wb.remove(wb.active)
    wb._zj_titles = set()  # type: ignore[attr-defined]  (names taken, for unique sheet titles)
    return wb


def add_sheet(wb: Workbook, title: str, *, head: list[str] | None = None, widths: list[int] | None = None,
              landscape: bool = True, head_row: int = 1, title_rows: str | None = None) -> SheetWriter:
    """A sheet set up for print (A4, fit to width, header rows repeated, page numbers) with an
    optional bold, frozen header row."""
    taken = getattr(wb, "_zj_titles", None)
    ws = wb.create_sheet(sheet_title(title, taken))
    w = SheetWriter(ws, start_row=head_row)
    if head:
        w.write(head, bold=True, fill=HEAD_FILL, wrap=True)
        ws.freeze_panes = ws.cell(row=head_row + 1, column=1).coordinate
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    print_setup(ws, landscape=landscape, title_rows=title_rows or (f"{head_row}:{head_row}" if head else None))
    return w


def print_setup(ws, *, landscape: bool = True, title_rows: str | None = None) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if title_rows:
        ws.print_title_rows = title_rows


def save(wb: Workbook, path: Path) -> Path:
    """Write the workbook whole or not at all (see core.paths.atomic_path), saying which
    program made it (openpyxl would name itself)."""
    from zjsafety import __version__
    wb.properties.creator = wb.properties.lastModifiedBy = f"zjsafety {__version__}"
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(v: str) -> str:
    """A CSV cell a spreadsheet will not run: text beginning =, +, -, @ (or a tab or return)
    gets a leading apostrophe, as Excel itself shows text that looks like a formula."""
    return "'" + v if v.startswith(FORMULA_START) else v


def csv_unsafe(v: str) -> str:
    """csv_safe undone, for reading a CSV we wrote."""
    return v[1:] if v.startswith("'") and v[1:].startswith(FORMULA_START) else v
