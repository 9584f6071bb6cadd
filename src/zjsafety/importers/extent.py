"""The extent of .ods and .xls/.et sheets, read before calamine allocates for them.

calamine builds each sheet as a full rectangle of cells: a 1 KB .ods whose one row of values
is repeated a million times, or a 5 KB .xls with one cell at row 65,536 and column 16,384,
asks for gigabytes and aborts the process. These passes compute what calamine would build,
from the file's own structure, and refuse it with the limits of data/import.toml
(`markup.check_extent`, the same messages as for an xlsx).

- .ods: content.xml streamed; a row or cell repeated (`number-rows-repeated`,
  `number-columns-repeated`) counts as many times as it is repeated, but only where it holds
  something: LibreOffice itself writes a million empty repeated rows after every sheet.
- .xls/.et: the BIFF records of the Workbook stream (read with olefile): every cell
  record's row and column, and the DIMENSIONS record each sheet declares.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.etree.ElementTree import XMLPullParser

from zjsafety.importers.markup import SAVE_AGAIN, Markup, check_extent, limits
from zjsafety.core.errors import UnreadableInput

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")


def check_ods(path: Path) -> None:
    """Raise UnreadableInput when a sheet of the .ods would span more than the limits."""
    lim = limits()
    try:
        with zipfile.ZipFile(path) as z:
            if "content.xml" not in z.namelist():
                return  # not an OpenDocument spreadsheet: calamine says so
            with z.open("content.xml") as fh:
                _ods_tables(fh, path.name, lim)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnreadableInput(f"“{path.name}”是已损坏或被截断的表格文件，无法读取（{type(exc).__name__}）。",
                              hint=SAVE_AGAIN) from None


def _ods_tables(fh, file_name: str, lim: dict) -> None:
    parser = XMLPullParser(events=("start", "end"))
    stack: list = []  # open elements, to drop each from its parent once read (memory stays flat)
    table = ""
    m = Markup()
    row = col = 0  # rows before the current one; columns before the current cell
    row_reps = 1
    row_end = 0  # columns the current row fills (its last cell holding something)
    cell: list = []  # [repeats, holds something, depth] of the open cell
    while True:
        chunk = fh.read(1 << 20)
        if chunk:
            try:
                parser.feed(chunk)
            except SyntaxError as exc:
                raise UnreadableInput(f"“{file_name}”的内容无法解析（{exc}）。", hint=SAVE_AGAIN) from None
        for event, el in parser.read_events():
            tag = el.tag
            if event == "start":
                if cell:
                    cell[1] = True  # text or anything else inside a cell
                if tag == _TABLE + "table" and not cell:
                    table, m, row = el.get(_TABLE + "name", ""), Markup(), 0
                elif tag == _TABLE + "table-row" and not cell:
                    row_reps = _count(el.get(_TABLE + "number-rows-repeated"))
                    col = row_end = 0
                elif tag in _CELLS and not cell:
                    cell = [_count(el.get(_TABLE + "number-columns-repeated")),
                            el.get(_OFFICE + "value-type") is not None, len(stack)]
                stack.append(el)
                continue
            stack.pop()
            if stack:
                stack[-1].remove(el)
            if cell and len(stack) == cell[2]:  # the open cell ends (its descendants ended before)
                reps, full, _ = cell
                col += reps
                if full:
                    row_end = col
                cell = []
            elif tag == _TABLE + "table-row" and not cell:
                row += row_reps
                if row_end:
                    m.rows = row
                    m.columns = max(m.columns, row_end)
                    check_extent(m, table, file_name, lim)
            elif tag == _TABLE + "table" and not cell:
                check_extent(m, table, file_name, lim)
        if not chunk:
            return


def _count(value: str | None) -> int:
    try:
        n = int(value) if value else 1
    except ValueError:
        return 1
    return max(n, 1)


# ---------------------------------------------------------------- .xls / .et

_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_EOF = 0x000A
_DIMENSIONS = 0x0200
_BOUNDSHEET = 0x0085
# records whose data starts with the cell's row and column (u16 each)
_CELL = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x00D6}
_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column


def check_xls(path: Path) -> None:
    """Raise UnreadableInput when a sheet of the .xls/.et would span more than the limits."""
    import olefile
    try:
        if not olefile.isOleFile(str(path)):
            return
        with olefile.OleFileIO(str(path)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return  # not a BIFF workbook: calamine says what it is
            data = ole.openstream(name).read()
    except (OSError, ValueError, struct.error) as exc:  # olefile raises these for a broken container
        raise UnreadableInput(f"“{path.name}”是无法识别的 Excel 文件，无法读取（{type(exc).__name__}）。",
                              hint=SAVE_AGAIN) from None
    _biff(data, path.name, limits())


def _biff(data: bytes, file_name: str, lim: dict) -> None:
    names: dict[int, str] = {}  # stream offset of a sheet's BOF -> its name
    i, n = 0, len(data)
    sheet, m, depth = "", Markup(), 0
    while i + 4 <= n:
        kind, size = struct.unpack_from("<HH", data, i)
        body = data[i + 4:i + 4 + size]
        if kind == _BOUNDSHEET and len(body) >= 8:
            names[struct.unpack_from("<I", body)[0]] = _sheet_name(body)
        elif kind in _BOF:
            depth += 1
            if depth == 1:
                sheet, m = names.get(i, ""), Markup()
        elif kind == _EOF:
            depth = max(depth - 1, 0)
            if depth == 0 and (m.rows or m.columns):
                check_extent(m, sheet, file_name, lim)
        elif kind == _DIMENSIONS and len(body) >= 12:
            _, rows, _, cols = struct.unpack_from("<IIHH", body)
            _grow(m, rows, cols)
        elif kind in _CELL and len(body) >= 4:
            r, c = struct.unpack_from("<HH", body)
            _grow(m, r + 1, c + 1)
        elif kind in _MULTI and len(body) >= 6:
            r, c = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0]
            _grow(m, r + 1, max(c, last) + 1)
        i += 4 + size
    if m.rows or m.columns:
        check_extent(m, sheet, file_name, lim)


def _grow(m: Markup, rows: int, cols: int) -> None:
    m.rows = max(m.rows, rows)
    m.columns = max(m.columns, cols)


def _sheet_name(body: bytes) -> str:
    cch, high = body[6], body[7] if len(body) > 7 else 0
    raw = body[8:8 + cch * (2 if high & 1 else 1)]
    return raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")

