"""The clerk's own workbook handed back: bad cells filled red (warnings yellow) with a Chinese
comment, and a first sheet 错误汇总 listing every finding, each linked to its cell.

An .xlsx is marked in place, part by part: every part of the file is copied as it is, except
the styles (two fills and the cell formats they need), the sheets that have findings (only
their marked cells' style changes; a marked empty cell is added), their comments, and the new
summary sheet. The clerk's layout, formulas and formats all survive, and a 50k-row ledger is
marked in seconds, not the minutes a full load and save takes. Other formats (.xls, .et, .ods,
.csv) cannot be written back, so their values go into a new .xlsx with the same marks."""

from __future__ import annotations

import html
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook as XlsxBook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from zjsafety.core import labels
from zjsafety.core.findings import Finding
from zjsafety.core.normalize import display_width
from zjsafety.core.paths import atomic_path, check_folder, unique_name
from zjsafety.core.workbook import sheet_title, text as cell_text
from zjsafety.importers import markup
from zjsafety.importers.headers import col_letter
from zjsafety.importers.marked import HEAD, MARKED, MARKED_SHEET, SUMMARY
from zjsafety.importers.reader import Workbook, survey

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
WIDTHS = [20, 16, 7, 6, 18, 24, 26, 60, 14]
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


class CannotMark(Exception):
    """The workbook's XML is not as expected: its values are copied into a new workbook instead."""


def write_error_books(result, folder: Path, progress=None) -> list[Path]:
    """One marked workbook per ledger file with findings, never two under one name (a folder
    name, then a number, tells apart two townships' 台账.xlsx)."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for sr in result.files:
        by_file[sr.path].extend(sr.findings)
    by_file = {p: fs for p, fs in by_file.items() if fs}
    if not by_file:
        return []
    check_folder(folder, what="错误标注工作簿的文件夹")
    stems = defaultdict(list)
    for p in by_file:
        stems[Path(p).stem.lower()].append(p)
    # never onto a file this import read (a corrected error workbook lying in that folder)
    inputs = {Path(p).resolve() for p in by_file}
    taken: set[str] = {q.name.lower() for q in Path(folder).iterdir() if q.resolve() in inputs} \
        if Path(folder).is_dir() else set()
    out = []
    for i, (p, fs) in enumerate(by_file.items()):
        src = Path(p)
        base = MARKED.sub("", src.stem)  # a corrected error workbook comes back: one suffix, never two
        stem = base if len(stems[src.stem.lower()]) == 1 else f"{src.parent.name}_{base}"
        suffix = ".xlsm" if src.suffix.lower() == ".xlsm" else ".xlsx"
        dst = unique_name(folder, f"{stem}.错误标注", suffix, taken)
        out.append(write_error_book(src, fs, dst, progress))
        if progress:
            progress("错误标注工作簿", i + 1, len(by_file))
    return out


def write_error_book(src: Path, findings: list[Finding], dst: Path, progress=None) -> Path:
    with atomic_path(dst) as tmp:
        try:
            _mark_xlsx(src, findings, tmp)
        except CannotMark:
            _rebuild(src, findings, tmp, progress)
    return dst


# ---------------------------------------------------------------- what to mark

@dataclass
class _Mark:
    error: bool = False
    messages: list[str] = field(default_factory=list)


def _marks(findings: list[Finding]) -> dict[str, dict[tuple[int, int], _Mark]]:
    """sheet -> (Excel row, 0-based column) -> mark, for findings that name a cell."""
    out: dict[str, dict[tuple[int, int], _Mark]] = defaultdict(dict)
    for f in findings:
        if f.sheet and f.row and f.column:
            col = markup.col_index(f.column)
            m = out[f.sheet].setdefault((f.row, col), _Mark())
            m.error = m.error or f.severity == "error"
            m.messages.append(for_township(f.message))
    return out


def _summary_rows(findings: list[Finding], titles: dict[str, str] | None = None) -> list[tuple[list, str | None]]:
    """(cells, link target) per finding, in sheet, row, column order; `titles`: a sheet's name in
    a rebuilt workbook where the original is no legal sheet name (台账[三墩镇])."""
    rows = []
    titles = titles or {}
    for f in sorted(findings, key=lambda f: (f.sheet or "", f.row or 0, markup.col_index(f.column) if f.column else -1)):
        where = f"{f.sheet}!{f.column or 'A'}{f.row}" if f.sheet and f.row else (f.sheet or "")
        target = f"{_quote_sheet(titles.get(f.sheet, f.sheet))}!{f.column or 'A'}{f.row}" if f.sheet and f.row else None
        rows.append(([where, f.sheet, f.row, f.column, f.header, f.value, labels.finding(f.type),
                       for_township(f.message), _todo(f)], target))
    return rows


def _todo(f: Finding) -> str:
    """What became of it, in the township's words."""
    if f.type in ("unknown_column", "ambiguous_column"):
        return "该列未导入"
    if f.type in ("missing_column", "unrecognised_sheet", "ambiguous_sheet"):
        return "整张表未导入，请按说明改后重新报送"
    if f.severity == "error" and f.row:
        return "该行未导入，改后重新报送"
    return "已导入，请核对" if f.row else ""


_HINT = re.compile(r"[（(][^（）()]*--[a-z][^（）()]*[）)]")
_HINT_CLAUSE = re.compile(r"[；。，,]?[^；。，,]*--[a-z][^；。]*")
_KIND_ID = re.compile(r"[（(][a-z_]+[）)]")


def for_township(message: str) -> str:
    """A finding as a township reads it: the clerk's command-line hints (--map, --kind,
    --county …) and English kind names are for the office, not for the one who fills the sheet."""
    text = _KIND_ID.sub("", _HINT_CLAUSE.sub("", _HINT.sub("", message)))
    return text.strip("；，, ") + ("" if text.endswith(("。", "）")) else "")


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# ---------------------------------------------------------------- an xlsx, marked in place

def _mark_xlsx(src: Path, findings: list[Finding], dst: Path) -> None:
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise CannotMark
    try:
        z = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError):
        raise CannotMark from None
    with z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        names = set(z.namelist())
        if not {"xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"} <= names:
            raise CannotMark
        members = {p.name: p.member for p in markup.parts(z) if not p.chart}
        if any(MARKED_SHEET.match(n) for n in members):
            raise CannotMark  # a corrected error workbook sent back: rebuilt without its old summary
        marks = _marks(findings)
        styles = _Styles(z.read("xl/styles.xml"))
        done: set[str] = set()  # parts written already (the changed ones, as they are made)
        ctypes = z.read("[Content_Types].xml")

        def put(name: str, data) -> None:
            with out.open(name, "w") as w:
                for piece in ([data] if isinstance(data, bytes) else data):
                    w.write(piece)
            done.add(name)

        for n, (sheet, cells) in enumerate(marks.items(), start=1):
            member = members.get(sheet)
            if member is None or member not in names:
                continue
            xml = z.read(member)
            rels_name = member.replace("worksheets/", "worksheets/_rels/") + ".rels"
            rels = z.read(rels_name) if rels_name in names else None
            comments = b"<legacyDrawing" not in xml and (rels is None or b"/comments" not in rels)
            rid = f"rIdZj{n}" if comments else None
            put(member, _patch_sheet(xml, cells, styles, rid))
            del xml
            if comments:
                put(f"xl/comments_zj{n}.xml", _comments_xml(cells))
                put(f"xl/drawings/vmlDrawing_zj{n}.vml", _vml(cells))
                put(rels_name, _add_rels(rels, [
                    (rid, f"{NS_REL}/comments", f"../comments_zj{n}.xml"),
                    (rid + "v", f"{NS_REL}/vmlDrawing", f"../drawings/vmlDrawing_zj{n}.vml")]))
                ctypes = _vml_default(_content_type(ctypes, f"/xl/comments_zj{n}.xml", CT_COMMENTS))
        for member in members.values():  # the summary is the one selected tab: none stays grouped with it
            if member in names and member not in done:
                with z.open(member) as fh:
                    head = fh.read(1 << 16)
                if b'tabSelected="1"' in head:
                    put(member, _unselected(z, member))
        title = _free_title(SUMMARY, list(members))
        put("xl/worksheets/sheet_zj_summary.xml", _summary_sheet(_summary_rows(findings), styles))
        put("xl/workbook.xml", _add_first_sheet(z.read("xl/workbook.xml"), title, "rIdZjSummary"))
        put("xl/_rels/workbook.xml.rels", _add_rels(z.read("xl/_rels/workbook.xml.rels"), [
            ("rIdZjSummary", f"{NS_REL}/worksheet", "worksheets/sheet_zj_summary.xml")]))
        put("[Content_Types].xml", _content_type(ctypes, "/xl/worksheets/sheet_zj_summary.xml", CT_SHEET))
        put("xl/styles.xml", styles.xml())
        for info in z.infolist():
            if info.filename in done:
                continue
            with z.open(info) as fh, out.open(zipfile.ZipInfo(info.filename, info.date_time), "w") as w:
                while chunk := fh.read(1 << 20):
                    w.write(chunk)


def _unselected(z: zipfile.ZipFile, member: str):
    """A sheet's XML without its tab selected, streamed."""
    first = True
    with z.open(member) as fh:
        while chunk := fh.read(1 << 20):
            if first:
                chunk = chunk.replace(b' tabSelected="1"', b"", 1)
                first = False
            yield chunk


_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(/?)>')
_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_S = re.compile(rb'\bs="(\d+)"')


def _patch_sheet(xml: bytes, cells: dict[tuple[int, int], _Mark], styles: "_Styles", rid: str | None):
    """The sheet with its marked cells restyled (or added, when empty), and its comments'
    drawing named, in one pass; only the marked cells' bytes change. The new XML comes out
    in pieces, so a large sheet is never copied whole."""
    edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement)
    by_row: dict[int, dict[int, _Mark]] = defaultdict(dict)
    for (r, c), m in cells.items():
        by_row[r][c] = m

    def style(m: _Mark, s: int = 0) -> int:
        return styles.marked(s, m.error)
    sd = re.search(rb"<sheetData\s*/>", xml)
    if sd:  # an empty sheet: the rows are new
        body = b"".join(_new_row(r, {c: style(m) for c, m in by_row[r].items()}) for r in sorted(by_row))
        edits.append((sd.start(), sd.end(), b"<sheetData>" + body + b"</sheetData>"))
        by_row = defaultdict(dict)
    starts = []  # (row number, start) of every row, for rows that must be added between them
    for mrow in _ROW.finditer(xml):
        r = int(mrow.group(1))
        starts.append((r, mrow.start()))
        want = by_row.pop(r, None)
        if not want:
            continue
        tag_end = mrow.end()
        if mrow.group(2):  # <row …/>: no cells yet
            new = b"".join(_new_cell(r, c, style(m)) for c, m in sorted(want.items()))
            edits.append((mrow.start(), tag_end, xml[mrow.start():tag_end - 2].rstrip() + b">" + new + b"</row>"))
            continue
        end = xml.find(b"</row>", tag_end)
        if end < 0:
            raise CannotMark
        for c in _CELL.finditer(xml, tag_end, end):
            col = markup.col_index(c.group(1))
            for k in [k for k in sorted(want) if k < col]:  # empty cells before this one
                edits.append((c.start(), c.start(), _new_cell(r, k, style(want.pop(k)))))
            if col in want:
                old = _S.search(c.group(0))
                edits.append((c.start(), c.end(),
                              _restyle(c.group(0), style(want.pop(col), int(old.group(1)) if old else 0))))
            if not want:
                break
        if want:
            edits.append((end, end, b"".join(_new_cell(r, k, style(m)) for k, m in sorted(want.items()))))
    if by_row:  # marked rows the sheet does not have
        close = xml.find(b"</sheetData>")
        if close < 0:
            raise CannotMark
        starts.sort()
        for r in sorted(by_row):
            at = next((start for rr, start in starts if rr > r), close)
            edits.append((at, at, _new_row(r, {c: style(m) for c, m in by_row[r].items()})))
    if rid:
        at = _legacy_position(xml)
        edits.append((at, at, f'<legacyDrawing xmlns:r="{NS_REL}" r:id="{rid}v"/>'.encode()))
    edits.sort(key=lambda e: (e[0], e[1]))
    pieces, pos = [], 0
    view = memoryview(xml)
    for start, end, rep in edits:
        if start < pos:
            raise CannotMark  # overlapping edits: the XML is not as expected
        pieces += [view[pos:start], rep]
        pos = end
    pieces.append(view[pos:])
    return pieces


def _restyle(tag: bytes, s: int) -> bytes:
    if _S.search(tag):
        return _S.sub(b's="%d"' % s, tag, count=1)
    return re.sub(rb"^<c\b", b'<c s="%d"' % s, tag, count=1)


def _new_cell(r: int, c: int, s: int) -> bytes:
    return b'<c r="%s%d" s="%d"/>' % (col_letter(c).encode(), r, s)


def _new_row(r: int, cells: dict[int, int]) -> bytes:
    return b'<row r="%d">' % r + b"".join(_new_cell(r, c, s) for c, s in sorted(cells.items())) + b"</row>"


_AFTER_LEGACY = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                 b"<webPublishItems", b"<tableParts", b"<extLst")


def _legacy_position(xml: bytes) -> int:
    """Where <legacyDrawing> goes: before the elements the schema puts after it."""
    after = xml.find(b"</sheetData>")
    found = [i for t in _AFTER_LEGACY if (i := xml.find(t, after)) >= 0]
    return min(found) if found else xml.rfind(b"</worksheet>")


class _Styles:
    """styles.xml with fills for marked cells: each marked cell keeps its own format (number
    format, font, borders) with a red or yellow fill, as a new cell format."""

    def __init__(self, xml: bytes):
        self.src = xml
        fills = re.search(rb"<fills\b[^>]*>(.*?)</fills>", xml, re.S)
        xfs = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        if not fills or not xfs:
            raise CannotMark
        self.n_fills = len(re.findall(rb"<fill\b", fills.group(1)))
        self.xfs = re.findall(rb"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", xfs.group(1), re.S)
        self.added_xfs: list[bytes] = []
        self.cache: dict[tuple[int, bool], int] = {}
        self.bold: int | None = None

    def marked(self, s: int, error: bool) -> int:
        key = (s, error)
        if key not in self.cache:
            base = self.xfs[s] if s < len(self.xfs) else self.xfs[0]
            fill = self.n_fills + (0 if error else 1)
            xf = re.sub(rb'\s(fillId|applyFill)="[^"]*"', b"", base)
            xf = re.sub(rb"^<xf\b", b'<xf fillId="%d" applyFill="1"' % fill, xf, count=1)
            self.added_xfs.append(xf)
            self.cache[key] = len(self.xfs) + len(self.added_xfs) - 1
        return self.cache[key]

    def wrapped(self) -> int:
        """Text that wraps at the top of its cell, for the summary's long columns (printed whole on A4)."""
        if getattr(self, "_wrap", None) is None:
            self.added_xfs.append(b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" applyAlignment="1">'
                                  b'<alignment wrapText="1" vertical="top"/></xf>')
            self._wrap = len(self.xfs) + len(self.added_xfs) - 1
        return self._wrap

    def header(self) -> int:
        """A bold format with a light fill, for the summary's header row."""
        if self.bold is None:
            self.added_xfs.append(b'<xf numFmtId="0" fontId="%d" fillId="%d" borderId="0" applyFont="1" '
                                  b'applyFill="1"/>' % (self._font_count(), self.n_fills + 2))
            self.bold = len(self.xfs) + len(self.added_xfs) - 1
        return self.bold

    def _font_count(self) -> int:
        fonts = re.search(rb"<fonts\b[^>]*>(.*?)</fonts>", self.src, re.S)
        return len(re.findall(rb"<font\b", fonts.group(1))) if fonts else 0

    def xml(self) -> bytes:
        xml = self.src
        fills = b"".join(b'<fill><patternFill patternType="solid"><fgColor rgb="%s"/><bgColor indexed="64"/>'
                         b"</patternFill></fill>" % c.encode() for c in (RED, YELLOW, "FFDDEBF7"))
        xml = re.sub(rb"</fills>", fills + b"</fills>", xml, count=1)
        xml = re.sub(rb'(<fills\b[^>]*\bcount=")\d+', lambda m: m.group(1) + str(self.n_fills + 3).encode(), xml, count=1)
        if self.bold is not None:
            xml = re.sub(rb"</fonts>", '<font><b/><sz val="11"/><name val="宋体"/></font></fonts>'.encode(), xml, count=1)
            xml = re.sub(rb'(<fonts\b[^>]*\bcount=")\d+', lambda m: m.group(1) + str(self._font_count() + 1).encode(),
                         xml, count=1)
        xml = re.sub(rb"</cellXfs>", b"".join(self.added_xfs) + b"</cellXfs>", xml, count=1)
        return re.sub(rb'(<cellXfs\b[^>]*\bcount=")\d+',
                      lambda m: m.group(1) + str(len(self.xfs) + len(self.added_xfs)).encode(), xml, count=1)


def _esc(v: object) -> str:
    return html.escape(cell_text(str(v)), quote=True)


def _summary_sheet(rows: list[tuple[list, str | None]], styles: "_Styles"):
    head = styles.header()
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(WIDTHS, 1))
    body = []

    def row(r: int, values: list, s: int | None = None) -> str:
        cells = []
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            ref = f"{col_letter(c)}{r}"
            style = f' s="{s}"' if s is not None else ""
            if isinstance(v, int) and not isinstance(v, bool):
                cells.append(f'<c r="{ref}"{style}><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{_esc(v)}</t></is></c>')
        return f'<row r="{r}">' + "".join(cells) + "</row>"
    body.append(row(1, HEAD, head))
    links = []
    wrap = styles.wrapped()
    for i, (values, target) in enumerate(rows, start=2):
        body.append(row(i, values, wrap))
        if target:
            links.append(f'<hyperlink ref="A{i}" location="{_esc(target)}" display="{_esc(values[0])}"/>')
    last = len(rows) + 1
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           '<sheetViews><sheetView workbookViewId="0" tabSelected="1"><pane ySplit="1" topLeftCell="A2" '
           'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
           f'<cols>{cols}</cols><sheetData>').encode("utf-8")
    yield from _chunked(body)
    yield f'</sheetData><autoFilter ref="A1:I{last}"/>'.encode()
    if links:
        yield b"<hyperlinks>"
        yield from _chunked(links)
        yield b"</hyperlinks>"
    yield ('<printOptions horizontalCentered="1"/>'
           '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
           '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
           '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>'
           '</worksheet>').encode("utf-8")


def _chunked(items, n: int = 2000):
    """Strings joined and encoded a few thousand at a time."""
    for i in range(0, len(items), n):
        yield "".join(items[i:i + n]).encode("utf-8")


def _free_title(title: str, taken: list[str]) -> str:
    n, t = 1, title
    lower = {x.lower() for x in taken}
    while t.lower() in lower:
        n += 1
        t = f"{title}({n})"
    return t


def _add_first_sheet(wb: bytes, title: str, rid: str) -> bytes:
    """The summary as the first, active sheet; sheet-scoped names follow their sheets."""
    ids = [int(x) for x in re.findall(rb'<sheet\b[^>]*\bsheetId="(\d+)"', wb)]
    first = re.search(rb"<sheet\b", wb)
    if first is None:
        raise CannotMark
    tag = f'<sheet xmlns:r="{NS_REL}" name="{_esc(title)}" sheetId="{max(ids, default=0) + 1}" r:id="{rid}"/>'.encode()
    wb = wb[:first.start()] + tag + wb[first.start():]
    wb = re.sub(rb'localSheetId="(\d+)"', lambda m: b'localSheetId="%d"' % (int(m.group(1)) + 1), wb)
    wb = re.sub(rb'\sactiveTab="\d+"', b"", wb)
    wb = re.sub(rb'\sfirstSheet="\d+"', b"", wb)
    return re.sub(rb'\stabSelected="1"', b"", wb)


def _add_rels(rels: bytes | None, new: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in new).encode()
    if rels is None:
        return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                + items + b"</Relationships>")
    return rels.replace(b"</Relationships>", items + b"</Relationships>", 1)


def _content_type(ct: bytes, part: str, kind: str) -> bytes:
    if f'PartName="{part}"'.encode() in ct:
        return ct
    return ct.replace(b"</Types>", f'<Override PartName="{part}" ContentType="{kind}"/></Types>'.encode(), 1)


def _vml_default(ct: bytes) -> bytes:
    if b'Extension="vml"' in ct:
        return ct
    return ct.replace(b"</Types>", f'<Default Extension="vml" ContentType="{CT_VML}"/></Types>'.encode(), 1)


def _comments_xml(cells: dict[tuple[int, int], _Mark]):
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<authors><author>zjsafety</author></authors><commentList>').encode("utf-8")
    yield from _chunked([f'<comment ref="{col_letter(c)}{r}" authorId="0"><text><r><t xml:space="preserve">'
                         f'{_esc(chr(10).join(m.messages))}</t></r></text></comment>' for (r, c), m in sorted(cells.items())])
    yield b"</commentList></comments>"


def _box(messages: list[str]) -> tuple[int, int]:
    """A comment box that fits its text: about 18 characters a line, 15 points a line."""
    chars = max((len(m) for m in messages), default=10)
    width = min(max(chars, 12), 30) * 11
    lines = sum(max(1, -(-len(m) // 24)) for m in messages)
    return width, min(lines, 12) * 16 + 12


def _vml(cells: dict[tuple[int, int], _Mark]):
    shapes = []
    for i, ((r, c), m) in enumerate(sorted(cells.items()), start=1):
        w, h = _box(m.messages)
        shapes.append(
            f'<v:shape id="_x0000_s{1024 + i}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:{w}px;height:{h}px;z-index:{i};visibility:hidden" fillcolor="#ffffe1" '
            f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
            f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/>'
            f'</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>')
    yield ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
           '<o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
           'o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
           '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>').encode("utf-8")
    yield from _chunked(shapes)
    yield b"</xml>"


# ---------------------------------------------------------------- other formats: a new workbook

def _rebuild(src: Path, findings: list[Finding], dst: Path, progress=None) -> None:
    """The values of every sheet in a new workbook (streamed: written as they are read), with
    the marks, after the summary."""
    red, yellow = PatternFill("solid", fgColor=RED), PatternFill("solid", fgColor=YELLOW)
    marks = _marks(findings)
    wb = XlsxBook(write_only=True)
    ws = wb.create_sheet(SUMMARY)
    ws.freeze_panes = "A2"
    for i, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[col_letter(i - 1)].width = w
    bold = Font(name="宋体", bold=True)
    ws.append([_cell(ws, v, font=bold) for v in HEAD])
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wrap = Alignment(wrap_text=True, vertical="top")
    s = survey(src, include_hidden=True)
    taken = {SUMMARY.lower()}
    titles = {sh.name: sheet_title(sh.name, taken) for sh in s.sheets if not MARKED_SHEET.match(sh.name)}
    for values, target in _summary_rows(findings, titles):
        cells = [_cell(ws, v) for v in values]
        for c in cells:
            c.alignment = wrap
        if target:
            cells[0].hyperlink = "#" + target
        ws.append(cells)
    with Workbook(s) as book:
        for sh in s.sheets:
            if MARKED_SHEET.match(sh.name):
                continue  # the summary of an earlier round: this workbook gets its own
            out = wb.create_sheet(titles[sh.name])
            _fit_columns(out, sh.head)
            cells = marks.get(sh.name, {})
            sheet = book.sheet(sh.name)
            for r, row in enumerate(sheet.rows, start=1):
                vals = []
                for c, v in enumerate(row):
                    m = cells.get((r, c))
                    cell = _cell(out, v if v != "" else None)
                    if m is not None:
                        cell.fill = red if m.error else yellow
                        w, h = _box(m.messages)
                        cell.comment = Comment("\n".join(m.messages), "zjsafety", width=w, height=h)
                    vals.append(cell)
                for (rr, c), m in cells.items():  # a marked cell beyond the row's last value
                    if rr == r and c >= len(row):
                        vals += [None] * (c - len(vals)) + [_cell(out, None)]
                        vals[c].fill = red if m.error else yellow
                        vals[c].comment = Comment("\n".join(m.messages), "zjsafety")
                out.append(vals)
                if progress and r % 5000 == 0:
                    progress(f"{src.name}：{sh.name}（错误标注）", r, sheet.total)
    wb.save(dst)


def _fit_columns(ws, head: list[list]) -> None:
    """Columns of a rebuilt sheet (a CSV has no widths) as wide as their text in the first rows,
    so that names and 18-character codes print whole; landscape, fitted to the page width."""
    widths: dict[int, float] = {}
    for row in head:
        for c, v in enumerate(row):
            text = "" if v is None else str(v)
            widths[c] = max(widths.get(c, 8), min(display_width(text) * 1.1 + 2, 50))
    for c, w in widths.items():
        ws.column_dimensions[col_letter(c)].width = round(w, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _cell(ws, v, font=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=None)
    if v is not None:
        if isinstance(v, str):
            cell.value = cell_text(v)
            cell.data_type = "s"  # ledger text stays text, never a formula
        else:
            cell.value = v
    if font is not None:
        cell.font = font
    return cell
