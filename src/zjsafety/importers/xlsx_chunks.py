"""A large xlsx sheet read in row chunks, so that parsing overlaps with loading.

calamine parses a sheet only as a whole, in one call that releases the GIL: on a 100k-row
ledger that is 2–3 s during which nothing else can happen, and the whole sheet then sits in
memory. Here the sheet's XML is cut at <row> boundaries into pieces of about CHUNK_BYTES,
each a small workbook of its own (importers.piece_maker, in a helper process), and calamine
parses each in a background thread while the rows of the previous piece are validated and
stored.

Rows and columns keep the numbers the cells' own r= attributes give them, so findings name the
same rows as a whole-sheet read (tests compare the two on every workbook we have). The
<dimension> element is dropped from the pieces (calamine would size each piece for the whole
sheet). A sheet whose rows carry no r= attribute, or come out of order, cannot be cut: the
first is read whole, the second stops with a message asking for the file to be saved again.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import python_calamine as pc

from ..errors import UnreadableInput
from . import piece_maker
from .piece_maker import ChunkError, sheet_parts

# a piece: ~4k rows of a 20-column ledger with inline text, ~7k with shared strings; small enough
# that two in flight cost little memory, large enough to amortise opening a workbook for each
CHUNK_BYTES = 4 << 20
# every piece re-reads the styles and workbook parts: keep them at most half of its bytes
FRAME_FACTOR = 2
MIN_PIECES = 6
MAX_FRAME_BYTES = 1 << 20  # styles, workbook …: more than this, and the sheet is read whole
MIN_SHEET_BYTES = 24 << 20  # smaller sheets are parsed whole (a county ledger of a few thousand rows)
_READ = 1 << 20


def piece_size(frame_bytes: int) -> int:
    return max(CHUNK_BYTES, FRAME_FACTOR * frame_bytes)


def large_sheets(path) -> dict[str, str]:
    """The sheets of an xlsx worth reading in pieces: name -> member."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = sheet_parts(z)
            frame = piece_maker.frame_bytes(z)
            if frame > MAX_FRAME_BYTES:
                return {}
            size = piece_size(frame)
            return {n: m for n, m in parts.items()
                    if z.getinfo(m).file_size >= max(MIN_SHEET_BYTES, MIN_PIECES * size)}
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


# -P: not the current folder first on the path (a folder named zjsafety there would be imported)
_HELPER = ("-P", "-m", "zjsafety.importers.piece_maker")


class _Maker:
    """The pieces of one sheet, made by importers.piece_maker in a helper process (in this one
    if that cannot start), read one record at a time."""

    def __init__(self, path, member: str, name: str, size: int):
        self.proc = None
        self.local = piece_maker.pieces(path, member, name, size)  # unstarted: costs nothing
        try:
            if not sys.executable:
                raise OSError("no interpreter to start")
            # a fixed mmap threshold: glibc otherwise raises it to the piece size after the first
            # free, serves the next pieces from the heap, and the helper's memory only grows
            env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(1 << 20)}
            self.proc = subprocess.Popen(
                [sys.executable, *_HELPER, str(path), member, name, str(size)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
            _live.add(self)
        except OSError:  # no process can start here: next() makes the pieces in this one
            self.proc = None

    def next(self) -> bytes | memoryview | None:
        """The next piece's archive, None after the last; ChunkError / UnreadableInput as made."""
        if self.proc is None:
            try:
                return next(self.local, None)
            except piece_maker.Unreadable as exc:
                raise UnreadableInput(exc.args[0], hint=exc.args[1]) from None
        try:
            kind, payload = piece_maker.read_record(self.proc.stdout)
        except EOFError:
            raise UnreadableInput("工作表分段读取中断（辅助进程意外退出）。",
                                  hint="请重试；如仍失败，" + piece_maker.SAVE_AGAIN) from None
        if kind == b"P":
            return payload
        self.close()
        if kind == b"C":
            raise ChunkError(payload.decode())
        if kind == b"U":
            message, hint = json.loads(payload)
            raise UnreadableInput(message, hint=hint)
        return None

    def close(self) -> None:
        if self.proc is not None:
            _live.discard(self)
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()
            self.proc.wait()


_live: set[_Maker] = set()
atexit.register(lambda: [m.close() for m in list(_live)])


def _piece_sheet(data: bytes, name: str) -> "pc.CalamineSheet":
    try:
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name)
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
    # the first piece, parsed once, and the maker positioned after it: the header scan reads
    # only the first rows, and the load then goes on from there
    kept: dict = {}

    def pieces_parsed() -> Iterator[tuple["pc.CalamineSheet", _Ahead]]:
        if "first" in kept:
            first, maker = kept.pop("first"), kept.pop("maker")
        else:
            size = piece_bytes
            if size is None:
                with zipfile.ZipFile(path) as z:
                    size = piece_size(piece_maker.frame_bytes(z))
            maker = _Maker(path, member, name, size)
            try:
                data = maker.next()
                first = None if data is None else _piece_sheet(data, name)
            except BaseException:
                maker.close()
                raise

        def parse_next():
            data = maker.next()
            return None if data is None else _piece_sheet(data, name)
        pool = ThreadPoolExecutor(1, thread_name_prefix="xlsx piece")
        cur, ahead, past_first, finished = first, None, False, False
        try:
            while cur is not None:
                ahead = _Ahead(pool, parse_next)
                yield cur, ahead
                past_first = True
                cur = None
                cur = ahead.result()
            finished = True
        finally:
            pool.shutdown(wait=True)
            if not finished and not past_first and ahead is not None and ahead.future is None:
                kept["first"], kept["maker"] = first, maker  # left inside the first piece: go on from here
            else:
                maker.close()

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
        try:
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
                nxt = sheet = ahead = None  # let the piece go before the next one is parsed
                try:
                    nxt = next(it, None)
                except ChunkError:  # past the first piece only a sheet cut short says this
                    raise UnreadableInput(f"工作表“{name}”的内容不完整，无法读取。",
                                          hint=piece_maker.SAVE_AGAIN) from None
        finally:
            it.close()  # now, not when the collector gets to it: the maker is kept or stopped there

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
