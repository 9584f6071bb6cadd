"""Coverage and registration rules of 四(二)1 and 四(三)1–2: ratios of items that meet a condition."""

from __future__ import annotations

from datetime import date

from zjsafety.core import labels
from zjsafety.store import audit_sql as q
from zjsafety.rules.base import Context, RatioRule, Result, RuleParams


EVER = date(1949, 1, 1)  # "no window": every record up to the as-of date counts


def _period(ctx: Context, start: date | None) -> dict:
    return {"start": (start or EVER).isoformat(), "end": ctx.as_of.isoformat()}


class TargetParams(RuleParams):
    """A ratio target. The window and deadline are optional in a pack: a rule without a window
    counts every record up to the as-of date; one without a deadline fails when below target."""

    target: float
    window_start: date | None = None
    deadline: date | None = None


class SimpleRatio(RatioRule):
    """A ratio rule whose item query is one function of store.audit_sql, counted from the
    pack's window_start (when `windowed`) to the as-of date."""

    Params = TargetParams
    sql: staticmethod
    windowed: bool = True

    def item_query(self, ctx):
        return type(self).sql(), _period(ctx, self.p.window_start if self.windowed else None)


class ScreeningCoverage(RatioRule):
    type = "screening_coverage"
    data_tables = ("enterprise", "screening")
    summary = ("企业（按县×行业领域）在统计窗口内有至少一条排查记录的比例；分母为窗口开始时未关闭的企业，"
               "一家企业属多个行业领域时在每个领域各计一次")
    by_sector = True
    data_table = "screening"
    absent = "未导入排查记录"

    class Params(TargetParams):
        sectors: list[str]

    def item_query(self, ctx):
        return q.screening_coverage_sql(), {**_period(ctx, self.p.window_start),
                                            "sectors": q.sectors_json(self.p.sectors)}

    def note(self, ctx):
        return f"统计窗口 {self.p.window_start} 至 {ctx.as_of}"


class AboveScaleEntry(RatioRule):
    type = "above_scale_entry"
    data_tables = ("enterprise",)
    summary = ("规上企业入库率。分母：导入了规上企业名录时为名录中的企业（并列出名录外标为规上的企业、名录内重复和无法确定"
               "所属县的条目），否则为台账标为规上的企业。分子：台账有“是否已入库”列时按该标记；没有时退而按企业库中"
               "找到该企业且基本信息（required_fields）齐全判断，结果中注明所用的依据")
    data_table = "enterprise"

    class Params(TargetParams):
        required_fields: list[str]

    def _basis(self, ctx) -> tuple[str, int | None, bool]:
        """(list or flag, the list's year, whether the 入库 flag is known in the scope)."""
        entered = q.has_entered_flag(ctx.conn, ctx.scope)
        if q.has_above_scale_list(ctx.conn):
            return "list", q.latest_list_year(ctx.conn, ctx.as_of.year), entered
        return "flag", None, entered

    def item_query(self, ctx):
        mode, year, entered = self._basis(ctx)
        if mode == "list":
            return q.above_scale_list_sql(entered, self.p.required_fields), {**_period(ctx, None), "list_year": year}
        return q.above_scale_flag_sql(entered, self.p.required_fields), _period(ctx, None)

    def run(self, ctx: Context) -> list[Result]:
        mode, year, entered = self._basis(ctx)
        res = super().run(ctx)
        how = ("按台账“是否已入库”标记" if entered else
               "台账没有“是否已入库”标记，按企业库中基本信息是否齐全（"
               + "、".join(labels.field("enterprise", f) for f in self.p.required_fields) + "）判断")
        extra: dict = {"basis": mode, "entered_flag": entered}
        note = how
        if mode == "list":
            others = q.above_scale_extra(ctx.conn, ctx.scope, year)
            dups = q.above_scale_duplicates(ctx.conn, year)
            unplaced = q.above_scale_unplaced(ctx.conn, year)
            note = (f"按{year or ''}年规上企业名录核对，{how}；名录外标为规上的企业 {len(others)} 家，"
                    f"名录内重复 {len(dups)} 条")
            if unplaced:
                note += f"；名录中 {len(unplaced)} 家无法确定所属县（市、区），未计入任何县，结果不能判为达标"
            extra.update({"list_year": year, "extra": others, "duplicates": dups, "unplaced": unplaced})
        for r in res:
            r.note = "；".join(x for x in (r.note, note) if x)
            r.extra.update(extra)
            if mode == "list" and extra["unplaced"] and r.status == "pass":
                r.status = "amber"  # a figure that cannot see every row of the list is not a pass
        return res


class MajorHazardRegistration(SimpleRatio):
    type = "major_hazard_registration"
    data_tables = ("hazard", "major_hazard_register")
    also_needs = (("major_hazard_register", "未导入重大事故隐患登记表"),)
    summary = "窗口内发现的重大事故隐患中，已列入重大事故隐患登记表（按隐患编号）的比例"
    by_sector = True
    data_table = "hazard"
    absent = "未导入隐患排查治理台账"
    sql = staticmethod(q.major_hazard_registration_sql)

    def run(self, ctx):
        res = super().run(ctx)
        return _sector_totals(self, ctx, res)


class MajorRiskRegistration(SimpleRatio):
    type = "major_risk_registration"
    data_tables = ("major_risk",)
    summary = "已辨识的重大安全风险/重大危险源中，已登记（备案）的比例"
    data_table = "major_risk"
    absent = "未导入重大安全风险/重大危险源台账"
    sql = staticmethod(q.major_risk_registration_sql)
    windowed = False


class ListedSupervision(SimpleRatio):
    type = "listed_supervision"
    data_tables = ("hazard",)
    summary = "窗口内的重大隐患中已挂牌督办的比例；另列出超过整改期限仍未整改的重大隐患（overdue）"
    data_table = "hazard"
    absent = "未导入隐患排查治理台账"
    needs_columns = ((("listed",), "隐患台账中没有“是否挂牌督办”一列（或从未填写），无法计算挂牌督办率"),)
    sql = staticmethod(q.listed_supervision_sql)

    def explain(self, ctx, county, sector):
        """The major hazards not listed, then those past their deadline and still open as of the
        date (by ledger number, enterprise, deadline, file and row)."""
        listed = super().explain(ctx, county, sector)
        _, params = self.item_query(ctx)
        return listed + q.explain_items(ctx.conn, ctx.scope, q.overdue_sql(), params, county=county, sector=sector)

    def run(self, ctx):
        res = super().run(ctx)
        start = (self.p.window_start or EVER).isoformat()
        overdue = q.overdue_major_hazards(ctx.conn, ctx.scope, start, ctx.as_of.isoformat())
        for r in res:
            if r.status == "n/a" and r.denominator is None:
                continue
            mine = [h for c in sorted(overdue) for h in overdue[c]] \
                if r.scope == ctx.scope_code and not ctx.single_county else overdue.get(r.scope, [])
            r.extra["overdue"] = ctx.cap(mine)
            r.extra["overdue_count"] = len(mine)
            if mine:
                r.note = "；".join(x for x in (r.note, f"超期未整改重大隐患 {len(mine)} 项") if x)
        return res


class DualReport(SimpleRatio):
    type = "dual_report"
    data_tables = ("hazard",)
    summary = "规上企业的重大隐患中，既向负有监管职责的部门、又向职代会（从业人员）报告的比例"
    data_table = "hazard"
    absent = "未导入隐患排查治理台账"
    needs_columns = ((("report_dept",), "隐患台账中没有“向监管部门报告”一列（或从未填写），无法计算双报告率"),
                     (("report_workers",), "隐患台账中没有“向职代会报告”一列（或从未填写），无法计算双报告率"))
    sql = staticmethod(q.dual_report_sql)


class RiskGrid(SimpleRatio):
    type = "risk_grid"
    data_tables = ("major_risk",)
    summary = "重大安全风险/重大危险源中，已明确网格及属地责任政府或监管部门的比例"
    data_table = "major_risk"
    absent = "未导入重大安全风险/重大危险源台账"
    sql = staticmethod(q.risk_grid_sql)
    windowed = False


def _sector_totals(rule: RatioRule, ctx: Context, res: list[Result]) -> list[Result]:
    """For rules counted per sector, add the all-sector figure of each county (sector None)."""
    from zjsafety.rules.base import judge
    if not res or res[0].denominator is None:
        return res
    by_scope: dict[str, list[Result]] = {}
    for r in res:
        by_scope.setdefault(r.scope, []).append(r)
    out = []
    start, deadline = rule.window(ctx)
    for scope, rs in by_scope.items():
        den = sum(r.denominator for r in rs)
        num = sum(r.numerator for r in rs)
        status, why = judge(num / den if den else None, rule.p.target, as_of=ctx.as_of, start=start,
                            deadline=deadline)
        out.append(rule.result(ctx, scope, num=num, den=den, target=rule.p.target, status=status,
                               note="；".join(x for x in (rule.note(ctx), why, "各行业领域合计") if x),
                               missing=ctx.cap(sorted(m for r in rs for m in r.missing)), missing_count=den - num))
        out.extend(rs)
    return out
