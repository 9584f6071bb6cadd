"""The area a command looks at, as a value passed to every query.

A scope is a division (county, city or the province) seen in a given year: a county code
retired before that year whose whole area went to one successor (下城区 330103 -> 拱墅区
330105 in 2021) reports under the successor; one split between several (江干区) keeps its own
row. `mapping` lists (code as stored, reporting county) for every code inside the scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from zjsafety.core import divisions
from zjsafety.core.errors import UsageError
from zjsafety.core.normalize import CellError


@dataclass(frozen=True)
class Scope:
    code: str  # six digits: 330106, 330100, 330000
    year: int  # the year whose division table applies (the as-of date's)

    @classmethod
    def of(cls, text: str | None, as_of: date) -> "Scope":
        """'330106', '西湖区', '3301', '杭州市', '330000', '浙江省' -> a scope; anything that is
        not exactly one division of Zhejiang is a usage error naming the candidates."""
        if text is None or not str(text).strip():
            raise UsageError("请用 --scope 指定范围（县、市或省的代码或名称，如 330106、杭州市、330000），"
                             "或在 zjsafety.toml 中设置 scope。")
        try:
            code = divisions.resolve(text, strict=True)
        except CellError as e:
            raise UsageError(f"--scope：{e.message}") from None
        return cls(code, as_of.year)

    @property
    def prefix(self) -> str:
        return divisions.scope_prefix(self.code)

    @property
    def level(self) -> str:
        d = divisions.get(self.code)
        return d.level if d else "county"

    @property
    def single_county(self) -> bool:
        return self.level == "county"

    @property
    def wide(self) -> bool:
        """The province: queries read whole tables in order rather than county by county."""
        return self.level == "province"

    @property
    def name(self) -> str:
        return divisions.full_name(self.code)

    @property
    def key(self) -> str:
        """Names the scope's temporary table: the same scope and year, the same table."""
        return f"{self.prefix}_{self.year}"

    @cached_property
    def mapping(self) -> tuple[tuple[str, str], ...]:
        rows = []
        for d in divisions.all_divisions().values():
            county = d.code
            if d.retired_in and len(d.successors) == 1 and self.year >= d.retired_in:
                county = d.successors[0]
            if county.startswith(self.prefix):
                rows.append((d.code, county))
        return tuple(sorted(rows))

    @cached_property
    def counties(self) -> list[str]:
        """The reporting counties of the scope (current ones and retired ones still reporting)."""
        return sorted({c for _, c in self.mapping if divisions.get(c) and divisions.get(c).level == "county"})
