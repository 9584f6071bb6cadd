"""Open any ledger file and hand back its sheets as rows of plain Python values.

Spreadsheets are read with python-calamine (xlsx/xlsm/xls/ods); CSV and TXT with the csv
module after detecting the encoding (UTF-8 with or without BOM, else GB18030, a superset of
GBK). The format is told by the file's first bytes, not its extension.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import python_calamine as pc

from ..errors import UnreadableInput
from . import prefetch, xlsx_chunks

SPREADSHEET_EXT = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv"}


@dataclass
class Sheet:
    name: str
    hidden: bool
    # rows(): every row from Excel row 1, each a list starting at column A
    rows: Callable[[], Iterator[list]]
    # merged cells ((row, col), (row, col)), 0-based; a sheet read in pieces has them from a scan
    merged_scan: Callable[[], list] = lambda: []
    # (row, col) 0-based -> ("error", "#N/A") or ("formula", "=A1+B1"): cells calamine reads as '';
    # found by a scan that runs in the background while calamine parses (both release the GIL)
    special_scan: Callable[[], dict] = lambda: {}

    @property
    def merged(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        return self.merged_scan()

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
    pre = prefetch.take(path)
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
    sheets: list[Sheet] = []
    skipped: list[tuple[str, str]] = []
    ext = "ods" if path.suffix.lower() == ".ods" else ("xls" if fmt == "ole" else "xlsx")
    # large sheets are read in pieces that parse while the previous one loads (xlsx_chunks)
    big = xlsx_chunks.large_sheets(path) if ext == "xlsx" else {}
    special = _background(lambda: xlsx_special_cells(path, set(big))) if fmt == "zip" else (lambda: {})
    for meta in wb.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            skipped.append((meta.name, "图表页"))
            continue
        hidden = meta.visible != pc.SheetVisibleEnum.Visible
        if hidden and not include_hidden:
            skipped.append((meta.name, "隐藏工作表（使用 --include-hidden 导入）"))
            continue
        if meta.name in big and meta.name not in parsed:
            member = big[meta.name]
            scan = xlsx_chunks.scan_started(path, member, take=True)  # one pass: merges, special cells
            sheets.append(Sheet(
                meta.name, hidden,
                xlsx_chunks.chunked_rows(path, meta.name, member, lambda name=meta.name: wb.get_sheet_by_name(name)),
                (lambda scan=scan: scan()[0]), (lambda scan=scan: scan()[1])))
            continue
        try:
            sh = parsed.get(meta.name) or wb.get_sheet_by_name(meta.name)
        except Exception as exc:
            skipped.append((meta.name, f"无法读取：{type(exc).__name__}"))
            continue
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
        sheets.append(Sheet(meta.name, hidden, (lambda sh=sh: xlsx_chunks.whole_rows(sh)), (lambda m=merged: m),
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


def xlsx_special_cells(path: Path, skip: set[str] = frozenset()) -> dict[str, dict[tuple[int, int], tuple[str, str]]]:
    """Error cells (#N/A …) and formulas saved without a cached value, per sheet name.

    calamine hands both back as '', which would read as a blank; the clerk should hear that
    the cell holds an error or a formula nobody calculated. Only sheets that contain such
    markup are searched, so a plain ledger costs one substring scan. Sheets in `skip` (read
    in pieces) are scanned by xlsx_chunks.scan_sheet instead."""
    out: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            for name, member in xlsx_chunks.sheet_parts(z).items():
                if name in skip or not _has_markup(z, member):
                    continue
                cells = xlsx_chunks.special_cells_in(z.read(member))
                if cells:
                    out[name] = cells
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def _has_markup(z: zipfile.ZipFile, member: str) -> bool:
    """Does the sheet XML hold an error cell or a formula? Streamed, so a large sheet is never
    held in memory beside calamine's copy."""
    tail = b""
    with z.open(member) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if xlsx_chunks.has_markup(buf):
                return True
            tail = buf[-8:]
    return False
