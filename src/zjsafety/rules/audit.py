"""Audit: run a plan's rule pack over the database for a scope and an as-of date.

    from zjsafety.rules.audit import run
    report = run(conn, "330106", date(2018, 12, 31))
    report.to_dict()["results"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from zjsafety.core import divisions, labels
from zjsafety.core.errors import UsageError
from zjsafety.core.normalize import CellError, canonical_sector
from zjsafety.rules.base import Context, Result, Rule, cover
from zjsafety.rules.pack import build_rules, load_pack
from zjsafety.rules.scope import Scope

AUTO = "auto"  # missing_limit: every item at county scope, the first 1,000 for a city or the province
CITY_LIMIT = 1000


@dataclass
class AuditReport:
    plan: str
    plan_title: str
    as_of: date
    scope: str
    results: list[Result]
    settings: dict[str, Any] = field(default_factory=dict)
    history: list[Result] = field(default_factory=list)  # earlier years of rules with a trend (`history=`)
    missing_limit: int | None = None

    @property
    def exit_code(self) -> int:
        """1 when a figure is not met, or cannot be judged for want of some counties' data."""
        return 1 if any(r.status in ("fail", "partial") for r in self.results) else 0

    def rule_statuses(self) -> dict[str, str]:
        """Each rule once, by its worst figure (its county × sector rows are its parts)."""
        worst = ["fail", "partial", "amber", "n/a", "pass"]
        out: dict[str, str] = {}
        for r in self.results:
            now = out.get(r.rule)
            out[r.rule] = r.status if now is None else min(now, r.status, key=lambda s: worst.index(s)
                                                             if s in worst else len(worst))
        return out

    def to_dict(self) -> dict:
        d = {"plan": self.plan, "plan_title": self.plan_title, "as_of": self.as_of.isoformat(),
             "scope": self.scope, "scope_name": divisions.full_name(self.scope), "settings": self.settings,
             "missing_limit": self.missing_limit, "results": [r.to_dict() for r in self.results]}
        if self.history:
            d["history"] = [r.to_dict() for r in self.history]
        return d


def _scope(scope: str | Scope, as_of: date) -> Scope:
    return scope if isinstance(scope, Scope) else Scope.of(scope, as_of)


def run(conn, scope: str | Scope, as_of: date | None = None, *, year: int | None = None,
        plan: str | Path | None = None, rules: list[str] | None = None, allow_partial: bool = False,
        missing_limit: int | None | str = AUTO, history: list[int] | None = None) -> AuditReport:
    """Every rule of the pack (or those named) for the scope; rolls up when the scope is a city
    or the province, showing each county too, and says what each roll-up rests on.

    `missing_limit`: how many missing items each result keeps (None: all; AUTO: all for a
    county, the first 1,000 for a city or the province; `missing_count` always gives the total).
    `history`: earlier years for which rules with a trend also give their figures, in the same
    run (in `.history`)."""
    as_of = as_of or date.today()
    pack = load_pack(plan, as_of)
    sc = _scope(scope, as_of)
    if missing_limit == AUTO:
        missing_limit = None if sc.single_county else CITY_LIMIT
    if missing_limit is not None and missing_limit < 0:
        raise UsageError("--missing-limit 不能是负数。")
    ctx = Context(conn, sc, as_of, year, pack, allow_partial=allow_partial, missing_limit=missing_limit,
                  history=tuple(history or ()))
    selected = build_rules(pack)
    if rules:
        unknown = set(rules) - {r.p.id for r in selected}
        if unknown:
            raise UsageError(f"规则包中没有规则：{'、'.join(sorted(unknown))}")
        selected = [r for r in selected if r.p.id in rules]
    results: list[Result] = []
    past: list[Result] = []
    for rule in selected:
        for r in rule.run(ctx):
            if not ctx.single_county and r.scope == ctx.scope_code and "coverage" not in r.extra:
                cover(ctx, r, rule.coverage(ctx, r.year))
            (past if r.extra.pop("history", False) else results).append(r)
    settings = {r.p.id: r.p.model_dump(exclude={"id", "type", "title", "clause"}, mode="json") for r in selected}
    return AuditReport(pack["plan"], pack["title"], as_of, ctx.scope.code, results, settings, past, missing_limit)


def coverage(conn, rule_id: str, scope: str | Scope, as_of: date | None = None, *, year: int | None = None,
             plan: str | Path | None = None) -> dict:
    """Which of the scope's counties hold the data a rule's figure rests on (for `audit explain`)."""
    as_of = as_of or date.today()
    pack = load_pack(plan, as_of)
    ctx = Context(conn, _scope(scope, as_of), as_of, year, pack)
    rule = _rule(pack, rule_id)
    cov = rule.coverage(ctx, ctx.years()[-1] if rule.yearly else None)
    return {**cov.to_dict(), "text": cov.text(), "missing_names": [divisions.full_name(c) for c in cov.missing]}


def _rule(pack: dict, rule_id: str) -> Rule:
    rule = next((r for r in build_rules(pack) if r.p.id == rule_id), None)
    if rule is None:
        raise UsageError(f"规则包中没有规则“{rule_id}”，可用：{'、'.join(r.p.id for r in build_rules(pack))}")
    return rule


def explain(conn, rule_id: str, scope: str | Scope, as_of: date | None = None, *, sector: str | None = None,
            year: int | None = None, level: str | None = None, plan: str | Path | None = None) -> list[dict]:
    """The items behind one rule's figure that miss it, with the file and row each came from."""
    as_of = as_of or date.today()
    pack = load_pack(plan, as_of)
    ctx = Context(conn, _scope(scope, as_of), as_of, year, pack)
    rule = _rule(pack, rule_id)
    if sector:
        try:
            sector = canonical_sector(sector)
        except CellError as e:
            raise UsageError(f"--sector：{e.message}") from None
    county = ctx.scope.code if ctx.single_county else None
    if level is not None and rule.type == "supervision_quota":
        return rule.explain(ctx, county, sector, level=level, year=year)
    return rule.explain(ctx, county, sector)


def explain_all(conn, report: AuditReport, *, year: int | None = None, plan: str | Path | None = None) -> dict[str, list[dict]]:
    """For every rule of a report, the items that miss, as `explain` lists them (name, code,
    file, row): the audit workbook shows exactly what `audit explain` shows."""
    pack = load_pack(plan, report.as_of)
    ctx = Context(conn, Scope(report.scope, report.as_of.year), report.as_of, year, pack)
    ids = {r.rule for r in report.results}
    out: dict[str, list[dict]] = {}
    for rule in build_rules(pack):
        if rule.p.id not in ids:
            continue
        if rule.type == "supervision_quota":
            items = []
            for level in rule.p.levels:
                items += [{**it, "level": level} for it in rule.explain(ctx, None, None, level=level, year=year)]
        else:
            items = rule.explain(ctx, None, None)
        out[rule.p.id] = items
    return out


def canned_queries(conn, scope: str | Scope, as_of: date | None = None, *, plan: str | Path | None = None) -> list[dict]:
    """For each rule counted over items, a query that stands alone listing its missing items for
    the scope at the date (one per level for the supervision quotas): what a browser offers."""
    from zjsafety.store.audit_sql import missing_items_query
    as_of = as_of or date.today()
    pack = load_pack(plan, as_of)
    ctx = Context(conn, _scope(scope, as_of), as_of, None, pack)
    out = []
    for rule in build_rules(pack):
        for suffix, sql, params in rule.item_queries(ctx):
            title = rule.p.title + (f"（{labels.level(suffix[1:])}）" if suffix else "")
            out.append({"name": rule.p.id + suffix, "title": f"{title}：缺项", "clause": rule.p.clause,
                        "sql": missing_items_query(ctx.scope, sql, params)})
    return out
