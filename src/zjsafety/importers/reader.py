"""Open any ledger file and hand back its sheets as rows of plain Python values.

Spreadsheets are read with python-calamine (xlsx/xlsm/xls/ods); CSV and TXT with the csv
module after detecting the encoding (UTF-8 with or without BOM, else GB18030, a superset of
GBK). The format is told by the file's first bytes, not its extension.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import python_calamine as pc

from ..errors import UnreadableInput
from . import prefetch

SPREADSHEET_EXT = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv"}


@dataclass
class Sheet:
    name: str
    hidden: bool
    # rows(): every row from Excel row 1, each a list starting at column A
    rows: Callable[[], Iterator[list]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # (row, col) 0-based -> ("error", "#N/A") or ("formula", "=A1+B1"): cells calamine reads as '';
    # found by a scan that runs in the background while calamine parses (both release the GIL)
    special_scan: Callable[[], dict] = lambda: {}

    @property
    def special(self) -> dict[tuple[int, int], tuple[str, str]]:
        return self.special_scan()


@dataclass
class Ledger:
    path: Path
    fmt: str  # xlsx / xls / ods / csv
    sha256: str
    sheets: list[Sheet]
    skipped_sheets: list[tuple[str, str]]  # (name, why)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # .xls, or an encrypted .xlsx
    if not head:
        raise UnreadableInput(f"文件“{path.name}”是空文件（0 字节）。")
    return "text"


def decode_text(raw: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV and the encoding found: UTF-8 (BOM or not), else GB18030 (covers GBK)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw[:4096]:
        raise UnreadableInput(f"文件“{name}”不是电子表格，也不是文本格式的 CSV（含二进制内容）。")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise UnreadableInput(
            f"文件“{name}”的编码无法识别（既不是 UTF-8，也不是 GBK/GB18030）。",
            hint="请在 Excel/WPS 中打开后另存为“CSV UTF-8”或 .xlsx。") from None


def _csv_sheet(path: Path) -> Sheet:
    raw = path.read_bytes()
    text, _enc = decode_text(raw, path.name)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() in (".tsv", ".txt") and "\t" in sample else csv.excel

    def rows() -> Iterator[list]:
        yield from csv.reader(io.StringIO(text), dialect)

    return Sheet(name=path.stem, hidden=False, rows=rows)


def _calamine_rows(sheet: "pc.CalamineSheet") -> Callable[[], Iterator[list]]:
    start = sheet.start
    col_off = start[1] if start else 0

    def rows() -> Iterator[list]:
        pad = [""] * col_off
        for r in sheet.iter_rows():
            yield pad + r if col_off else r

    return rows


def open_ledger(path: Path, *, include_hidden: bool = False) -> Ledger:
    """Open a ledger file; raises UnreadableInput with a Chinese message on any failure."""
    path = Path(path)
    if not path.exists():
        raise UnreadableInput(f"找不到文件“{path}”。")
    if path.is_dir():
        raise UnreadableInput(f"“{path}”是文件夹，不是台账文件。")
    fmt = sniff_format(path)
    digest = sha256_of(path)
    if fmt == "text":
        return Ledger(path, "csv", digest, [_csv_sheet(path)], [])
    pre = prefetch.take(path) if fmt != "text" else None
    parsed: dict = {}
    try:
        if pre is not None:
            wb, parsed = pre
        else:
            wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise UnreadableInput(f"工作簿“{path.name}”设有打开密码，无法读取。",
                              hint="请在 Excel/WPS 中取消密码后另存，再导入。") from None
    except Exception as exc:  # calamine raises several kinds for broken files
        what = "已损坏或被截断的 Excel 文件" if fmt == "zip" else "无法识别的 Excel 文件"
        if fmt == "ole" and "password" in str(exc).lower():
            raise UnreadableInput(f"工作簿“{path.name}”设有打开密码，无法读取。") from None
        raise UnreadableInput(f"“{path.name}”是{what}，无法读取（{type(exc).__name__}）。",
                              hint="请用 Excel/WPS 打开确认，另存为 .xlsx 后再导入。") from None
    special = _background(lambda: xlsx_special_cells(path)) if fmt == "zip" else (lambda: {})
    sheets: list[Sheet] = []
    skipped: list[tuple[str, str]] = []
    ext = "ods" if path.suffix.lower() == ".ods" else ("xls" if fmt == "ole" else "xlsx")
    for meta in wb.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            skipped.append((meta.name, "图表页"))
            continue
        hidden = meta.visible != pc.SheetVisibleEnum.Visible
        if hidden and not include_hidden:
            skipped.append((meta.name, "隐藏工作表（使用 --include-hidden 导入）"))
            continue
        try:
            sh = parsed.get(meta.name) or wb.get_sheet_by_name(meta.name)
        except Exception as exc:
            skipped.append((meta.name, f"无法读取：{type(exc).__name__}"))
            continue
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
        sheets.append(Sheet(meta.name, hidden, _calamine_rows(sh), merged,
                            (lambda name=meta.name: special().get(name, {}))))
    return Ledger(path, ext, digest, sheets, skipped)


def _background(fn: Callable[[], dict]) -> Callable[[], dict]:
    """Start fn in a thread; the returned function waits for and returns its result."""
    import threading
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("v", fn()), daemon=True)
    t.start()

    def result() -> dict:
        t.join()
        return box.get("v", {})
    return result


def expand_paths(args: list[Path]) -> list[Path]:
    """Files as given; a folder means every ledger file in it (not recursing, ~$ lock files skipped)."""
    out: list[Path] = []
    for a in args:
        a = Path(a)
        if a.is_dir():
            out.extend(sorted(p for p in a.iterdir()
                              if p.is_file() and p.suffix.lower() in SPREADSHEET_EXT
                              and not p.name.startswith(("~$", ".~"))))
        else:
            out.append(a)
    seen, uniq = set(), []
    for p in out:
        k = p.resolve()
        if k not in seen:
            seen.add(k)
            uniq.append(p)
    return uniq


_CELL_ERR = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
# a formula with no cached value: no <v>, or an empty one (openpyxl writes <v></v>)
_CELL_NOVAL = re.compile(rb'<c r="([A-Z]+)(\d+)"(?:\s[^>]*)?>(<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _has_markup(z: zipfile.ZipFile, member: str) -> bool:
    """Does the sheet XML hold an error cell or a formula? Streamed, so a large sheet is never
    held in memory beside calamine's copy."""
    tail = b""
    with z.open(member) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if b't="e"' in buf or b"<f>" in buf or b"<f " in buf:
                return True
            tail = buf[-8:]
    return False


def xlsx_special_cells(path: Path) -> dict[str, dict[tuple[int, int], tuple[str, str]]]:
    """Error cells (#N/A …) and formulas saved without a cached value, per sheet name.

    calamine hands both back as '', which would read as a blank; the clerk should hear that
    the cell holds an error or a formula nobody calculated. Only sheets that contain such
    markup are searched, so a plain ledger costs one substring scan."""
    out: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return out
            wbxml = z.read("xl/workbook.xml")
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {m[0]: m[1] for m in re.findall(rb'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
            targets.update({m[1]: m[0] for m in re.findall(rb'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
            for name, rid in re.findall(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wbxml):
                target = targets.get(rid, b"").decode()
                member = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if member not in names:
                    continue
                if not _has_markup(z, member):
                    continue
                data = z.read(member)
                cells: dict[tuple[int, int], tuple[str, str]] = {}
                for col, row, val in _CELL_ERR.findall(data):
                    cells[(int(row) - 1, _col_index(col))] = ("error", val.decode(errors="replace"))
                for col, row, f in _CELL_NOVAL.findall(data):
                    formula = re.sub(rb"<[^>]+>", b"", f).decode(errors="replace")
                    cells[(int(row) - 1, _col_index(col))] = ("formula", "=" + formula if formula else "（共享公式）")
                if cells:
                    import html
                    out[html.unescape(name.decode())] = cells
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out
