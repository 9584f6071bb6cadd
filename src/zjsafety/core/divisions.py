"""GB/T 2260 divisions of Zhejiang: loose names and codes -> the 6-digit code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from zjsafety.core import refdata
from zjsafety.core.normalize import CellError, clean_text, clip, fold

PROVINCE = "330000"
LONGEST_NAME = 24  # characters in the longest name a division may be written with, and more
_SUFFIX = re.compile(r"(畲族自治县|自治县|新区|区|县|市)$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province / prefecture / county
    parent: str | None
    retired_in: int | None  # first year whose table lacks the code
    successors: tuple[str, ...]
    established_in: int | None = None  # first year whose table has the code (None: before 2016)

    @property
    def current(self) -> bool:
        return self.retired_in is None

    def in_force(self, year: int) -> bool:
        """Was the code in the division table of `year`?"""
        return (self.established_in is None or self.established_in <= year) and \
            (self.retired_in is None or self.retired_in > year)


@lru_cache(maxsize=1)
def all_divisions() -> dict[str, Division]:
    out = {}
    for r in refdata.load_csv("divisions.csv"):
        out[r["code"]] = Division(
            code=r["code"], name=r["name"], level=r["level"], parent=r["parent_code"] or None,
            retired_in=int(r["retired_in"]) if r["retired_in"] else None,
            successors=tuple(x for x in r["successors"].split(";") if x),
            established_in=int(r["established_in"]) if r["established_in"] else None,
        )
    return out


def get(code: str) -> Division | None:
    return all_divisions().get(code)


def full_name(code: str) -> str:
    d = get(code)
    if d is None:
        return code
    if d.level == "county" and d.parent:
        return all_divisions()[d.parent].name + d.name
    return d.name


@lru_cache(maxsize=1)
def _index() -> dict[str, list[str]]:
    idx: dict[str, list[str]] = {}

    def add(key: str, code: str) -> None:
        lst = idx.setdefault(fold(key), [])
        if code not in lst:
            lst.append(code)

    divs = all_divisions()
    for d in divs.values():
        short = _SUFFIX.sub("", d.name) if len(d.name) > 2 else d.name
        names = {d.name, short}
        if d.level == "province":
            names |= {"浙江", "全省"}
        for n in names:
            add(n, d.code)
            add("浙江省" + n, d.code)
            add("浙江" + n, d.code)
            if d.level == "county" and d.parent:
                p = divs[d.parent]
                pshort = _SUFFIX.sub("", p.name)
                for pn in (p.name, pshort):
                    add(pn + n, d.code)
                    add("浙江省" + pn + n, d.code)
    return idx


def _prefer_current(codes: list[str]) -> list[str]:
    divs = all_divisions()
    cur = [c for c in codes if divs[c].current]
    return cur if len(cur) == 1 else codes


def resolve(value: object, *, strict: bool = False) -> str | None:
    """A county column's value -> division code. Accepts codes (330106, 330106.0, '3301'),
    names (西湖, 西湖区, 杭州市西湖区, 浙江省杭州市西湖区). Raises CellError when the name
    is unknown or matches several divisions (naming the candidates). A ledger cell may carry a
    township after the county (西湖区三墩镇): the longest known start is taken, unless
    `strict` (a command-line value, which must name exactly one division)."""
    s = clean_text(value)
    if s is None:
        return None
    key = fold(s)
    if re.fullmatch(r"\d{4}(\d{2})?", key):
        code = key if len(key) == 6 else key + "00"
        if code in all_divisions():
            return code
        raise CellError("unknown_division", f"行政区划代码“{clip(s)}”不在浙江省区划表中")
    hits = _index().get(key)
    near = None
    if not hits:
        for n in range(min(len(key) - 1, LONGEST_NAME), 1, -1):  # a name is a few characters long
            near = _index().get(key[:n])
            if near:
                break
        if not strict:
            hits = near
    if not hits:
        hint = ("；最接近的是：" + "、".join(f"{full_name(c)}({c})" for c in _prefer_current(near))) if near else ""
        raise CellError("unknown_division", f"“{clip(s)}”不是浙江省的县（市、区）、市或省的名称或代码{hint}")
    hits = _prefer_current(hits)
    if len(hits) > 1:
        cands = "、".join(f"{full_name(c)}({c})" for c in hits)
        raise CellError("ambiguous_division", f"“{s}”可能是：{cands}，请写全称或代码")
    return hits[0]


def in_scope(code: str, scope: str) -> bool:
    """Is division `code` inside `scope` (330000 province, 3301/330100 city, 330106 county)?"""
    return code.startswith(scope_prefix(scope))


def scope_prefix(scope: str) -> str:
    s = scope.strip()
    if s == PROVINCE or s == "33":
        return "33"
    if len(s) == 6 and s.endswith("00"):
        return s[:4]
    return s


def counties_in(scope: str, *, include_retired: bool = True) -> list[str]:
    p = scope_prefix(scope)
    return sorted(c for c, d in all_divisions().items()
                  if d.level == "county" and c.startswith(p) and (include_retired or d.current))


def absorbed_into(code: str) -> list[str]:
    """Retired codes whose whole area went to `code` (下城区 330103 -> 拱墅区 330105)."""
    return sorted(d.code for d in all_divisions().values()
                  if d.retired_in and d.successors == (code,))
