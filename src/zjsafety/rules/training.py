"""The 2024—2026 plan's training action: the principal persons in charge of the enterprises in
the sectors the plan names for a year trained in that year (主要负责人安全培训记录)."""

from __future__ import annotations

import json
from datetime import date

from zjsafety.rules.base import Context, Result, RuleParams
from zjsafety.rules.coverage import RatioRule
from zjsafety.store import audit_sql as q


class PrincipalTraining(RatioRule):
    type = "principal_training"
    data_tables = ("enterprise", "training")
    yearly = True
    summary = ("主要负责人培训：方案列明某年重点培训的行业（按国民经济行业代码前缀）的企业中，当年有主要负责人培训记录的比例；"
               "方案未列明该年行业时无数据，企业台账没有行业代码时无数据")
    data_table = "training"
    absent = "未导入主要负责人安全培训记录"

    class Params(RuleParams):
        target: float
        industries: dict[str, list[str]]  # year -> industry code prefixes (GB/T 4754)
        described: dict[str, str]  # year -> what they are, in the plan's words
        roles: list[str]  # words of a role that is a principal person in charge

    def _year(self, ctx: Context) -> int:
        return ctx.years()[-1]

    def item_query(self, ctx: Context) -> tuple[str, dict]:
        year = self._year(ctx)
        return q.principal_training_sql(), {
            "start": date(year, 1, 1).isoformat(), "end": min(ctx.as_of, date(year, 12, 31)).isoformat(),
            "prefixes": json.dumps(self.p.industries.get(str(year), [])),
            "roles": json.dumps(self.p.roles, ensure_ascii=False)}

    def run(self, ctx: Context) -> list[Result]:
        year = self._year(ctx)
        if str(year) not in self.p.industries:
            return [self.na(ctx, f"方案未列明{year}年重点培训的行业", year=year)]
        why = self.missing_data(ctx)
        if why:
            return [self.na(ctx, why, year=year)]
        if not q.column_filled(ctx.conn, ctx.scope, "enterprise", ("industry_code",)):
            return [self.na(ctx, "企业台账没有国民经济行业代码（或从未填写），无法确定重点培训行业的企业", year=year)]
        sql, params = self.item_query(ctx)
        res = self.figures(ctx, sql, params, target=self.p.target, year=year, deadline=date(year, 12, 31),
                           note=f"{year}年重点：{self.p.described[str(year)]}")
        return res or [self.na(ctx, f"辖区没有{self.p.described[str(year)]}（按国民经济行业代码）", year=year)]
