"""Yearly rules of 四(二)2 and 四(三)1: inspection quotas, the non-accident penalty share,
the annual major-hazard screening."""

from __future__ import annotations

from datetime import date
from typing import Literal

from zjsafety.store import audit_sql as q
from zjsafety.rules.base import Context, Result, Rule, RuleParams, judge, year_window


class SupervisionQuota(Rule):
    type = "supervision_quota"
    data_tables = ("enterprise", "inspection")
    yearly = True
    summary = ("每年有该层级督查记录的企业占辖区企业的比例：县级、市级按县（及合计），省级按行业领域"
               "（省级部门督查其牵头领域的企业）；年度未结束时按时间进度判断")
    data_table = "inspection"
    absent = "未导入督查记录"

    class Params(RuleParams):
        levels: dict[Literal["county", "city", "province"], float]

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "inspection") == 0:
            return [self.na(ctx, self.absent)]
        out: list[Result] = []
        for year in ctx.years():
            start, end = year_window(ctx, year)
            if not q.count_in_period(ctx.conn, ctx.scope, "inspection", start.isoformat(), end.isoformat()):
                out.append(self.na(ctx, f"未导入{year}年的督查记录", year=year))
                continue
            # province rows carry their sector: departments inspect the sectors they lead
            rows = q.supervision_figures(ctx.conn, ctx.scope, start.isoformat(), end.isoformat(), list(self.p.levels),
                                         limit=ctx.missing_limit)
            for level, target in self.p.levels.items():
                out.extend(self.judged(ctx, rows[level], target=target, level=level, year=year, start=start,
                                       deadline=date(year, 12, 31)))
        return out

    def item_queries(self, ctx):
        start, end = year_window(ctx, ctx.years()[-1])
        return [(f"-{level}", q.supervision_sql(level == "province"),
                 {"start": start.isoformat(), "end": end.isoformat(), "level": level}) for level in self.p.levels]

    def explain(self, ctx, county, sector, *, level: str = "county", year: int | None = None):
        year = year or ctx.years()[-1]
        start, end = year_window(ctx, year)
        sql = q.supervision_sql(level == "province")
        return q.explain_items(ctx.conn, ctx.scope, sql,
                               {"start": start.isoformat(), "end": end.isoformat(), "level": level},
                               county=county, sector=sector)


class PenaltyGrowth(Rule):
    type = "penalty_growth"
    data_tables = ("penalty",)
    yearly = True
    summary = ("每年非事故类处罚占全部处罚（已注明类别的）的比重，与上一年比较；"
               "“每年递增5%”按 reading 设置理解为百分点（points）或相对增幅（relative），结果中注明")
    data_table = "penalty"
    absent = "未导入行政处罚台账"

    class Params(RuleParams):
        growth: float
        reading: Literal["points", "relative"]

    def _shares(self, ctx: Context, year: int) -> dict[str, tuple[int, int]]:
        """county -> (non-accident penalties, penalties of known kind) in the year."""
        start, end = year_window(ctx, year)
        rows = q.aggregate(ctx.conn, ctx.scope, q.penalty_sql(), {"start": start.isoformat(), "end": end.isoformat()},
                           by_sector=False)
        return {county: (num, den) for county, _, den, num in rows}

    def _with_rollup(self, ctx: Context, cur: dict, prev: dict) -> tuple[dict, dict]:
        """The scope's roll-up, both years over the counties that reported this year (records
        under the scope's own code count in the roll-up only)."""
        if ctx.single_county or not cur:
            return cur, prev
        def total(d):
            vals = [d[c] for c in cur if c in d]
            return (sum(v[0] for v in vals), sum(v[1] for v in vals)) if vals else None
        roll_cur, roll_prev = total(cur), total(prev)
        cur = {**cur, ctx.scope_code: roll_cur}
        prev = {**prev, ctx.scope_code: roll_prev} if roll_prev else {k: v for k, v in prev.items() if k != ctx.scope_code}
        return cur, prev

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "penalty") == 0:
            return [self.na(ctx, self.absent)]
        g = f"{self.p.growth * 100:g}"
        reading = f"按百分点理解（比重每年至少提高 {g} 个百分点）" if self.p.reading == "points" else \
            f"按相对增幅理解（比重每年至少比上年提高 {g}%）"
        out = []
        for year in ctx.years():
            cur, prev = self._with_rollup(ctx, self._shares(ctx, year), self._shares(ctx, year - 1))
            if not cur:
                out.append(self.na(ctx, f"未导入{year}年的处罚记录（或均未注明是否事故处罚）", year=year))
                continue
            scopes = sorted(cur, key=lambda c: (c != ctx.scope_code, c))
            for scope in scopes:
                num, den = cur[scope]
                if scope not in prev or not prev[scope][1]:
                    out.append(self.result(ctx, scope, year=year, num=num, den=den, status="n/a",
                                           note=f"{year - 1}年无处罚数据，无法计算增幅；{reading}",
                                           reading=self.p.reading))
                    continue
                pshare = prev[scope][0] / prev[scope][1]
                target = pshare + self.p.growth if self.p.reading == "points" else pshare * (1 + self.p.growth)
                target = min(round(target, 6), 1.0)
                share = num / den if den else None
                status, why = judge(share, target, as_of=ctx.as_of, start=date(year, 1, 1),
                                    deadline=date(year, 12, 31))
                out.append(self.result(ctx, scope, year=year, num=num, den=den, target=target, status=status,
                                       note="；".join(x for x in (f"上年比重 {pshare:.1%}", reading, why) if x),
                                       reading=self.p.reading, previous_ratio=round(pshare, 6)))
        return out or [self.na(ctx, "统计年度内没有处罚记录")]

    def item_queries(self, ctx):
        start, end = year_window(ctx, ctx.years()[-1])
        return [("", q.penalty_sql(), {"start": start.isoformat(), "end": end.isoformat()})]

    def explain(self, ctx, county, sector):
        year = ctx.years()[-1]
        start, end = year_window(ctx, year)
        return q.explain_items(ctx.conn, ctx.scope, q.penalty_sql(), {"start": start.isoformat(), "end": end.isoformat()},
                               county=county, sector=None, only_missing=False)


class AnnualMajorHazardScreening(Rule):
    type = "annual_major_hazard_screening"
    data_tables = ("enterprise", "screening")
    yearly = True
    summary = "每年每个县的每个有企业的行业领域，是否至少开展过一次重大事故隐患专项排查（列出没有开展的领域）"
    data_table = "screening"
    absent = "未导入排查记录"

    class Params(RuleParams):
        target: float

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "screening") == 0:
            return [self.na(ctx, self.absent)]
        out = []
        for year in ctx.years():
            start, end = year_window(ctx, year)
            params = {"start": start.isoformat(), "end": end.isoformat()}
            if not q.count_in_period(ctx.conn, ctx.scope, "screening", start.isoformat(), end.isoformat()):
                out.append(self.na(ctx, f"未导入{year}年的排查记录", year=year))
                continue
            out.extend(self.figures(ctx, q.annual_major_hazard_screening_sql(), params, target=self.p.target,
                                    year=year, start=start, deadline=date(year, 12, 31),
                                    note="已开展重大隐患专项排查的行业领域数 / 有企业的行业领域数"))
        return out

    def item_queries(self, ctx):
        start, end = year_window(ctx, ctx.years()[-1])
        return [("", q.annual_major_hazard_screening_sql(), {"start": start.isoformat(), "end": end.isoformat()})]

    def explain(self, ctx, county, sector):
        year = ctx.years()[-1]
        start, end = year_window(ctx, year)
        return q.explain_items(ctx.conn, ctx.scope, q.annual_major_hazard_screening_sql(),
                               {"start": start.isoformat(), "end": end.isoformat()}, county=county, sector=None)
