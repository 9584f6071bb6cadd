"""Settings a clerk sets once: the database, the county, the as-of date, the output folder and
the rule pack, so that commands need not be told them again.

Where each value comes from, weakest first: the shipped defaults (data/settings.toml); a
zjsafety.toml in the working folder, or the file named by --config or $ZJSAFETY_CONFIG; the
environment ($ZJSAFETY_DB); the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from zjsafety.core import refdata
from zjsafety.core.errors import UsageError
from zjsafety.core.paths import write_text

FILE_NAME = "zjsafety.toml"
KEYS = {  # key -> what it is, for `zjsafety config` and for messages
    "db": "数据库文件",
    "scope": "默认范围（县、市或省）",
    "as_of": "默认截至日期",
    "output": "输出文件夹",
    "plan": "规则包",
}
DEFAULT = "默认值"
ENV = {"db": "ZJSAFETY_DB"}


@dataclass
class Settings:
    file: Path | None  # the settings file read, if any
    values: dict[str, tuple[object, str]] = field(default_factory=dict)  # key -> (value, where from)

    def get(self, key: str, given: object = None) -> object:
        """The command line's value when given, else the setting in force (or None)."""
        if given is not None:
            return given
        return self.values.get(key, (None, ""))[0]

    def source(self, key: str, given: object = None) -> str:
        if given is not None:
            return "命令行"
        return self.values.get(key, (None, "未设置"))[1]


def _read(path: Path) -> dict:
    data = refdata.read_user_toml(path, "设置文件")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise UsageError(f"设置文件“{path}”中有不认识的设置：{'、'.join(unknown)}；可用：{'、'.join(KEYS)}")
    for k, v in data.items():
        if not isinstance(v, (str, int)) and not hasattr(v, "isoformat"):
            raise UsageError(f"设置文件“{path}”中的 {k} 应为文字，如 {k} = \"…\"")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in data.items()}


def find_file(config: Path | None = None) -> Path | None:
    """--config, else $ZJSAFETY_CONFIG, else ./zjsafety.toml when it exists."""
    if config is not None:
        return Path(config)
    if os.environ.get("ZJSAFETY_CONFIG"):
        return Path(os.environ["ZJSAFETY_CONFIG"])
    here = Path(FILE_NAME)
    return here if here.is_file() else None


def load(config: Path | None = None) -> Settings:
    s = Settings(find_file(config))
    for k, v in refdata.load_toml("settings.toml").items():
        s.values[k] = (v, DEFAULT)
    if s.file is not None:
        for k, v in _read(s.file).items():
            # a relative database path in a settings file is relative to that file's folder
            if k in ("db", "output") and not Path(v).is_absolute() and s.file.parent != Path("."):
                v = str(s.file.parent / v)
            s.values[k] = (v, f"设置文件 {s.file}")
    for k, var in ENV.items():
        if os.environ.get(var):
            s.values[k] = (os.environ[var], f"环境变量 {var}")
    return s


def save(path: Path, updates: dict[str, str]) -> Path:
    """Write (or update) a settings file with these values; other settings in it are kept."""
    from zjsafety.core.errors import UsageError
    path = Path(path)
    for k, v in updates.items():
        if v is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in str(v)):
            raise UsageError(f"{KEYS.get(k, k)}“{str(v)!r}”含有换行等控制字符，不能写入设置文件。")
    current = _read(path) if path.is_file() else {}
    current.update({k: v for k, v in updates.items() if v is not None})
    lines = ["# zjsafety 的设置：命令行未给出时使用这里的值（zjsafety config 查看当前生效的设置）"]
    for k in KEYS:
        if k in current:
            value = str(current[k]).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{k} = "{value}"  # {KEYS[k]}')
    return write_text(path, "\n".join(lines) + "\n")
