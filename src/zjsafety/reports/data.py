"""Progress reports for the city and the province: every figure is an audit result.

    from zjsafety.reports import build, write
    data = build(conn, "3301", date(2019, 6, 30))
    write(data, Path("杭州市三年行动进展.xlsx"))     # or .docx / .md / .html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zjsafety.core import divisions, labels, refdata
from zjsafety.core.clock import beijing_today
from zjsafety.core.errors import UsageError
from zjsafety.rules import Result
from zjsafety.rules.base import year_before
from zjsafety.rules.audit import AuditReport, explain_all, run
from zjsafety.rules.pack import load_pack
from zjsafety.rules.scope import Scope
from zjsafety.store import report_sql



@dataclass
class ReportData:
    scope: str
    as_of: date
    audit: AuditReport
    phase: dict | None
    sources: list[dict]
    trend: list[Result]  # the trend rule's results, one audit per year
    pack: dict = field(default_factory=dict)
    since: date | None = None
    before: AuditReport | None = None
    changes: dict[str, dict] = field(default_factory=dict)
    items: dict[str, list[dict]] = field(default_factory=dict)  # rule -> items that miss (explain rows)
    office: str = ""  # 发文机关: who signs the report
    written_on: date = field(default_factory=lambda: beijing_today())

    @property
    def scope_name(self) -> str:
        return divisions.full_name(self.scope)

    same_period: AuditReport | None = None  # with `since`: the progress rules a year before as_of
    same_period_date: date | None = None

    @property
    def title_parts(self) -> list[str]:
        """The title in words (the pack's wording), for breaking lines between them."""
        return [p.format(scope=self.scope_name) for p in self.pack["report"]["title_parts"]]

    @property
    def title(self) -> str:
        return "".join(self.title_parts)

    def results(self, rule: str) -> list[Result]:
        return [r for r in self.audit.results if r.rule == rule]

    def county_rows(self) -> list[Result]:
        """The results of single counties (the roll-up rows left out), for 'below target' lists."""
        single = divisions.get(self.scope) is not None and divisions.get(self.scope).level == "county"
        return [r for r in self.audit.results if single or r.scope != self.audit.scope]

    @property
    def sections(self) -> list[dict]:
        return self.pack["section"]

    def chart_rule(self, chart: str) -> str | None:
        """The rule a chart draws (the first rule of the section that asks for it)."""
        return next((sec["rules"][0] for sec in self.sections if sec.get("chart") == chart), None)

    @property
    def target_year(self) -> int | None:
        rule = self.chart_rule("trend")
        return (self.audit.settings.get(rule) or {}).get("target_year") if rule else None

    def trend_rows(self) -> list[dict]:
        """Per year from the base year (2016): accidents and deaths, and the straight-line path
        value for each (the base year's path is the base itself)."""
        rows: dict[int, dict] = {}
        base_year = self.pack.get("base_year")
        for r in self.trend:
            if r.status == "n/a" or r.level == "death_rate":
                continue
            row = rows.setdefault(r.year, {"year": r.year})
            row[r.level] = r.numerator
            row[r.level + "_path"] = r.denominator * r.target
            if base_year is not None and r.denominator is not None:
                base = rows.setdefault(base_year, {"year": base_year})
                base[r.level] = base[r.level + "_path"] = r.denominator
        return [rows[y] for y in sorted(rows)]

    def coverage_by_county(self) -> list[tuple[str, int, int]]:
        """(county, hits, items) of the coverage chart's rule, summed over sectors from the audit's rows."""
        acc: dict[str, list[int]] = {}
        rule = self.chart_rule("coverage")
        for r in self.results(rule) if rule else []:
            if r.denominator is None:
                continue
            a = acc.setdefault(r.scope, [0, 0])
            a[0] += int(r.numerator)
            a[1] += int(r.denominator)
        return [(c, n, d) for c, (n, d) in sorted(acc.items())]

    def below_target(self) -> list[Result]:
        return [r for r in self.county_rows() if r.status == "fail"]

    def overdue_milestones(self) -> list[tuple[str, str, str]]:
        """(county, code, title) of milestones past their deadline without completion."""
        plan = refdata.plan(self.pack["milestones"])
        titles = {m["code"]: m["title"] for m in plan["milestone"]}
        return [(r.scope, code, titles.get(code, "")) for r in self.audit.results
                if r.extra.get("milestones") is not None for code in r.missing]


    def pending_milestones(self) -> list[tuple[str, str, date]]:
        """(county, title, deadline) of milestones not yet due and not yet done."""
        plan = refdata.plan(self.pack["milestones"])
        by_code = {m["code"]: m for m in plan["milestone"]}
        return [(r.scope, by_code[code]["title"], by_code[code]["deadline"]) for r in self.county_rows()
                if r.extra.get("milestones") is not None for code in r.extra.get("pending", []) if code in by_code]

    def comparisons(self) -> list[tuple[str, list[tuple[Result, Result]]]]:
        """Pairs (now, then) of the progress rules' figures that can be compared: cumulative
        ones and those of the same year with the earlier date ("since"); yearly ones of a
        later year with the same part of the year before ("same_period"), never a year just
        begun with a whole one."""
        rules = self.pack["report"]["progress_rules"]
        key = lambda r: (r.rule, r.scope, r.sector, r.level)  # noqa: E731
        before = {key(r): r for r in (self.before.results if self.before else [])}
        earlier = {key(r): r for r in (self.same_period.results if self.same_period else [])}
        since, same = [], []
        for r in self.audit.results:
            if r.rule not in rules or r.scope != self.audit.scope or r.ratio is None:
                continue
            b = before.get(key(r))
            if b is not None and b.ratio is not None and b.year == r.year:
                if abs(r.ratio - b.ratio) > 1e-9:
                    since.append((r, b))
                continue
            e = earlier.get(key(r))
            if r.year is not None and e is not None and e.ratio is not None and e.year == r.year - 1 \
                    and abs(r.ratio - e.ratio) > 1e-9:
                same.append((r, e))
        return [("since", since), ("same_period", same)]


def phase_at(day: date, plan_name: str) -> dict | None:
    for p in refdata.plan(plan_name)["phase"]:
        if p["start"] <= day <= p["end"]:
            return p
    return None


def build(conn, scope: str, as_of: date, *, since: date | None = None, plan: str | None = None,
          office: str | None = None, allow_partial: bool = False) -> ReportData:
    """Everything a report shows. Figures: one audit at as_of, which also gives the trend
    chart's earlier years; with `since`, the progress rules audited at that date as well."""
    if since and since >= as_of:
        raise UsageError("--since 应早于 --as-of。")
    sc = Scope.of(scope, as_of)
    pack = load_pack(plan, as_of)
    last_year = as_of.year if as_of >= date(as_of.year, 12, 31) else as_of.year - 1
    audit = run(conn, sc, as_of, plan=plan, allow_partial=allow_partial,
                history=list(range(pack["first_year"], last_year)))
    data = ReportData(audit.scope, as_of, audit, phase_at(as_of, pack["milestones"]), report_sql.sources(conn), [],
                      pack=pack, items=explain_all(conn, audit, plan=plan),
                      office=office or f"{sc.name}安全生产委员会办公室")
    trend_rule = data.chart_rule("trend")
    data.trend = sorted((r for r in audit.history + audit.results if r.rule == trend_rule and r.scope == audit.scope),
                        key=lambda r: r.year or 0)
    if since:
        data.since = since
        data.before = run(conn, Scope(sc.code, since.year), since, plan=plan, allow_partial=allow_partial,
                          rules=pack["report"]["progress_rules"])
        data.changes = report_sql.changes(conn, sc, since.isoformat(), as_of.isoformat())
        if since.year != as_of.year:  # yearly figures: the same part of the previous year
            day = year_before(as_of)
            data.same_period_date = day
            data.same_period = data.before if day == since else run(
                conn, Scope(sc.code, day.year), day, plan=plan, allow_partial=allow_partial,
                rules=pack["report"]["progress_rules"])
    return data


def ratio_target(r: Result) -> tuple[str, str]:
    """比例 and 目标 of a result as a reader takes them, in every table (terminal, workbook,
    document): a fall for lower-is-better figures; a change in count for counts set against
    the same part of the year before."""
    if r.extra.get("same_period") and r.numerator is not None:
        change = int(r.numerator - r.denominator)
        return ("持平" if change == 0 else f"增加{change}项" if change > 0 else f"减少{-change}项"), "不多于上年同期"
    if r.lower_is_better and r.ratio is not None and r.target is not None:
        return f"下降{fmt_ratio(1 - r.ratio)}", f"下降{fmt_ratio(1 - r.target)}"
    return fmt_ratio(r.ratio), fmt_ratio(r.target)


def fmt_ratio(x: Any) -> str:
    return "—" if x is None else f"{x:.1%}"


def fmt_num(x: Any) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


def result_label(r: Result) -> str:
    """What a result counts, for people: 县级·工矿商贸, 事故起数, 道路交通 …"""
    if r.sector and r.level:
        return f"{labels.level(r.level)}·{r.sector}"
    return r.sector or labels.level(r.level)
