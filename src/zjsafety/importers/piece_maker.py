"""Cutting a large xlsx sheet into small workbooks of whole rows (see xlsx_chunks), in a helper
process: the cutting is Python work on bytes (finding row boundaries and numbers, the shared
strings each piece uses, writing the piece's archive) that holds the GIL, and in the importing
process it stalled the thread that validates and stores rows (a 100k-row ledger with shared
strings: 1.9 s of GIL time in the piece thread, 7.6 s in all against 6.1 s for a whole read).

`python -m zjsafety.importers.piece_maker PATH MEMBER NAME PIECE_BYTES` writes the pieces to its
stdout as records: one byte of kind, eight of length, the payload. b"P" a piece (an xlsx
archive), b"C" the sheet cannot be cut (read it whole), b"U" a message for the clerk (JSON:
message, hint), b"E" the end. Imports nothing heavy: it starts in ~30 ms.

A piece holds the workbook's styles and 1904 setting, its other sheets empty, and a
shared-strings table with only the strings the piece's cells use, each at its own index, the
rest left empty (<si/>): a whole copy of the table in every piece made pieces slower and
larger than one whole read.
"""

from __future__ import annotations

import html
import io
import json
import re
import struct
import sys
import zipfile
from array import array
from typing import BinaryIO, Iterator

_READ = 1 << 20
# archive parts a piece's workbook does without (its sheet is written anew, other sheets empty)
_NOT_FRAME = ("xl/worksheets/", "xl/media/", "xl/drawings/", "xl/charts/", "xl/printerSettings/",
              "xl/externalLinks/", "xl/pivot", "xl/embeddings/", "docProps/", "xl/comments",
              "xl/threadedComments/")
_SHEETDATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_EMPTY_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData/></worksheet>")
SAVE_AGAIN = "请在 Excel/WPS 中打开后另存为 .xlsx，再导入。"  # the hint for a sheet that cannot be cut


class ChunkError(Exception):
    """The sheet cannot be read in pieces (no r= on its rows): read it whole instead."""


class Unreadable(Exception):
    """A fault in the file to tell the clerk about: (message, hint)."""


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member in the archive, from workbook.xml and its relationships."""
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        return {}
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


def is_strings(member: str) -> bool:
    return member.lower().endswith("sharedstrings.xml")


def frame_bytes(z: zipfile.ZipFile) -> int:
    """What every piece carries besides its rows (styles, workbook, …; not the shared strings)."""
    return sum(i.file_size for i in z.infolist() if not i.filename.startswith(_NOT_FRAME) and not is_strings(i.filename))


class _Strings:
    """A workbook's shared-strings table cut into its entries, so that a piece's copy carries
    only the strings the piece's cells use."""

    _HEAD = re.compile(rb"<(\w+:)?sst\b[^>]*>")
    _ITEM = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>.*?</(?:\w+:)?si>)", re.S)
    # the index in a shared-string cell as every writer we know puts it: <c r="B2" t="s"><v>17</v></c>
    _CELL = re.compile(rb't="s"><v>(\d+)</v>')
    _CELL_ANY = re.compile(rb"""\st=["']s["'][^>]*>\s*<(?:\w+:)?v\b[^>]*>\s*(\d+)\s*<""")

    def __init__(self, xml: bytes):
        m = self._HEAD.search(xml)
        if not m:
            raise ChunkError("no <sst> in the shared strings")
        self.xml = xml
        # no count/uniqueCount: the reader would size every piece's table for the whole one
        self.head = xml[:m.start()] + re.sub(rb"""\s(?:count|uniqueCount)=["']\d+["']""", b"", m.group(0))
        self.tail = b"</" + (m.group(1) or b"") + b"sst>"
        # where each entry lies, not the entries: 540k strings as bytes objects took 35 MB
        self.starts, self.ends = array("I"), array("I")
        for e in self._ITEM.finditer(xml, m.end()):
            self.starts.append(e.start())
            self.ends.append(e.end())

    def for_rows(self, rows: bytes) -> bytes:
        marks = rows.count(b't="s"') + rows.count(b"t='s'")
        used = self._CELL.findall(rows)
        if len(used) < marks:
            used = self._CELL_ANY.findall(rows)
            if len(used) < marks:
                return self.xml  # cells written in a way the patterns miss: the whole table, always right
        if not used:
            return self.head + self.tail
        idx = set(map(int, used))
        xml, starts, ends = self.xml, self.starts, self.ends
        table = [b"<si/>"] * min(max(idx) + 1, len(starts))
        for i in idx:
            if i < len(table):
                table[i] = xml[starts[i]:ends[i]]
        return self.head + b"".join(table) + self.tail


def _rows(z: zipfile.ZipFile, member: str, chunk_bytes: int, name: str) -> Iterator[tuple[bytes, bytes, bytes]]:
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
                raise Unreadable(f"工作表“{name or member}”中有的行缺少行号，无法分段读取。", SAVE_AGAIN)
            for n in map(int, nums):
                if n <= last:
                    raise Unreadable(f"工作表“{name or member}”的行顺序错乱（第 {n} 行出现在第 {last} 行之后），无法读取。",
                                     SAVE_AGAIN)
                last = n
            yield head, rows, tail


def pieces(path, member: str, name: str, chunk_bytes: int) -> Iterator[memoryview]:
    """Each piece of the sheet as the bytes of a small xlsx archive (stored, not compressed),
    a view valid until the next piece is asked for."""
    with zipfile.ZipFile(path) as z:
        frame: dict[str, bytes] = {}
        strings = None
        for info in z.infolist():
            n = info.filename
            if n == member or n.endswith("/") or n.startswith(_NOT_FRAME):
                continue
            if is_strings(n):
                strings = (n, _Strings(z.read(n)))
            else:
                frame[n] = z.read(n)
        for m in sheet_parts(z).values():
            if m != member:
                frame[m] = _EMPTY_SHEET
        for head, rows, tail in _rows(z, member, chunk_bytes, name):
            bio = io.BytesIO()
            with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as out:
                for n, data in frame.items():
                    out.writestr(n, data)
                if strings:
                    out.writestr(strings[0], strings[1].for_rows(rows))
                with out.open(member, "w") as w:  # streamed in: no joined copy of the rows
                    w.write(head)
                    w.write(rows)
                    w.write(tail)
            yield bio.getbuffer()


# ------------------------------------------------------------------ the helper process's stream

_HEADER = struct.Struct("<cQ")


def write_record(out: BinaryIO, kind: bytes, payload: bytes | memoryview = b"") -> None:
    out.write(_HEADER.pack(kind, len(payload)))
    out.write(payload)


def read_record(inp: BinaryIO) -> tuple[bytes, bytes]:
    head = inp.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("the piece maker stopped")
    kind, n = _HEADER.unpack(head)
    payload = inp.read(n) if n else b""
    if len(payload) < n:
        raise EOFError("the piece maker stopped")
    return kind, payload


def serve(path: str, member: str, name: str, chunk_bytes: int, out: BinaryIO) -> None:
    try:
        for data in pieces(path, member, name, chunk_bytes):
            write_record(out, b"P", data)
    except ChunkError as exc:
        write_record(out, b"C", str(exc).encode())
    except Unreadable as exc:
        write_record(out, b"U", json.dumps(exc.args, ensure_ascii=False).encode())
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        write_record(out, b"U", json.dumps([f"文件读取中断（{type(exc).__name__}）。", SAVE_AGAIN],
                                           ensure_ascii=False).encode())
    else:
        write_record(out, b"E")
    out.flush()


if __name__ == "__main__":
    try:
        serve(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):  # the importer stopped reading: nothing to say
        pass
