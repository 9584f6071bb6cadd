"""A large xlsx sheet read in row chunks, so that parsing overlaps with loading.

calamine parses a sheet only as a whole, in one call that releases the GIL: on a 100k-row
ledger that is 2–3 s during which nothing else can happen, and the whole sheet then sits in
memory. Here the sheet's XML is cut at <row> boundaries into pieces of about CHUNK_BYTES;
each piece is wrapped in a copy of the workbook (the same shared strings, styles and 1904
setting; other sheets left empty; stored uncompressed in memory) and parsed by calamine in a
background thread while the rows of the previous piece are validated and stored.

Rows and columns keep the numbers the cells' own r= attributes give them, so findings name the
same rows as a whole-sheet read (tests compare the two on every workbook we have). The
<dimension> element is dropped from the pieces (calamine would size each piece for the whole
sheet). A sheet whose rows carry no r= attribute, or come out of order, cannot be cut: the
first is read whole, the second stops with a message asking for the file to be saved again.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import python_calamine as pc

from ..errors import UnreadableInput

# a piece: ~4k rows of a 20-column ledger with inline text, ~10k with shared strings; small enough
# that two in flight cost little memory, large enough to amortise opening a workbook for each
CHUNK_BYTES = 4 << 20
# every piece re-reads the shared strings and styles: keep them at most half of its bytes
FRAME_FACTOR = 2
MIN_PIECES = 6
MAX_FRAME_BYTES = 1 << 20  # shared strings, styles …: more than this, and the sheet is read whole
MIN_SHEET_BYTES = 24 << 20  # smaller sheets are parsed whole (a county ledger of a few thousand rows)
_READ = 1 << 20
# archive parts a piece's workbook does without (its sheet is written anew, other sheets empty)
_NOT_FRAME = ("xl/worksheets/", "xl/media/", "xl/drawings/", "xl/charts/", "xl/printerSettings/",
              "xl/externalLinks/", "xl/pivot", "xl/embeddings/", "docProps/", "xl/comments",
              "xl/threadedComments/")

_SHEETDATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


class ChunkError(Exception):
    """The sheet cannot be read in pieces (no r= on its rows): read it whole instead."""


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member in the archive, from workbook.xml and its relationships."""
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        return {}
    import html
    wbxml = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {m[0]: m[1] for m in re.findall(rb'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets.update({m[1]: m[0] for m in re.findall(rb'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    out = {}
    for name, rid in re.findall(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wbxml):
        target = targets.get(rid, b"").decode()
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if member in names:
            out[html.unescape(name.decode())] = member
    return out


def piece_size(frame_bytes: int) -> int:
    return max(CHUNK_BYTES, FRAME_FACTOR * frame_bytes)


def large_sheets(path) -> dict[str, str]:
    """The sheets of an xlsx worth reading in pieces: name -> member. Only workbooks whose text
    is stored in the cells (as openpyxl and many system exports write it): every piece parses
    the workbook's shared-strings table again, and where there is a sizeable one (Excel, WPS,
    LibreOffice) pieces were slower and larger than one whole read (100k rows, 14 MB of shared
    strings: 5.1–5.5 s whole, 5.8–8.5 s in pieces; peak memory 225 MB against 140 MB)."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = sheet_parts(z)
            frame = sum(i.file_size for i in z.infolist() if not i.filename.startswith(_NOT_FRAME))
            if frame > MAX_FRAME_BYTES:
                return {}
            size = piece_size(frame)
            return {n: m for n, m in parts.items()
                    if z.getinfo(m).file_size >= max(MIN_SHEET_BYTES, MIN_PIECES * size)}
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


def _pieces(z: zipfile.ZipFile, member: str, chunk_bytes: int, name: str = "") -> Iterator[tuple[bytes, bytes, bytes]]:
    """(head, rows, tail) for each piece: the sheet's XML up to <sheetData> (no <dimension>),
    a run of whole <row> elements, and the closing tags."""
    with z.open(member) as fh:
        buf = b""
        while True:  # the head: everything up to and including <sheetData>
            more = fh.read(_READ)
            buf += more
            m = _SHEETDATA.search(buf)
            if m or not more:
                break
        if not m or m.group(2):  # no rows at all
            return
        prefix = m.group(1) or b""
        head = _DIMENSION.sub(b"", buf[:m.end()])
        tail = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
        row_tag, end_tag = b"<" + prefix + b"row", b"</" + prefix + b"sheetData>"
        row_num = re.compile(re.escape(row_tag) + rb'\b[^>]*?\sr="(\d+)"')
        buf = buf[m.end():]
        last = 0  # the number of the last row handed out
        eof = finished = False
        while not finished:
            if not eof and len(buf) < chunk_bytes:
                more = fh.read(chunk_bytes - len(buf) + _READ)  # one read, not a growing buffer
                eof = not more
                buf += more
                continue
            end = buf.find(end_tag)
            limit = end if end >= 0 else len(buf)
            # the first row from chunk_bytes on opens the next piece
            cut = buf.find(row_tag, chunk_bytes, limit) if limit > chunk_bytes else -1
            if cut > 0:
                rows, buf = buf[:cut], buf[cut:]
            elif end >= 0:
                rows, buf, finished = buf[:end], b"", True
            else:
                cut = buf.rfind(row_tag)  # the last row may be incomplete: it opens the next piece
                if cut <= 0:
                    if eof:
                        raise ChunkError("sheetData not closed")
                    more = fh.read(_READ)  # one row longer than a piece: read on
                    eof = not more
                    buf += more
                    continue
                rows, buf = buf[:cut], buf[cut:]
            nums = row_num.findall(rows)
            n_rows = rows.count(row_tag + b" ") + rows.count(row_tag + b">") + rows.count(row_tag + b"/")
            if not n_rows:
                continue
            if len(nums) != n_rows:
                if last == 0:
                    raise ChunkError("rows without r=")
                raise UnreadableInput(f"工作表“{name or member}”中有的行缺少行号，无法分段读取。",
                                      hint="请在 Excel/WPS 中打开后另存为 .xlsx，再导入。")
            for n in map(int, nums):
                if n <= last:
                    raise UnreadableInput(f"工作表“{name or member}”的行顺序错乱（第 {n} 行出现在第 {last} 行之后），无法读取。",
                                          hint="请在 Excel/WPS 中打开后另存为 .xlsx，再导入。")
                last = n
            yield head, rows, tail


def _frame(z: zipfile.ZipFile, member: str, parts: dict[str, str]) -> dict[str, bytes]:
    """Every part a piece's workbook needs, except the sheet itself; other sheets empty."""
    out = {}
    for info in z.infolist():
        n = info.filename
        if n == member or n.endswith("/") or n.startswith(_NOT_FRAME):
            continue
        out[n] = z.read(n)
    empty = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheetData/></worksheet>")
    for m in parts.values():
        if m != member:
            out[m] = empty
    return out


def _piece_sheet(frame: dict[str, bytes], member: str, name: str, parts: tuple[bytes, ...]) -> "pc.CalamineSheet":
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as out:
        for n, data in frame.items():
            out.writestr(n, data)
        with out.open(member, "w") as w:  # the piece's parts streamed in: no joined copy
            for p in parts:
                w.write(p)
    bio.seek(0)
    try:
        return pc.CalamineWorkbook.from_filelike(bio).get_sheet_by_name(name)
    except Exception as exc:  # broken XML inside the sheet: the file's problem, said as for a whole read
        raise UnreadableInput(f"工作表“{name}”无法读取（{type(exc).__name__}）。",
                              hint="请用 Excel/WPS 打开确认，另存为 .xlsx 后再导入。") from None


class _Ahead:
    """fn() run on the sheet's worker thread once start() is called; result() waits for it.
    One worker per sheet, not a thread per piece: each new thread gets its own malloc arena,
    and arenas keep what the pieces freed (a 100k-row shared-strings sheet grew by 150 MB)."""

    def __init__(self, pool: ThreadPoolExecutor, fn: Callable[[], object]):
        self.pool, self.fn, self.future = pool, fn, None

    def start(self) -> None:
        if self.future is None:
            self.future = self.pool.submit(self.fn)

    def result(self):
        self.start()
        return self.future.result()


AHEAD_AFTER = 64  # rows of a piece taken before the next piece starts parsing (a header scan takes fewer)


def chunked_rows(path, name: str, member: str, whole: Callable[[], "pc.CalamineSheet"],
                 piece_bytes: int | None = None) -> Callable[[], Iterator[list]]:
    """rows() for the sheet: every row from Excel row 1, each a list starting at column A, as a
    whole-sheet read gives them, while the next piece parses in a thread. `whole` parses the
    sheet in one go, for a sheet that cannot be cut."""
    kept: dict = {}  # the first piece, parsed once: the header scan and then the load start there

    def pieces_parsed() -> Iterator[tuple["pc.CalamineSheet", _Ahead | None]]:
        with zipfile.ZipFile(path) as z:
            frame = _frame(z, member, sheet_parts(z))
            size = piece_bytes or piece_size(sum(len(v) for v in frame.values()))
            pieces = _pieces(z, member, size, name)

            def parse_next():
                item = next(pieces, None)
                return None if item is None else _piece_sheet(frame, member, name, item)

            if "first" in kept:  # the load after the header scan: piece 0 once more, then let it go
                next(pieces, None)
                cur = kept.pop("first")
            else:
                cur = kept["first"] = parse_next()
            pool = ThreadPoolExecutor(1, thread_name_prefix="xlsx piece")
            try:
                while cur is not None:
                    ahead = _Ahead(pool, parse_next)
                    yield cur, ahead
                    cur = ahead.result()
            finally:
                pool.shutdown(wait=True)  # a running parse reads the archive closed below

    def rows() -> Iterator[list]:
        if kept.get("whole"):
            yield from whole_rows(whole())
            return
        at = 0  # the 0-based Excel row the next yielded row must be
        it = pieces_parsed()
        try:
            nxt = next(it, None)
        except ChunkError:  # no r= on the first rows: this sheet cannot be cut
            kept["whole"] = True
            yield from whole_rows(whole())
            return
        while nxt is not None:
            sheet, ahead = nxt
            start = sheet.start
            if start is not None:
                r0, c0 = start
                while at < r0:  # rows between pieces that hold no cells
                    yield []
                    at += 1
                pad = [""] * c0
                for k, r in enumerate(sheet.to_python(skip_empty_area=True)):
                    if k == AHEAD_AFTER:
                        ahead.start()
                    yield pad + r if c0 else r
                    at += 1
            try:
                nxt = next(it, None)
            except ChunkError:
                raise UnreadableInput("工作表的行缺少行号，无法分段读取。",
                                      hint="请在 Excel/WPS 中打开后另存为 .xlsx，再导入。") from None

    return rows


def whole_rows(sheet: "pc.CalamineSheet") -> Iterator[list]:
    """A sheet calamine parsed whole, as rows from Excel row 1 starting at column A."""
    start = sheet.start
    c0 = start[1] if start else 0
    pad = [""] * c0
    for r in sheet.iter_rows():
        yield pad + r if c0 else r


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_CELL_ERR = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
# a formula with no cached value: no <v>, or an empty one (openpyxl writes <v></v>)
_CELL_NOVAL = re.compile(rb'<c r="([A-Z]+)(\d+)"(?:\s[^>]*)?>(<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def has_markup(buf: bytes) -> bool:
    """Could this stretch of sheet XML hold an error cell or a formula?"""
    return b't="e"' in buf or b"<f>" in buf or b"<f " in buf


def special_cells_in(data: bytes) -> dict[tuple[int, int], tuple[str, str]]:
    """Error cells and formulas without a cached value in a stretch of sheet XML holding whole
    cells: (row, col) 0-based -> ("error", "#N/A") or ("formula", "=A1+B1")."""
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    for col, row, val in _CELL_ERR.findall(data):
        cells[(int(row) - 1, _col(col))] = ("error", val.decode(errors="replace"))
    for col, row, f in _CELL_NOVAL.findall(data):
        formula = re.sub(rb"<[^>]+>", b"", f).decode(errors="replace")
        cells[(int(row) - 1, _col(col))] = ("formula", "=" + formula if formula else "（共享公式）")
    return cells


def scan_sheet(path, member: str) -> tuple[list, dict]:
    """One streamed pass over a large sheet's XML, without parsing its rows: its merged cells
    (as calamine gives them: ((row, col), (row, col)), 0-based, from after <sheetData>) and its
    error cells and uncalculated formulas (see special_cells_in)."""
    merged: list = []
    special: dict = {}
    try:
        with zipfile.ZipFile(path) as z, z.open(member) as fh:
            carry = b""
            while True:
                chunk = fh.read(_READ)
                buf = carry + chunk
                if chunk:  # keep the last, maybe unfinished, cell or tag for the next round
                    last_cell = buf.rfind(b"<c ")
                    cut = last_cell if last_cell > buf.rfind(b"</c>") else buf.rfind(b"<")
                    scan, carry = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
                else:
                    scan, carry = buf, b""
                if has_markup(scan):
                    special.update(special_cells_in(scan))
                if b"mergeCell" in scan:  # a substring test is ~50× faster than the pattern
                    for a, r1, b, r2 in _MERGE.findall(scan):
                        merged.append(((int(r1) - 1, _col(a)), (int(r2 or r1) - 1, _col(b or a))))
                if not chunk:
                    break
    except (zipfile.BadZipFile, KeyError, OSError):
        return [], {}
    return merged, special


_scans: dict[tuple, Callable[[], tuple[list, dict]]] = {}
_scans_lock = threading.Lock()


def scan_started(path, member: str, take: bool = False) -> Callable[[], tuple[list, dict]]:
    """scan_sheet running in a thread; the returned function waits for (merged, special).
    Started once per file version: the prefetch starts it as the program loads, and the reader,
    which needs the merges to find the header, takes it over (`take`: forgotten here, so a long
    Python session does not keep every scan). A scan of 100k rows takes ~0.5 s."""
    import os
    st = os.stat(path)
    key = (os.path.realpath(path), member, st.st_size, st.st_mtime_ns)
    with _scans_lock:
        if key not in _scans:
            box: dict = {}
            done = threading.Event()

            def run():
                try:
                    box["v"] = scan_sheet(path, member)
                finally:
                    done.set()
            threading.Thread(target=run, name="xlsx scan", daemon=True).start()

            def result() -> tuple[list, dict]:
                done.wait()
                return box.get("v", ([], {}))
            _scans[key] = result
        return _scans.pop(key) if take else _scans[key]
