"""What a ledger leaves implicit and says only in its file name, sheet name or title rows:
the county it covers (西湖区企业基本信息), the level of its inspections (县级督查), the
enterprise whose own register it is (杭州恒达机械有限公司隐患排查治理台账), that its hazards
are major ones (重大隐患). Each is used only where the rows and the command line say nothing,
and each is said once for the sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zjsafety.core import divisions, refdata
from zjsafety.importers.headers import HeaderMap, county_in_title, enterprise_in_title, year_in_title


@dataclass
class Context:
    county: str | None = None
    level: str | None = None
    enterprise: str | None = None
    major: bool = False
    year: int | None = None


def from_title(hm: HeaderMap) -> Context:
    words = refdata.load_toml("import.toml")["title_words"]
    title = hm.title
    ctx = Context()
    ctx.county = county_in_title(title)
    if hm.kind == "inspection" and "inspection_level" not in hm.columns.values():
        found = {lvl for word, lvl in words["levels"].items() if word in title}
        if len(found) == 1:
            ctx.level = found.pop()
    if "name" not in hm.columns.values() and "uscc" not in hm.columns.values():
        ctx.enterprise = enterprise_in_title(title)
    if hm.kind == "hazard" and "hazard_level" not in hm.columns.values():
        ctx.major = any(re.search(w, title) for w in words["major_hazards"])
    year_field = YEAR_FIELDS.get(hm.kind)
    if year_field and year_field not in hm.columns.values():
        ctx.year = year_in_title(title)
    return ctx


YEAR_FIELDS = {"accident_stat": "year", "above_scale_list": "list_year"}


def with_options(ctx: Context, *, county: str | None, level: str | None, enterprise: str | None,
                 year: int | None) -> Context:
    """The command line wins over the title: --county, --level, --enterprise, --year."""
    if county:
        ctx.county = None  # the loader takes --county itself, ahead of everything but the row
    ctx.level = level or ctx.level
    ctx.enterprise = enterprise or ctx.enterprise
    ctx.year = year or ctx.year
    return ctx


def describe(ctx: Context, used: set[str]) -> list[str]:
    """What rows took from the title (`used`), for the one finding that says so."""
    ctx = Context(**{k: (v if k in used else None) for k, v in vars(ctx).items()})
    out = []
    if ctx.county:
        out.append(f"所属县（市、区）为{divisions.full_name(ctx.county)}（未填的行）")
    if ctx.level:
        out.append(f"督查层级为{refdata.load_toml('import.toml')['title_words']['level_labels'][ctx.level]}（未填的行）")
    if ctx.enterprise:
        out.append(f"各行的企业为“{ctx.enterprise}”")
    if ctx.major:
        out.append("各行隐患为重大隐患")
    if ctx.year:
        out.append(f"年度为{ctx.year}年（未填的行）")
    return out
