"""Output files: checked before any work is done, written whole or not at all.

Every file zjsafety writes goes through `atomic_path`: the writer fills a temporary file in
the target folder, which then replaces the target in one rename. Killed half-way, a command
leaves the earlier file (or none), never a half-written one under the final name."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from zjsafety.core.errors import MachineError, UsageError

TMP_MARK = ".zjsafety-tmp-"


def same_file(a: Path, b: Path) -> bool:
    """Do two paths name one file (links, case and `..` included)?"""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.abspath(a)) == Path(os.path.abspath(b))


def check_output(path: Path, *, reads: Iterable[Path | tuple[str, Path]] = (), what: str = "输出文件") -> Path:
    """An output path the clerk can use: not a folder, in a folder that exists, and not one
    of the files the command reads (the database, a ledger): those are never written. `reads`
    holds paths, or (what it is, path) pairs for the message."""
    path = Path(path)
    if str(path) == "-":
        raise UsageError(f"{what}不能是“-”（标准输出）：请给出文件名。")
    if path.is_dir():
        raise UsageError(f"“{path}”是文件夹，请给出文件名，如 {path / '报告.xlsx'}。")
    if not path.parent.exists():
        raise UsageError(f"{what}所在的文件夹“{path.parent}”不存在，请先建好文件夹或换一个路径。")
    for item in reads:
        label, src = item if isinstance(item, tuple) else ("文件", item)
        if src and Path(src).exists() and same_file(path, Path(src)):
            raise UsageError(f"{what}“{path}”就是本命令读取的{label}“{src}”，不能写到它上面。请换一个文件名。")
    return path


def check_folder(folder: Path, *, what: str = "输出文件夹") -> Path:
    """A folder to write into: created if missing (its parent must exist)."""
    folder = Path(folder)
    if str(folder) == "-":
        raise UsageError(f"{what}不能是“-”：请给出文件夹。")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{what}“{folder}”是一个文件，不是文件夹。")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MachineError(f"无法创建{what}“{folder}”：{exc.strerror or exc}",
                           hint="请检查路径和写入权限。") from None
    return folder


class Staged:
    """An output being written: `tmp` beside the final path, then `publish` (one rename) or
    `discard`. For a command that must write its files before it commits (a draw writes its
    papers, then stores the draw, then renames them)."""

    def __init__(self, path: Path):
        self.final = Path(path)
        self.tmp = self.final.with_name(f".{self.final.stem}{TMP_MARK}{os.getpid()}-{secrets.token_hex(3)}"
                                        f"{self.final.suffix}")

    def publish(self) -> Path:
        try:
            _fsync(self.tmp)
            os.replace(self.tmp, self.final)
        except PermissionError as exc:
            self.discard()
            raise MachineError(f"无法写入“{self.final}”：{exc.strerror or exc}",
                               hint="文件是否正在 Excel/WPS/Word 中打开？关闭后再试，或换一个文件名。") from None
        except OSError as exc:
            self.discard()
            raise MachineError(f"无法写入“{self.final}”：{exc.strerror or exc}",
                               hint="请检查磁盘空间和写入权限。") from None
        return self.final

    def discard(self) -> None:
        _remove(self.tmp)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` for the writer; on success it replaces `path` in one
    rename, on any failure (Ctrl-C included) it is removed and `path` is untouched."""
    staged = Staged(path)
    try:
        yield staged.tmp
    except BaseException as exc:
        staged.discard()
        fault = write_fault(exc, Path(path))
        if fault is not None:
            raise fault from None
        raise
    staged.publish()


# what a full disk, a file-size limit (ulimit -f) or a failing disk looks like to the writers:
# OSError from Python and zipfile, "IO_ENOSPC" and the like from lxml (openpyxl, python-docx)
_IO_CODES = ("IO_ENOSPC", "IO_EFBIG", "IO_EIO", "IO_EDQUOT", "IO_EROFS", "IO_EACCES")


def write_fault(exc: BaseException, path: Path) -> MachineError | None:
    """A failure while writing `path` that is the machine's, told with what to do."""
    if isinstance(exc, OSError) and not isinstance(exc, PermissionError):
        why = exc.strerror or str(exc)
    elif type(exc).__name__ == "SerialisationError" and any(c in str(exc) for c in _IO_CODES):
        why = str(exc)
    else:
        return None
    return MachineError(f"无法写入“{path}”：{why}，未生成该文件。",
                        hint="请检查磁盘空间、文件大小限制和写入权限，腾出空间后重试。")


def write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def _fsync(p: Path) -> None:
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(p: Path) -> None:
    """A temporary file discarded after a failure: the failure is what gets reported."""
    try:
        p.unlink(missing_ok=True)
    except OSError:
        pass  # cannot be removed (locked on Windows): a stray temp file, not worth hiding the real error


def unique_name(folder: Path, stem: str, suffix: str, taken: set[str]) -> Path:
    """folder/stem+suffix, or stem_2, stem_3 … when another output of the same call has it."""
    name, n = f"{stem}{suffix}", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}_{n}{suffix}"
    taken.add(name.lower())
    return Path(folder) / name
