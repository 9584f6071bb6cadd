"""What an xlsx says in its XML that a cell reader does not hand back, read with plain
streaming passes before (or instead of) a full parse:

- `parts`: sheet names, their XML members and whether they are hidden;
- `head`: the first rows of a sheet, to plan an import without parsing whole sheets;
- `scan`: one pass over a sheet's XML that finds error cells (#N/A …) and formulas saved
  without a value (calamine reads both as blank), and the sheet's extent, refusing a sheet
  beyond the limits of data/import.toml before calamine allocates for it.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from zjsafety.core import refdata
from zjsafety.core.errors import UnreadableInput

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SAVE_AGAIN = "请在 Excel/WPS 中打开该文件并另存为 .xlsx 后再导入。"
_READ = 4 << 20  # bytes of XML per step of a streamed pass


@dataclass
class Part:
    name: str
    member: str
    hidden: bool
    chart: bool = False


def parts(z: zipfile.ZipFile) -> list[Part]:
    """The sheets of a workbook in tab order, from workbook.xml and its relationships."""
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        return []
    wbxml = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    for rel in re.findall(rb"<Relationship\b[^>]*>", rels):
        rid = re.search(rb'\bId="([^"]+)"', rel)
        target = re.search(rb'\bTarget="([^"]+)"', rel)
        if rid and target:
            targets[rid.group(1)] = target.group(1).decode()
    out = []
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", wbxml):
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]+)"', tag) or re.search(rb'\b\w+:id="([^"]+)"', tag)
        if not name or not rid:
            continue
        target = targets.get(rid.group(1), "")
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        state = re.search(rb'\bstate="([^"]+)"', tag)
        out.append(Part(html.unescape(name.group(1).decode()), member,
                        hidden=bool(state and state.group(1) != b"visible"), chart="chartsheet" in member))
    return out


def strings_member(z: zipfile.ZipFile) -> str | None:
    for n in z.namelist():
        if n.lower().endswith("sharedstrings.xml"):
            return n
    return None


def limits() -> dict:
    return refdata.load_toml("import.toml")["limits"]


def check_archive(z: zipfile.ZipFile, file_name: str) -> None:
    """Declared sizes of the sheet and string parts within the limits (an archive's central
    directory says them without inflating anything)."""
    lim = limits()
    sst = strings_member(z)
    for info in z.infolist():
        mb = info.file_size / (1 << 20)
        if info.filename == sst and mb > lim["max_strings_xml_mb"]:
            raise UnreadableInput(
                f"“{file_name}”的共享文本部分解压后有 {mb:,.0f} MB，超过可处理的上限 {lim['max_strings_xml_mb']} MB，未导入。",
                hint="文件可能已损坏或被构造过；" + SAVE_AGAIN)
        if info.filename.startswith("xl/worksheets/") and mb > lim["max_sheet_xml_mb"]:
            raise UnreadableInput(
                f"“{file_name}”中的一个工作表解压后有 {mb:,.0f} MB，超过可处理的上限 {lim['max_sheet_xml_mb']} MB，未导入。",
                hint="请把台账拆成几个文件后再导入。")


def check_strings(z: zipfile.ZipFile, file_name: str) -> None:
    """No shared string longer than a cell may hold (a 2 GB string in a 2 MB file): an entry
    longer in bytes than the limit in characters has its text counted."""
    member = strings_member(z)
    if member is None:
        return
    lim = limits()["max_cell_chars"]
    carry = b""
    with z.open(member) as fh:
        while True:
            chunk = fh.read(_READ)
            buf = carry + chunk
            pieces = buf.split(b"</si>")
            carry = pieces.pop() if chunk else b""
            for piece in pieces + ([carry] if len(carry) > 4 * lim + 4096 else []):
                if len(piece) > lim and _chars(piece) > lim:
                    raise UnreadableInput(f"“{file_name}”中有单元格的文字超过 {lim:,} 个字符（Excel 的上限），未导入。",
                                          hint="文件可能已损坏或被构造过；" + SAVE_AGAIN)
            if not chunk:
                return


def _chars(xml: bytes) -> int:
    return len(html.unescape(re.sub(rb"<[^>]*>", b"", xml).decode("utf-8", "replace")))


# ---------------------------------------------------------------- one pass over a sheet

_CELL_ERR = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
# a formula with no cached value: no <v>, or an empty one (openpyxl writes <v></v>)
_CELL_NOVAL = re.compile(rb'<c r="([A-Z]+)(\d+)"(?:\s[^>]*)?>(<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')
_ROW_NUM = re.compile(rb"""<row\b[^>]*?\br\s*=\s*["'](\d+)""")
# a cell reference beyond column Z, in any attribute order and either quote (<c t="n" r='XFD1'>);
# other spellings (r = "…", a line break before r) are counted by _careful
_WIDE_COL = re.compile(rb""" r=["']([A-Z]{2,})\d""")
# any attribute order, either quote: <c t="inlineStr" r='XFD1048576'>
_ANY_COL = re.compile(rb"""<c\b[^>]*?\sr\s*=\s*["']([A-Z]+)\d""")
_ANY_ROW = re.compile(rb"""<row\b[^>]*?\sr\s*=\s*["'](\d+)""")
_CELL_TAG = re.compile(rb"<c[\s>/]")
_LONG_ROW_NUM = re.compile(rb"""<row\b[^>]*?\br\s*=\s*["'](\d{7,})""")  # beyond 999,999: maybe beyond Excel's last row


def col_index(letters: bytes | str) -> int:
    """AA -> 26 (0-based)."""
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + (ch - 64)
    return n - 1


@dataclass
class Markup:
    special: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # (row, col) 0-based
    rows: int = 0  # highest row number seen (where it matters: see `scan`)
    columns: int = 0  # highest column number seen, 1-based; 0 when no column is beyond Z


def scan(z: zipfile.ZipFile, member: str, sheet: str, file_name: str) -> Markup:
    """Error cells, formulas without a value, and the extent of one sheet, in one streamed pass
    (the XML is never held whole). Raises UnreadableInput when the sheet is beyond the limits.

    The extent matters only where it could be large: a sheet whose cells all lie in columns A–Z
    spans at most 26 × 1,048,576 cells (within the limit), so for it only a row number beyond
    Excel's is looked for; once a wider column appears, every row number counts."""
    lim = limits()
    m = Markup()
    carry = b""
    wide = False
    implicit = 0  # rows seen: a row without r is the one after the last
    row_cells = 0  # cells seen so far in the row the chunk ends in
    inside = False  # past <sheetData>
    with z.open(member) as fh:
        while True:
            chunk = fh.read(_READ)
            buf = carry + chunk
            if chunk:  # keep the last, maybe unfinished, cell or tag for the next round
                last_cell = buf.rfind(b"<c ")
                cut = last_cell if last_cell > buf.rfind(b"</c>") else buf.rfind(b"<")
                part, carry = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
            else:
                part, carry = buf, b""
            if b't="e"' in part or b"<f>" in part or b"<f " in part:
                m.special.update(_special(part))
            # rows and cells may leave out their r (implicit positions) or write it in another
            # order or quoting than Excel does: such a chunk is counted the careful way
            if not inside:  # (tags after </sheetData> send the last chunk the careful way: harmless)
                start = part.find(b"<sheetData")
                inside = start >= 0
                data = part[start:] if inside else b""
            else:
                data = part
            n_rows = data.count(b"<row")
            implicit += n_rows
            m.rows = max(m.rows, implicit)
            # within <sheetData> every tag starting <c or <row is a cell or a row: each should carry
            # ` r=` as Excel, WPS and LibreOffice write it; three fast counts say whether one does not
            if data.count(b"<c") + n_rows != data.count(b" r="):
                row_cells = _careful(data, m, row_cells)
            if not wide and _WIDE_COL.search(part):
                wide = True
            if wide:
                rows = _ROW_NUM.findall(part)
                cols = _WIDE_COL.findall(part)
                m.rows = max(m.rows, *map(int, rows)) if rows else m.rows
                m.columns = max(m.columns, *(col_index(c) + 1 for c in set(cols))) if cols else m.columns
            else:
                for r in _LONG_ROW_NUM.findall(part):
                    m.rows = max(m.rows, int(r))
            if len(carry) > lim["max_cell_chars"] * 4 + 4096:
                raise UnreadableInput(f"“{file_name}”的工作表“{sheet}”中有单元格的文字超过 {lim['max_cell_chars']:,} 个字符，未导入。",
                                      hint="文件可能已损坏或被构造过；" + SAVE_AGAIN)
            if not chunk:
                break
    check_extent(m, sheet, file_name, lim)
    return m


def _careful(part: bytes, m: Markup, row_cells: int) -> int:
    """Extent from every row and cell tag of a chunk, whatever their attributes: explicit
    positions in any order or quoting, and implicit ones counted (a cell without r is the one
    after the last). Returns the cells counted in the row the chunk ends in."""
    for r in _ANY_ROW.findall(part):
        m.rows = max(m.rows, int(r))
    for c in set(_ANY_COL.findall(part)):
        m.columns = max(m.columns, col_index(c) + 1)
    segments = part.split(b"<row")
    for i, seg in enumerate(segments):
        row_cells = (row_cells if i == 0 else 0) + len(_CELL_TAG.findall(seg))
        m.columns = max(m.columns, row_cells if row_cells > 26 else m.columns)
    return row_cells


def _special(part: bytes) -> dict[tuple[int, int], tuple[str, str]]:
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    for col, row, val in _CELL_ERR.findall(part):
        cells[(int(row) - 1, col_index(col))] = ("error", val.decode(errors="replace"))
    for col, row, f in _CELL_NOVAL.findall(part):
        formula = html.unescape(re.sub(rb"<[^>]+>", b"", f).decode(errors="replace"))
        cells[(int(row) - 1, col_index(col))] = ("formula", "=" + formula if formula else "（共享公式）")
    return cells


def check_extent(m: Markup, sheet: str, file_name: str, lim: dict) -> None:
    cols = m.columns or 26
    where = f"“{file_name}”的工作表“{sheet}”"
    if m.rows > lim["max_rows"] or cols > lim["max_columns"]:
        raise UnreadableInput(f"{where}超出 Excel 的范围（{m.rows:,} 行、{cols:,} 列），未导入。",
                              hint="文件可能已损坏或被构造过；" + SAVE_AGAIN)
    if m.rows * cols > lim["max_cells"]:
        raise UnreadableInput(
            f"{where}的数据区域达 {m.rows:,} 行 × {cols:,} 列（约 {m.rows * cols / 1e8:.1f} 亿个单元格），"
            f"超过可处理的上限（{lim['max_cells'] / 1e4:,.0f} 万个单元格），未导入。",
            hint="通常是表格远处有个别误填的单元格：请删除数据区域以外的行和列后另存，再导入。")


# ---------------------------------------------------------------- the first rows, streamed

def head(z: zipfile.ZipFile, member: str, n: int) -> list[list]:
    """The first n rows of a sheet (row 1 first, column A first), values as text or numbers,
    read without parsing the rest of the sheet. For planning only: the load reads the sheet
    whole with calamine."""
    rows: dict[int, dict[int, object]] = {}
    shared: set[int] = set()
    row_no = 0
    with z.open(member) as fh:
        for _, el in iterparse(fh, events=("end",)):
            tag = el.tag
            if tag == NS + "c":
                ref = el.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    r, c = int(ref[len(letters):]), col_index(letters)
                else:
                    r, c = row_no + 1, len(rows.get(row_no + 1, {}))
                if r > n:
                    break
                rows.setdefault(r, {})[c] = _cell(el, shared)
                el.clear()
            elif tag == NS + "row":
                row_no = int(el.get("r") or row_no + 1)
                el.clear()
                if row_no >= n:
                    break
    strings = _strings(z, max(shared) if shared else -1)
    out = []
    for r in range(1, min(n, max(rows, default=0)) + 1):
        cells = rows.get(r, {})
        width = max(cells, default=-1) + 1
        row = [""] * width
        for c, v in cells.items():
            row[c] = strings[v.i] if isinstance(v, _Ref) and v.i < len(strings) else ("" if isinstance(v, _Ref) else v)
        out.append(row)
    return out


class _Ref:
    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i


def _cell(el, shared: set[int]) -> object:
    t = el.get("t")
    v = el.find(NS + "v")
    if t == "s" and v is not None and v.text:
        i = int(v.text)
        shared.add(i)
        return _Ref(i)
    if t == "inlineStr":
        return "".join(x.text or "" for x in el.iter(NS + "t"))
    if v is None or v.text is None or t == "e":  # error cells read as blank, as calamine reads them
        return ""
    if t == "str":
        return v.text
    if t == "b":
        return v.text == "1"
    try:
        x = float(v.text)
        return int(x) if x.is_integer() else x
    except ValueError:
        return v.text


def _strings(z: zipfile.ZipFile, upto: int) -> list[str]:
    """Shared strings 0..upto, streamed (the table of a large ledger is never read whole)."""
    out: list[str] = []
    member = strings_member(z)
    if upto < 0 or member is None:
        return out
    with z.open(member) as fh:
        for _, el in iterparse(fh, events=("end",)):
            if el.tag == NS + "si":
                out.append("".join(t.text or "" for t in el.iter(NS + "t") if not _in_phonetic(el, t)))
                el.clear()
                if len(out) > upto:
                    break
    return out


def _in_phonetic(si, t) -> bool:
    for rph in si.iter(NS + "rPh"):
        if any(x is t for x in rph.iter(NS + "t")):
            return True
    return False
