"""Outcome rules: accidents against 2016 (二), the repeat-hazard watch list (四(二)),
and the plan's dated milestones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zjsafety.core import divisions, refdata
from zjsafety.core.normalize import fold
from zjsafety.store import audit_sql as q
from zjsafety.rules.base import Context, RatioRule, Result, Rule, RuleParams, cover, judge
from zjsafety.rules.scope import Coverage


@dataclass(frozen=True)
class _Figure:
    """One measure of one division, base year and year, as components (accidents; deaths;
    deaths and GDP): its own report, or the sum of its children's."""

    base: tuple
    cur: tuple
    basis: str  # "own" or "children"
    covered: frozenset[str]  # the counties it stands for
    children: "_Figure | None" = None  # beside an own figure: what its children add up to


class AccidentReduction(Rule):
    type = "accident_reduction"
    data_tables = ("accident_stat",)
    aggregation = "reported"
    summary = ("事故起数、死亡人数、亿元GDP死亡率与基准年（2016）相比的下降：目标年（2020）须分别下降40%、40%、55%；"
               "之前各年与通往目标的直线路径比较（落后为 amber）。分子为当年数，分母为基准年数，比值须不高于目标。"
               "汇总口径：县、市、省自己上报的数即其数；本级没有上报时才用下级合计，并注明覆盖了几个县"
               "（不全为“数据不全”）；本级数与下级合计不一致时列出差额")

    class Params(RuleParams):
        base_year: int
        target_year: int
        accidents: float
        deaths: float
        death_rate: float

    MEASURES = {"accidents": "事故起数", "deaths": "死亡人数", "death_rate": "亿元GDP死亡率"}
    COMPONENTS = {"accidents": (0,), "deaths": (1,), "death_rate": (1, 2)}  # of (accidents, deaths, gdp)

    def _year(self, ctx: Context) -> int:
        if ctx.year:
            return ctx.year
        # the latest complete calendar year
        return ctx.as_of.year if ctx.as_of >= date(ctx.as_of.year, 12, 31) else ctx.as_of.year - 1

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "accident_stat") == 0:
            return [self.na(ctx, "未导入事故统计")]
        p = self.p
        year = self._year(ctx)
        if year <= p.base_year:
            return [self.na(ctx, f"{year}年不晚于基准年 {p.base_year}，无可比较的年度")]
        years = sorted({year, *(y for y in ctx.history if p.base_year < y < year)})
        data = q.accident_totals(ctx.conn, ctx.scope, [p.base_year, *years])  # one query for every year
        kids, units = self._tree(ctx, {u for u, _ in data})
        out = []
        for y in years:
            for r in self._year_results(ctx, data, kids, units, y):
                if y != year:
                    r.extra["history"] = True  # a point of the trend, not a figure judged now
                out.append(r)
        return out

    def _tree(self, ctx: Context, present: set[str]) -> tuple[dict[str, set[str]], list[str]]:
        """Each division's children among those with data, and the divisions to report: the
        scope, then (for the province) its cities, then the counties, each once."""
        kids: dict[str, set[str]] = {}
        for u in present - {ctx.scope_code}:
            d = divisions.get(u)
            parent = d.parent if d and d.level == "county" else divisions.PROVINCE
            kids.setdefault(parent, set()).add(u)
            if parent != ctx.scope_code and parent != divisions.PROVINCE:
                kids.setdefault(divisions.PROVINCE, set()).add(parent)
        cities = sorted(c for c in kids.get(divisions.PROVINCE, ()) if c != ctx.scope_code) \
            if ctx.scope_code == divisions.PROVINCE else []
        counties = sorted(u for u in present if u != ctx.scope_code and u not in cities)
        return kids, [ctx.scope_code, *cities, *counties]

    def _under(self, ctx: Context, unit: str) -> frozenset[str]:
        """The counties a division's own report stands for."""
        d = divisions.get(unit)
        if d and d.level == "county":
            return frozenset(ctx.scope.coverage({unit}).reporting) or frozenset({unit})
        prefix = divisions.scope_prefix(unit)
        return frozenset(c for c in ctx.scope.expected if c.startswith(prefix))

    def _figure(self, ctx, data, kids, unit: str, year: int, comps: tuple) -> _Figure | None:
        def own(y):
            row = data.get((unit, y))
            return None if row is None or any(row[i] is None for i in comps) else tuple(row[i] for i in comps)
        parts = [f for k in sorted(kids.get(unit, ())) if (f := self._figure(ctx, data, kids, k, year, comps))]
        summed = _Figure(tuple(map(sum, zip(*(f.base for f in parts)))), tuple(map(sum, zip(*(f.cur for f in parts)))),
                         "children", frozenset().union(*(f.covered for f in parts))) if parts else None
        ob, oc = own(self.p.base_year), own(year)
        if ob is not None and oc is not None:
            return _Figure(ob, oc, "own", self._under(ctx, unit), summed)
        return summed

    def _year_results(self, ctx, data, kids, units, year: int) -> list[Result]:
        p = self.p
        frac = min(1.0, (year - p.base_year) / (p.target_year - p.base_year))
        out = []
        for unit in units:
            d = divisions.get(unit)
            roll_up = d is not None and d.level != "county"  # a city's or the province's figure
            for measure, label in self.MEASURES.items():
                reduction = getattr(p, measure)
                target = round(1 - reduction * frac, 6)
                f = self._figure(ctx, data, kids, unit, year, self.COMPONENTS[measure])
                r = self._judge(ctx, unit, measure, label, year, target, reduction * frac, f)
                if roll_up and f is not None:
                    cover(ctx, r, Coverage(ctx.scope.expected if unit == ctx.scope_code else
                                           tuple(sorted(self._under(ctx, unit))),
                                           tuple(sorted(f.covered))), f.basis)
                out.append(r)
        return out

    @staticmethod
    def _value(measure: str, v: tuple):
        return round(v[0] / v[1], 6) if measure == "death_rate" else v[0]

    def _judge(self, ctx, unit, measure, label, year, target, due, f: _Figure | None) -> Result:
        p = self.p
        if f is None:
            return self.result(ctx, unit, level=measure, year=year, status="n/a", measure=measure,
                               note=f"{label}：缺少{p.base_year}年或{year}年的数据" +
                                    ("（或GDP）" if measure == "death_rate" else ""))
        if measure == "death_rate" and (not f.base[1] or not f.cur[1]):
            return self.result(ctx, unit, level=measure, year=year, status="n/a", measure=measure,
                               note=f"{label}：GDP为0或缺失")
        num, den = self._value(measure, f.cur), self._value(measure, f.base)
        extra = {"measure": measure}
        kids_note = ""
        if f.children is not None:
            kid = None if measure == "death_rate" and not f.children.cur[1] else self._value(measure, f.children.cur)
            if kid is not None and kid != num:
                under = self._under(ctx, unit)
                extra.update(children_total=kid, difference=round(num - kid, 6),
                             children_coverage={"reporting": len(f.children.covered), "expected": len(under)})
                kids_note = (f"；下级合计 {kid:g}（覆盖 {len(f.children.covered)}/{len(under)} 个县），"
                             f"本级数比其{'多' if num > kid else '少'} {abs(num - kid):g}")
        if not den:
            return self.result(ctx, unit, level=measure, year=year, num=num, den=den, status="n/a",
                               note=f"{label}：基准年为0，无法计算下降率", **extra)
        ratio = num / den
        status, _ = judge(ratio, target, as_of=ctx.as_of, lower_is_better=True)
        if status == "fail" and year < p.target_year:
            status = "amber"  # off the straight-line path, the target year still ahead
        return self.result(ctx, unit, level=measure, year=year, num=num, den=den, target=target, status=status,
                           note=f"比{p.base_year}年应降 {due:.1%}，实降 {1 - ratio:.1%}{kids_note}", lower_is_better=True,
                           reduction=round(1 - ratio, 6), **extra)


class RepeatHazards(RatioRule):
    type = "repeat_hazards"
    data_tables = ("hazard",)
    summary = ("治反复观察名单：同一企业同类隐患（隐患类别，缺则按描述）整改后再次发现，或同一隐患状态由已整改回到未整改；"
               "分母为窗口内有隐患的企业，missing 为名单上的企业。名单非空为 amber，不计为不合格")
    data_table = "hazard"
    absent = "未导入隐患排查治理台账"

    class Params(RuleParams):
        window_start: date

    def item_query(self, ctx):
        return q.repeat_hazards_sql(), {"start": self.p.window_start.isoformat(),
                                                      "end": ctx.as_of.isoformat()}

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "hazard") == 0:
            return [self.na(ctx, self.absent)]
        sql, params = self.item_query(ctx)
        out = []
        for r in self.figures(ctx, sql, params, target=1.0, by_sector=False):
            on_list = r.denominator - r.numerator
            r.status = "amber" if on_list else "pass"
            r.target = None
            r.numerator, r.ratio = on_list, round(on_list / r.denominator, 6) if r.denominator else None
            r.note = f"观察名单 {on_list} 家 / 有隐患企业 {r.denominator} 家"
            out.append(r)
        return out or [self.na(ctx, "窗口内没有隐患记录")]


class Milestones(Rule):
    type = "milestones"
    data_tables = ("plan_task",)
    summary = ("计划中有期限的节点任务（data/plan/*.toml）：以工作任务台账中的完成日期为准（按任务编号，缺则按任务名称匹配）；"
               "已到期未完成为 fail，未到期未完成为 amber；未导入任务台账为 n/a")

    def run(self, ctx: Context) -> list[Result]:
        plan = refdata.plan(ctx.pack["milestones"])
        tasks = q.plan_tasks(ctx.conn, ctx.scope)
        if not tasks:
            return [self.na(ctx, "未导入工作任务台账")]
        want = [m for m in plan["milestone"] if m["scope"] != "province-dept" or ctx.scope.level == "province"]
        if ctx.single_county:
            want = [m for m in want if m["scope"] == "county"]
        by_county: dict[str, list[dict]] = {}
        for t in tasks:
            by_county.setdefault(t["county"] or ctx.scope_code, []).append(t)
        out = []
        for county, ts in sorted(by_county.items()):
            due, done_on_time, overdue, pending, details = 0, 0, [], [], []
            for m in want:
                t = next((t for t in ts if t["task_code"] == m["code"]), None) or \
                    next((t for t in ts if t["title"] and fold(t["title"]) == fold(m["title"])), None)
                completed = date.fromisoformat(t["completed_on"]) if t and t["completed_on"] else None
                deadline = m["deadline"]
                if completed and completed <= ctx.as_of:
                    due += deadline <= ctx.as_of
                    done_on_time += deadline <= ctx.as_of
                    late = completed > deadline
                    details.append({"code": m["code"], "deadline": str(deadline), "completed_on": str(completed),
                                    "late": late, "file": t["file"], "row": t["row"]})
                elif deadline <= ctx.as_of:
                    due += 1
                    overdue.append(m["code"])
                    details.append({"code": m["code"], "deadline": str(deadline), "completed_on": None,
                                    "title": m["title"], "file": t["file"] if t else None,
                                    "row": t["row"] if t else None})
                else:
                    pending.append(m["code"])
            status = "fail" if overdue else ("amber" if pending else "pass")
            note = "；".join(x for x in (
                f"到期未完成：{'、'.join(overdue)}" if overdue else "",
                f"未到期未完成：{'、'.join(pending)}" if pending else "") if x) or "到期节点均已完成"
            out.append(self.result(ctx, county, num=done_on_time, den=due, target=1.0 if due else None,
                                   status=status if due or pending else "n/a", note=note, missing=overdue,
                                   pending=pending, milestones=details))
        return out

    def explain(self, ctx, county, sector):
        out = []
        for r in self.run(ctx):
            if county and r.scope != county:
                continue
            for d in r.extra.get("milestones", []):
                if d.get("completed_on") is None:
                    out.append({"county": r.scope, "sector": None, "item": d["code"], "label": d.get("title"),
                                "hit": 0, "file": d.get("file"), "sheet": None, "row": d.get("row")})
        return out
