"""Reference data shipped in data/: located once, loaded once.

In a wheel data/ sits inside the package (zjsafety/data); in a source checkout or an
editable install it is the repository's top-level data/.
"""

from __future__ import annotations

import csv
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def data_dir() -> Path:
    package = Path(__file__).resolve().parents[1]  # src/zjsafety (or site-packages/zjsafety)
    for cand in (package / "data", package.parents[1] / "data"):
        if (cand / "columns.toml").is_file():
            return cand
    raise FileNotFoundError("zjsafety data/ not found next to the package")


def read_user_toml(path: Path, what: str, missing: str = "") -> dict[str, Any]:
    """A TOML file a user gives (a column map, a rule pack, settings); a missing or malformed
    one is a usage error naming `what` it was meant to be. `missing`: more to say when absent."""
    from zjsafety.core.errors import UsageError
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (FileNotFoundError, IsADirectoryError):
        raise UsageError(f"找不到{what}“{path}”。{missing}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what}“{path}”格式不对（应为 TOML，UTF-8 编码）：{exc}") from None


@lru_cache(maxsize=None)
def load_toml(name: str) -> dict[str, Any]:
    with open(data_dir() / name, "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=None)
def load_csv(name: str) -> tuple[dict[str, str], ...]:
    with open(data_dir() / name, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def sectors() -> list[dict[str, Any]]:
    return load_toml("sectors.toml")["sector"]


def high_volume_sectors() -> list[str]:
    return [s["name"] for s in sectors() if s["high_volume"]]


def kinds() -> dict[str, dict[str, Any]]:
    return load_toml("columns.toml")


def plan(name: str = "zj-2017-2020") -> dict[str, Any]:
    return load_toml(f"plan/{name}.toml")
