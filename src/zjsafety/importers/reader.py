"""Open a ledger file: first a survey (its hash, its sheets and their first rows, enough to
plan the import), then, one file at a time in the order the plan gives, each sheet read whole.

Spreadsheets (xlsx/xlsm/xls/ods, and WPS .et) are read with python-calamine, one whole-sheet
parse each; CSV and TXT with the csv module after finding the encoding (UTF-8 with or without
BOM, UTF-16, else GB18030, a superset of GBK). The format is told by the file's first bytes,
not its extension. An xlsx is checked against the limits of data/import.toml before calamine
is given it, and its error cells and uncalculated formulas come from one streamed scan
(importers.markup)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import python_calamine as pc

from zjsafety.core import refdata
from zjsafety.core.errors import UnreadableInput, UsageError
from zjsafety.importers import extent, markup

HEAD_ROWS = 32  # the header is looked for in the first 30 rows; two more show a data row


@dataclass
class SheetHead:
    name: str
    hidden: bool
    head: list[list]  # the first HEAD_ROWS rows


@dataclass
class Survey:
    """What planning needs of a file, read without holding any sheet whole."""

    path: Path
    fmt: str  # xlsx / xls / ods / csv
    sha256: str
    sheets: list[SheetHead]
    skipped: list[tuple[str, str]]  # (sheet, why): hidden sheets, chart sheets
    stamp: tuple[int, int]  # (size, mtime_ns) when surveyed
    encoding: str | None = None  # csv only


@dataclass
class Sheet:
    """One sheet read whole: rows from Excel row 1, each a list from column A."""

    name: str
    rows: list[list] | Iterator[list]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    special: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    total: int | None = None  # rows in the sheet, for progress


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
        return "ole"  # .xls / .et, or an encrypted .xlsx
    if not head:
        raise UnreadableInput(f"文件“{path.name}”是空文件（0 字节）。")
    return "text"


def decode_text(raw: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV and the encoding found: UTF-8 (BOM or not), UTF-16, else GB18030."""
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


def _csv_rows(text: str, path: Path) -> Iterator[list]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() in (".tsv", ".txt") and "\t" in sample else csv.excel
    limit = refdata.load_toml("import.toml")["limits"]["max_cell_chars"]
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 22))  # a long cell is said (below), not a crash
    rows = csv.reader(io.StringIO(text), dialect)

    def checked() -> Iterator[list]:
        try:
            for row in rows:
                if any(len(c) > limit for c in row):
                    raise UnreadableInput(f"“{path.name}”第 {rows.line_num} 行有单元格超过 {limit:,} 个字符"
                                          f"（Excel 的上限），未导入。", hint="请检查该行是否粘贴了整段文字或损坏的数据。")
                yield row
        except csv.Error as exc:
            raise UnreadableInput(f"“{path.name}”第 {rows.line_num} 行不是可读的 CSV：{exc}，未导入。") from None
    return checked()


def _stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _check_path(path: Path) -> None:
    if str(path) == "-":
        raise UsageError("import 不能从标准输入（-）读取台账：请给出文件或文件夹。")
    if not path.exists():
        raise UnreadableInput(f"找不到文件“{path}”。")
    if path.is_dir():
        raise UnreadableInput(f"“{path}”是文件夹，不是台账文件。")
    if not path.is_file():  # a pipe, a device (/dev/zero): reading it could wait or run for ever
        raise UnreadableInput(f"“{path}”不是普通文件（可能是管道或设备），未导入。",
                              hint="请给出台账文件本身；从管道读取请用 zjsafety import -。")


def survey(path: Path, *, include_hidden: bool = False) -> Survey:
    """Hash a ledger and read the first rows of each sheet; raises UnreadableInput with a
    Chinese message when the file is not a readable ledger."""
    path = Path(path)
    _check_path(path)
    stamp = _stamp(path)
    fmt = sniff_format(path)
    digest = sha256_of(path)
    if fmt == "text":
        text, enc = decode_text(path.read_bytes(), path.name)
        rows = []
        for i, row in enumerate(_csv_rows(text, path)):
            if i >= HEAD_ROWS:
                break
            rows.append(row)
        return Survey(path, "csv", digest, [SheetHead(path.stem, False, rows)], [], stamp, enc)
    if fmt == "zip":
        with _zip(path) as z:
            if "xl/workbook.xml" in z.namelist():
                return _survey_xlsx(path, z, digest, stamp, include_hidden)
    return _survey_calamine(path, fmt, digest, stamp, include_hidden)


def _zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableInput(f"“{path.name}”是已损坏或被截断的 Excel 文件，无法读取。",
                              hint=markup.SAVE_AGAIN) from None


def _survey_xlsx(path, z, digest, stamp, include_hidden) -> Survey:
    markup.check_archive(z, path.name)
    sheets, skipped = [], []
    try:
        for p in markup.parts(z):
            if p.chart:
                skipped.append((p.name, "图表页"))
            elif p.hidden and not include_hidden:
                skipped.append((p.name, "隐藏工作表（使用 --include-hidden 导入）"))
            elif p.member in z.namelist():
                sheets.append(SheetHead(p.name, p.hidden, markup.head(z, p.member, HEAD_ROWS)))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, SyntaxError) as exc:
        raise UnreadableInput(f"“{path.name}”是已损坏或被截断的 Excel 文件，无法读取（{type(exc).__name__}）。",
                              hint=markup.SAVE_AGAIN) from None
    return Survey(path, "xlsx", digest, sheets, skipped, stamp)


def _open_calamine(path: Path, fmt: str):
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise UnreadableInput(f"工作簿“{path.name}”设有打开密码，无法读取。",
                              hint="请在 Excel/WPS 中取消密码后另存，再导入。") from None
    except Exception as exc:  # calamine raises several kinds for broken files
        if fmt == "ole" and "password" in str(exc).lower():
            raise UnreadableInput(f"工作簿“{path.name}”设有打开密码，无法读取。",
                                  hint="请在 Excel/WPS 中取消密码后另存，再导入。") from None
        what = "已损坏或被截断的 Excel 文件" if fmt == "zip" else "无法识别的 Excel 文件"
        raise UnreadableInput(f"“{path.name}”是{what}，无法读取（{type(exc).__name__}）。",
                              hint=markup.SAVE_AGAIN) from None


def _survey_calamine(path, fmt, digest, stamp, include_hidden) -> Survey:
    """.xls, .et and .ods, read by calamine once their extent is known to be within the limits."""
    (extent.check_ods if fmt == "zip" else extent.check_xls)(path)
    wb = _open_calamine(path, fmt)
    kind = "ods" if fmt == "zip" else "xls"
    sheets, skipped = [], []
    try:
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                skipped.append((meta.name, "图表页"))
                continue
            hidden = meta.visible != pc.SheetVisibleEnum.Visible
            if hidden and not include_hidden:
                skipped.append((meta.name, "隐藏工作表（使用 --include-hidden 导入）"))
                continue
            try:
                sh = wb.get_sheet_by_name(meta.name)
            except Exception as exc:
                skipped.append((meta.name, f"无法读取：{type(exc).__name__}"))
                continue
            sheets.append(SheetHead(meta.name, hidden, _head_of(sh)))
    finally:
        wb.close()
    return Survey(path, kind, digest, sheets, skipped, stamp)


def _head_of(sh) -> list[list]:
    out = []
    for i, row in enumerate(_whole_rows(sh)):
        if i >= HEAD_ROWS:
            break
        out.append(row)
    return out


def _whole_rows(sheet) -> Iterator[list]:
    """A calamine sheet as rows from Excel row 1, each starting at column A (calamine's rows
    begin at row 1 but at the first filled column)."""
    start = sheet.start
    c0 = start[1] if start else 0
    if not c0:
        return sheet.iter_rows()
    pad = [""] * c0
    return (pad + r for r in sheet.iter_rows())


class Workbook:
    """A surveyed file opened for loading; `sheet(name)` reads one sheet whole. Use as a
    context manager: one file is open at a time."""

    def __init__(self, s: Survey):
        self.s = s
        if _stamp(s.path) != s.stamp:
            raise UnreadableInput(f"“{s.path.name}”在导入过程中被修改了，请关闭正在编辑它的程序后重新导入。")
        self._wb = None
        self._zip = None
        if s.fmt == "xlsx":
            self._zip = _zip(s.path)
            self._parts = {p.name: p.member for p in markup.parts(self._zip)}
            markup.check_strings(self._zip, s.path.name)

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()
            self._wb = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def sheet(self, name: str) -> Sheet:
        s = self.s
        if s.fmt == "csv":
            text, _ = decode_text(s.path.read_bytes(), s.path.name)
            return Sheet(name, _csv_rows(text, s.path), total=text.count("\n") + 1)
        special = {}
        if self._zip is not None:  # the scan refuses a sheet beyond the limits before calamine sees it
            special = markup.scan(self._zip, self._parts[name], name, s.path.name).special
        if self._wb is None:
            self._wb = _open_calamine(s.path, "zip" if s.fmt in ("xlsx", "ods") else "ole")
        try:
            sh = self._wb.get_sheet_by_name(name)
        except Exception as exc:
            raise UnreadableInput(f"“{s.path.name}”的工作表“{name}”无法读取（{type(exc).__name__}）。",
                                  hint=markup.SAVE_AGAIN) from None
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
        end = sh.end
        return Sheet(name, _whole_rows(sh), merged, special, total=end[0] + 1 if end else 0)


def expand_paths(args: list[Path]) -> list[Path]:
    """Files as given; a folder means every ledger file in it (not recursing; ~$ lock files
    and our own temporary files skipped). The same file named twice is read once."""
    exts = set(refdata.load_toml("import.toml")["ledger_extensions"])
    out: list[Path] = []
    for a in args:
        a = Path(a)
        if a.is_dir():
            out.extend(sorted(p for p in a.iterdir()
                              if p.is_file() and p.suffix.lower() in exts
                              and not p.name.startswith(("~$", ".~", "."))))
        else:
            out.append(a)
    seen, uniq = set(), []
    for p in out:
        try:
            k = p.resolve()
        except (OSError, RuntimeError):  # a symlink loop: reported when the file is read
            k = p
        if k not in seen:
            seen.add(k)
            uniq.append(p)
    return uniq
