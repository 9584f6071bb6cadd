"""Which shipped rule pack is in force when: read from the packs' own `in_force` dates, without
loading the rules (help texts name the periods, and every command prints its help)."""

from __future__ import annotations

from datetime import date

from zjsafety.core import refdata
from zjsafety.core.errors import UsageError
from zjsafety.core.labels import cn_date


AUTO = "auto"  # the pack in force on the as-of date


def default_plan() -> str:
    return refdata.load_toml("settings.toml")["plan"]


def available() -> list[str]:
    return sorted(x.stem for x in (refdata.data_dir() / "rules").glob("*.toml"))


def periods() -> list[tuple[str, str, date, date]]:
    """(name, title, first day, last day) of each shipped pack, in order of their periods."""
    out = []
    for name in available():
        pack = refdata.load_toml(f"rules/{name}.toml")
        start, end = pack["in_force"]
        out.append((name, pack["title"], start, end))
    return sorted(out, key=lambda x: x[2])


def periods_text() -> str:
    """zj-2017-2020（2017年8月1日至2020年12月31日）、… for help texts."""
    return "、".join(f"{n}（{cn_date(s)}至{cn_date(e)}）" for n, _, s, e in periods())


def pack_for(day: date) -> str:
    """The shipped pack in force on `day`; between plans or outside them, a usage error naming --plan."""
    hits = [n for n, _, start, end in periods() if start <= day <= end]
    if not hits:
        raise UsageError(f"截至日期 {day} 不在任何内置规则包的实施期内。",
                         hint=f"内置规则包：{periods_text()}。请用 --plan 指定要核查的规则包。")
    return hits[-1]
