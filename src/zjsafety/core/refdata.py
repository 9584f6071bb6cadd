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


def read_user_toml(path: Path, what: str, missing: str = "", *, chinese_keys: bool = False) -> dict[str, Any]:
    """A TOML file a user gives (a column map, a rule pack, settings); a missing or malformed
    one is a usage error naming `what` it was meant to be. `missing`: more to say when absent.
    `chinese_keys`: section names and keys in Chinese may be written without quotes ([隐患],
    隐患简述 = "隐患描述"), as a clerk writes them; TOML itself wants them quoted."""
    from zjsafety.core.errors import UsageError
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if chinese_keys:
            return tomllib.loads(_quote_bare_keys(data.decode("utf-8-sig")))
        return tomllib.loads(data.decode("utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise UsageError(f"找不到{what}“{path}”。{missing}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what}“{path}”不是 UTF-8 编码的文本：请用记事本“另存为”UTF-8 后再用。") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{what}“{path}”{_toml_where(str(exc))}写法不对（应为 TOML：节名写 [隐患]，"
                         f"每行写 \"列名\" = \"字段\"，中文要加英文双引号）。") from None
    except (RecursionError, ValueError, MemoryError):
        raise UsageError(f"{what}“{path}”嵌套太深或含有不能出现的字符（如 NUL），不是可用的 TOML 文件。") from None


def _quote_bare_keys(text: str) -> str:
    """[隐患] -> ["隐患"] and 隐患简述 = ... -> "隐患简述" = ...: TOML's bare keys are ASCII only."""
    import re
    out = []
    for line in text.splitlines():
        m = re.match(r"^(\s*)\[\s*([^\[\]\"'#]+?)\s*\](\s*(?:#.*)?)$", line)
        if m and not m.group(2).isascii():
            line = f'{m.group(1)}["{m.group(2)}"]{m.group(3)}'
        m = re.match(r"^(\s*)([^\s\"'#=\[][^=\"']*?)\s*=(.*)$", line)
        if m and not m.group(2).isascii():
            line = f'{m.group(1)}"{m.group(2)}" ={m.group(3)}'
        out.append(line)
    return "\n".join(out)


def _toml_where(message: str) -> str:
    """tomllib says where in English ("... (at line 3, column 5)"): said in Chinese."""
    import re
    m = re.search(r"line (\d+), column (\d+)", message)
    if m:
        return f"第 {m.group(1)} 行第 {m.group(2)} 列附近"
    m = re.search(r"line (\d+)", message)
    return f"第 {m.group(1)} 行附近" if m else ""


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
