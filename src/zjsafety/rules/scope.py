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

    @cached_property
    def expected(self) -> tuple[str, ...]:
        """The counties that should report for the scope: the county-level divisions inside it in
        force in its year (for a county scope, the county itself)."""
        if self.single_county:
            return (self.code,)
        return tuple(sorted(d.code for d in divisions.all_divisions().values()
                            if d.level == "county" and d.code.startswith(self.prefix) and d.in_force(self.year)))

    def coverage(self, units: set[str] | frozenset[str]) -> "Coverage":
        """Which expected counties the reporting units (codes as the scope map gives them) stand
        for: a county by its own rows, or by those of a retired code whose area it took."""
        covered = set()
        for u in units:
            covered.add(u)
            d = divisions.get(u)
            if d and d.retired_in and d.retired_in <= self.year:  # its area reports under them now
                covered.update(d.successors)
        reporting = tuple(c for c in self.expected if c in covered)
        return Coverage(self.expected, reporting)


@dataclass(frozen=True)
class Coverage:
    """What a city or province figure rests on: its counties, and those that sent the data."""

    expected: tuple[str, ...]
    reporting: tuple[str, ...]

    @property
    def missing(self) -> list[str]:
        return [c for c in self.expected if c not in self.reporting]

    @property
    def complete(self) -> bool:
        return not self.missing

    def text(self) -> str:
        """数据覆盖 1/13 个县（市、区）（缺上城区、下城区、江干区等 12 个）"""
        s = f"数据覆盖 {len(self.reporting)}/{len(self.expected)} 个县（市、区）"
        miss = self.missing
        if miss:
            names = "、".join(divisions.get(c).name for c in miss[:3])
            s += f"（缺{names}{f'等 {len(miss)} 个' if len(miss) > 3 else ''}）"
        return s

    def to_dict(self) -> dict:
        return {"expected": len(self.expected), "reporting": len(self.reporting), "missing": self.missing}
