"""Rules of the 安全生产治本攻坚三年行动 (2024—2026): the stock of major hazards cleared, their
increase curbed, and dynamic clearance (none left past its deadline) — each on the dates the
ledgers give, as of the audit's date."""

from __future__ import annotations

from datetime import date

from zjsafety.rules.base import Context, Result, Rule, RuleParams, year_before
from zjsafety.rules.coverage import EVER, SimpleRatio, TargetParams, _sector_totals
from zjsafety.store import audit_sql as q


class _MajorHazards(SimpleRatio):
    """A share of major hazards from the hazard ledger, per county and sector with each
    county's all-sector total."""

    data_tables = ("hazard",)
    data_table = "hazard"
    absent = "未导入隐患排查治理台账"
    by_sector = True

    def run(self, ctx):
        return _sector_totals(self, ctx, super().run(ctx))


class HazardStock(_MajorHazards):
    type = "hazard_stock"
    summary = ("存量清零（按县、按行业领域及合计）：发现日期在 stock_end 及以前、且在 stock_end 时仍未整改的重大隐患中，到截至日期已整改"
               "（按台账的整改、销号日期）的比例；列出仍未整改的")

    class Params(TargetParams):
        stock_end: date

    def item_query(self, ctx):
        return q.hazard_stock_sql(), {"start": EVER.isoformat(), "end": ctx.as_of.isoformat(),
                                      "stock_end": self.p.stock_end.isoformat()}

    def note(self, ctx):
        return f"存量：{self.p.stock_end.year}年及以前发现、{self.p.stock_end}时仍未整改的重大隐患"


class HazardDynamic(_MajorHazards):
    type = "hazard_dynamic"
    summary = ("动态清零（按县、按行业领域及合计）：整改期限已过（截至日期前）的重大隐患中，到截至日期已整改的比例；目标为全部整改"
               "（超期未整改为 0），列出超期未整改的")
    needs_columns = ((("deadline",), "隐患台账中没有“整改期限”一列（或从未填写），无法判断是否超期"),)
    sql = staticmethod(q.overdue_sql)
    windowed = False


class HazardIncrement(Rule):
    type = "hazard_increment"
    data_tables = ("hazard",)
    yearly = True
    summary = ("增量遏制：本年1月1日至截至日期发现的重大隐患数，与上年同期比较（按县、按行业领域）；"
               "不多于上年同期为遏制，多于上年同期在期限前为预警、期限后为未达标；上年同期没有任何隐患记录时无数据")

    class Params(RuleParams):
        deadline: date

    def _periods(self, ctx: Context) -> tuple[date, date, date, date]:
        year = ctx.years()[-1]
        end = min(ctx.as_of, date(year, 12, 31))
        return date(year, 1, 1), end, date(year - 1, 1, 1), year_before(end)

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "hazard") == 0:
            return [self.na(ctx, "未导入隐患排查治理台账")]
        start, end, pstart, pend = self._periods(ctx)
        year = start.year
        if not q.count_in_period(ctx.conn, ctx.scope, "hazard", pstart.isoformat(), pend.isoformat()):
            return [self.na(ctx, f"未导入{year - 1}年同期（{pstart}至{pend}）的隐患记录，无法比较", year=year)]
        rows = q.major_found_counts(ctx.conn, ctx.scope, start.isoformat(), end.isoformat(),
                                    pstart.isoformat(), pend.isoformat())
        units = None if ctx.single_county else self.reporting(ctx, year)
        totals: dict[tuple[str, str | None], list[int]] = {}
        for county, sector, cur, prev in rows:
            if units is not None and county not in units:
                continue  # a county without this year's hazard ledger: the roll-up says so (cover)
            keys = {(county, sector), (county, None)}
            if not ctx.single_county:
                keys |= {(ctx.scope_code, sector), (ctx.scope_code, None)}
            for key in keys:
                t = totals.setdefault(key, [0, 0])
                t[0] += cur or 0
                t[1] += prev or 0
        totals.setdefault((ctx.scope_code, None), [0, 0])  # none found in either period: 0 against 0
        order = sorted(totals, key=lambda k: (k[0] != ctx.scope_code, k[0], k[1] or ""))
        return [self._judged(ctx, scope, sector, year, *totals[(scope, sector)], end) for scope, sector in order]

    def _judged(self, ctx, scope, sector, year, cur, prev, end) -> Result:
        met = cur <= prev
        status = "pass" if met else ("amber" if ctx.as_of < self.p.deadline else "fail")
        why = f"{year}年1月1日至{end}发现重大隐患 {cur} 项，上年同期 {prev} 项"
        if not met and status == "amber":
            why += f"；尚未到期（{self.p.deadline}）"
        return self.result(ctx, scope, sector=sector, year=year, num=cur, den=prev, target=1.0, status=status,
                           note=why, lower_is_better=True, ratio=(cur / prev) if prev else None, same_period=True)

    def explain(self, ctx, county, sector):
        start, end, _, _ = self._periods(ctx)
        return q.explain_items(ctx.conn, ctx.scope, q.major_found_sql(),
                               {"start": start.isoformat(), "end": end.isoformat()}, county=county, sector=sector)

