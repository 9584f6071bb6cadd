"""What every rule shares: its parameters, its results, the pass/fail/amber judgement."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from zjsafety.core import divisions, labels
from zjsafety.rules.scope import Coverage, Scope
from zjsafety.store import audit_sql as q

REGISTRY: dict[str, type["Rule"]] = {}


class RuleParams(BaseModel):
    """A rule's entry in the pack. Each rule type adds its own typed thresholds."""

    model_config = ConfigDict(extra="forbid")
    id: str
    type: str
    clause: str
    title: str


@dataclass
class Context:
    conn: sqlite3.Connection
    scope: Scope
    as_of: date
    year: int | None  # --year: the calendar year yearly rules look at (default: as_of's)
    pack: dict[str, Any]
    allow_partial: bool = False  # judge a city/province figure on the counties that reported
    missing_limit: int | None = None  # keep at most this many missing items per result (None: all)
    history: tuple[int, ...] = ()  # earlier years a rule with a trend also gives (for reports)
    _units: dict = field(default_factory=dict, repr=False)

    @property
    def single_county(self) -> bool:
        return self.scope.single_county

    @property
    def scope_code(self) -> str:
        return self.scope.code

    def years(self) -> list[int]:
        """The calendar year yearly rules count: --year, else the as-of date's year."""
        return [self.year or self.as_of.year]

    def units(self, table: str, start: date | None = None, end: date | None = None) -> frozenset[str]:
        """The scope's reporting units holding rows of a table (dated in [start, end] when given);
        asked once per audit."""
        key = (table, start, end)
        if key not in self._units:
            self._units[key] = frozenset(q.reporting_units(
                self.conn, self.scope, table, start.isoformat() if start else None, end.isoformat() if end else None))
        return self._units[key]

    def cap(self, items: list) -> list:
        return items if self.missing_limit is None else items[:self.missing_limit]


def year_window(ctx: Context, year: int) -> tuple[date, date]:
    """1 January to 31 December of the year, or to the as-of date when that comes first."""
    return date(year, 1, 1), min(date(year, 12, 31), ctx.as_of)


def year_before(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


@dataclass
class Result:
    rule: str
    clause: str
    title: str
    scope: str
    sector: str | None
    level: str | None
    year: int | None
    numerator: float | None
    denominator: float | None
    ratio: float | None
    target: float | None
    status: str  # pass / fail / amber / n/a
    note: str
    missing: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    lower_is_better: bool = False
    missing_count: int | None = None  # all items that miss, when `missing` keeps only the first ones

    @property
    def missing_total(self) -> int:
        return len(self.missing) if self.missing_count is None else self.missing_count

    @property
    def on_schedule(self) -> bool:
        """Passed before its deadline without reaching the target yet (on the straight-line path)."""
        return self.status == "pass" and self.ratio is not None and self.target is not None and \
            not self.lower_is_better and self.ratio < self.target

    def status_label(self) -> str:
        """The status in Chinese, as tables and reports show it."""
        return labels.ON_SCHEDULE if self.on_schedule else labels.status(self.status)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("rule", "clause", "title", "scope", "sector", "level", "year",
                                           "numerator", "denominator", "ratio", "target", "status", "note",
                                           "missing")}
        d["missing_count"] = self.missing_total
        d["scope_name"] = divisions.full_name(self.scope)
        d.update(self.extra)
        return d


def judge(ratio: float | None, target: float | None, *, as_of: date, start: date | None = None,
          deadline: date | None = None, lower_is_better: bool = False) -> tuple[str, str]:
    """(status, note). Met -> pass. Not met after the deadline (or with none) -> fail. Before the
    deadline: at or above the straight line from `start` to the target -> pass (on schedule),
    below it -> amber."""
    if ratio is None or target is None:
        return "n/a", ""
    met = ratio <= target if lower_is_better else ratio >= target
    if met:
        return "pass", ""
    if deadline is None or as_of >= deadline:
        return "fail", ""
    if start is None or as_of <= start:
        return "amber", f"尚未到期（{deadline}）"
    frac = (as_of - start).days / max((deadline - start).days, 1)
    expected = target * frac
    if ratio >= expected:
        return "pass", f"尚未到期（{deadline}），按时间进度应达 {expected:.1%}，进度正常"
    return "amber", f"尚未到期（{deadline}），按时间进度应达 {expected:.1%}，进度落后"


class Rule(ABC):
    """A rule type. Subclasses set `type`, `Params`, and implement `run`."""

    type: ClassVar[str]
    Params: ClassVar[type[RuleParams]] = RuleParams
    summary: ClassVar[str] = ""  # what it measures, for README's catalogue
    # The tables a figure rests on: a county counts as reporting for the rule when it holds rows
    # of each (of the year, for a yearly rule). A city or province figure says how many of its
    # counties report, and is not judged while some do not (see `cover`).
    data_tables: ClassVar[tuple[str, ...]] = ()
    yearly: ClassVar[bool] = False
    aggregation: ClassVar[str] = "items"  # "items": over the items in scope; "reported": own totals first

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "type" in cls.__dict__:
            REGISTRY[cls.type] = cls

    def __init__(self, params: RuleParams):
        self.p = params

    @abstractmethod
    def run(self, ctx: Context) -> list[Result]:
        """The rule's figures for the context's scope."""

    def explain(self, ctx: Context, county: str | None, sector: str | None) -> list[dict]:
        return []

    def item_queries(self, ctx: Context) -> list[tuple[str, str, dict]]:
        """(name suffix, item SQL, parameters) behind the rule's figures, for a browser's canned
        queries; none for rules whose figures are not counted over items."""
        return []

    def reporting(self, ctx: Context, year: int | None = None) -> frozenset[str]:
        """The scope's reporting units that hold this rule's data (for the year, if yearly)."""
        period = year_window(ctx, year) if self.yearly and year else (None, None)
        sets = [ctx.units(t, *period) for t in self.data_tables]
        return frozenset.intersection(*sets) if sets else frozenset()

    def coverage(self, ctx: Context, year: int | None = None) -> Coverage:
        return ctx.scope.coverage(self.reporting(ctx, year))

    def result(self, ctx: Context, scope: str, *, sector=None, level=None, year=None, num=None, den=None,
               target=None, status="n/a", note="", missing=None, lower_is_better=False, ratio=None,
               missing_count=None, **extra) -> Result:
        if ratio is None and num is not None and den:
            ratio = num / den
        return Result(self.p.id, self.p.clause, self.p.title, scope, sector, level, year, num, den,
                      None if ratio is None else round(ratio, 6), target, status, note, missing or [], extra,
                      lower_is_better, missing_count)

    def na(self, ctx: Context, reason: str, **kw) -> Result:
        return self.result(ctx, ctx.scope_code, status="n/a", note=reason, **kw)

    def figures(self, ctx: Context, sql: str, params: dict, *, target: float, by_sector: bool = False,
                level=None, year=None, start=None, deadline=None, note="") -> list[Result]:
        """Per county (and sector), hits ÷ items of one item query, judged; plus the scope's
        roll-up when the scope holds several counties."""
        rows = q.figures(ctx.conn, ctx.scope, sql, params, by_sector=by_sector, limit=ctx.missing_limit)
        return self.judged(ctx, rows, target=target, level=level, year=year, start=start, deadline=deadline,
                           note=note)

    def judged(self, ctx: Context, rows: list[tuple], *, target: float, level=None, year=None, start=None,
               deadline=None, note="") -> list[Result]:
        """Results from (county, sector, denominator, numerator, missing) rows. For a city or the
        province, counties without the rule's data are left out (the roll-up says which), and rows
        filed under the scope's own code count in the roll-up only."""
        out: list[Result] = []
        groups: dict[Any, list] = {}
        if not ctx.single_county and self.data_tables:
            units = self.reporting(ctx, year)
            rows = [r for r in rows if r[0] in units]
        for county, sector, den, num, miss in rows:
            groups.setdefault(sector, []).append((county, den, num, miss))
        for sector, items in groups.items():
            per = []
            for county, den, num, miss in items:
                status, why = judge(num / den if den else None, target, as_of=ctx.as_of, start=start,
                                    deadline=deadline)
                per.append(self.result(ctx, county, sector=sector, level=level, year=year, num=num, den=den,
                                       target=target, status=status, note=_join(note, why), missing=miss,
                                       missing_count=den - num))
            if not ctx.single_county:
                den = sum(r.denominator for r in per)
                num = sum(r.numerator for r in per)
                status, why = judge(num / den if den else None, target, as_of=ctx.as_of, start=start,
                                    deadline=deadline)
                out.append(self.result(ctx, ctx.scope_code, sector=sector, level=level, year=year, num=num,
                                       den=den, target=target, status=status, note=_join(note, why),
                                       missing=ctx.cap([m for r in per for m in r.missing]),
                                       missing_count=den - num))
                per = [r for r in per if r.scope != ctx.scope_code]
            out.extend(per)
        return out


def cover(ctx: Context, r: Result, cov: Coverage, basis: str | None = None) -> Result:
    """A city or province result with what it rests on. Resting on some of its counties only, it
    is 数据不全 (partial) rather than 达标 or 未达标 — unless --allow-partial asks to judge it on
    the counties that reported, which the note then says."""
    r.extra["coverage"] = {**cov.to_dict(), **({"basis": basis} if basis else {})}
    if r.status == "n/a" and not cov.reporting:
        return r  # nothing imported: the note says so already
    text = "本级数据" if basis == "own" else cov.text()
    if not cov.complete and r.status in ("pass", "fail", "amber"):
        if ctx.allow_partial:
            text += "，按已报送的数据判定"
        else:
            r.extra["status_on_reported"] = r.status
            r.status = "partial"
            text += "，不判定是否达标"
    r.note = _join(text, r.note)
    return r


class RatioRule(Rule):
    """A rule whose figure is hits ÷ items of one item query (see store.audit_sql)."""

    by_sector: ClassVar[bool] = False
    data_table: ClassVar[str] = "enterprise"
    absent: ClassVar[str] = "未导入相关台账"

    @abstractmethod
    def item_query(self, ctx: Context) -> tuple[str, dict]:
        """(SQL from store.audit_sql, its parameters) listing the items the figure counts."""

    def window(self, ctx: Context) -> tuple[date | None, date | None]:
        """(start, deadline) used to judge; rules with no deadline return (None, None)."""
        return getattr(self.p, "window_start", None), getattr(self.p, "deadline", None)

    # further ledgers the figure needs (table, what to say when the scope holds none of it), and
    # columns of its own table that must have been filled somewhere (column(s), what to say):
    # without them the figure would be 0% where the truth is 无数据
    also_needs: ClassVar[tuple[tuple[str, str], ...]] = ()
    needs_columns: ClassVar[tuple[tuple[tuple[str, ...], str], ...]] = ()

    def missing_data(self, ctx: Context) -> str | None:
        """Why the scope's data cannot support the figure, or None."""
        if q.count_in_scope(ctx.conn, ctx.scope, self.data_table) == 0:
            return self.absent
        for table, why in self.also_needs:
            if q.count_in_scope(ctx.conn, ctx.scope, table) == 0:
                return why
        for cols, why in self.needs_columns:
            if not q.column_filled(ctx.conn, ctx.scope, self.data_table, cols):
                return why
        return None

    def run(self, ctx: Context) -> list[Result]:
        why = self.missing_data(ctx)
        if why:
            return [self.na(ctx, why)]
        sql, params = self.item_query(ctx)
        start, deadline = self.window(ctx)
        res = self.figures(ctx, sql, params, target=self.p.target, by_sector=self.by_sector, start=start,
                           deadline=deadline, note=self.note(ctx))
        return res or [self.na(ctx, "范围内没有需要计算的对象（分母为0）")]

    def note(self, ctx: Context) -> str:
        return ""

    def item_queries(self, ctx: Context) -> list[tuple[str, str, dict]]:
        return [("", *self.item_query(ctx))]

    def explain(self, ctx: Context, county: str | None, sector: str | None) -> list[dict]:
        sql, params = self.item_query(ctx)
        return q.explain_items(ctx.conn, ctx.scope, sql, params, county=county, sector=sector)


def _join(*parts: str) -> str:
    return "；".join(p for p in parts if p)
