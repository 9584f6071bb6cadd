"""Checks on output paths, before any work is done, so the clerk hears the real problem."""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError


def check_output(path: Path) -> Path:
    """The folder must exist and the path must not be a folder."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"“{path}”是文件夹，请给出文件名，如 {path / '报告.xlsx'}。")
    if not path.parent.exists():
        raise UsageError(f"输出文件夹“{path.parent}”不存在，请先建好文件夹或换一个路径。")
    return path
