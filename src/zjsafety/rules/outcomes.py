"""Outcome rules: accidents against 2016 (二), the repeat-hazard watch list (四(二)),
and the plan's dated milestones."""

from __future__ import annotations

from datetime import date

from zjsafety.core import refdata
from zjsafety.core.normalize import fold
from zjsafety.store import audit_sql as q
from zjsafety.rules.base import Context, RatioRule, Result, Rule, RuleParams, judge


class AccidentReduction(Rule):
    type = "accident_reduction"
    summary = ("事故起数、死亡人数、亿元GDP死亡率与基准年（2016）相比的下降：目标年（2020）须分别下降40%、40%、55%；"
               "之前各年与通往目标的直线路径比较（落后为 amber）。分子为当年数，分母为基准年数，比值须不高于目标")

    class Params(RuleParams):
        base_year: int
        target_year: int
        accidents: float
        deaths: float
        death_rate: float

    MEASURES = {"accidents": "事故起数", "deaths": "死亡人数", "death_rate": "亿元GDP死亡率"}

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
        data = q.accident_totals(ctx.conn, ctx.scope, [p.base_year, year])
        counties = sorted({c for c, _ in data})
        if not ctx.single_county:
            for y in (p.base_year, year):
                rows = [data[(c, y)] for c in counties if (c, y) in data and c != ctx.scope_code]
                if rows:
                    data[(ctx.scope_code, y)] = tuple(_sum(r[i] for r in rows) for i in range(3))
            counties = [ctx.scope_code] + counties
        frac = min(1.0, (year - p.base_year) / (p.target_year - p.base_year))
        out = []
        for county in counties:
            base, cur = data.get((county, p.base_year)), data.get((county, year))
            for measure, label in self.MEASURES.items():
                reduction = getattr(p, measure)
                target = round(1 - reduction * frac, 6)
                title_note = f"应比{p.base_year}年下降 {reduction * frac:.1%}"
                if base is None or cur is None:
                    missing_year = p.base_year if base is None else year
                    out.append(self.result(ctx, county, level=measure, year=year, status="n/a",
                                           note=f"{label}：缺少{missing_year}年数据", measure=measure))
                    continue
                if measure == "death_rate":
                    if not base[2] or not cur[2] or base[1] is None or cur[1] is None:
                        out.append(self.result(ctx, county, level=measure, year=year, status="n/a",
                                               note=f"{label}：缺少GDP或死亡人数", measure=measure))
                        continue
                    num, den = round(cur[1] / cur[2], 6), round(base[1] / base[2], 6)
                else:
                    i = 0 if measure == "accidents" else 1
                    num, den = cur[i], base[i]
                    if num is None or den is None:
                        out.append(self.result(ctx, county, level=measure, year=year, status="n/a",
                                               note=f"{label}：数据不全", measure=measure))
                        continue
                if not den:
                    out.append(self.result(ctx, county, level=measure, year=year, num=num, den=den, status="n/a",
                                           note=f"{label}：基准年为0，无法计算下降率", measure=measure))
                    continue
                ratio = num / den
                status, _ = judge(ratio, target, as_of=ctx.as_of, lower_is_better=True)
                if status == "fail" and year < p.target_year:
                    status = "amber"  # off the straight-line path, the target year still ahead
                out.append(self.result(ctx, county, level=measure, year=year, num=num, den=den, target=target,
                                       status=status, note=f"{title_note}，实际下降 {1 - ratio:.1%}",
                                       lower_is_better=True, measure=measure, reduction=round(1 - ratio, 6)))
        return out


def _sum(vals):
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


class RepeatHazards(RatioRule):
    type = "repeat_hazards"
    summary = ("治反复观察名单：同一企业同类隐患（隐患类别，缺则按描述）整改后再次发现，或同一隐患状态由已整改回到未整改；"
               "分母为窗口内有隐患的企业，missing 为名单上的企业。名单非空为 amber，不计为不合格")
    data_table = "hazard"
    absent = "未导入隐患排查治理台账"

    class Params(RuleParams):
        window_start: date

    def item_query(self, ctx):
        return q.repeat_hazards_sql(ctx.scope.wide), {"start": self.p.window_start.isoformat(),
                                                      "end": ctx.as_of.isoformat()}

    def run(self, ctx: Context) -> list[Result]:
        if q.count_in_scope(ctx.conn, ctx.scope, "hazard") == 0:
            return [self.na(ctx, self.absent)]
        sql, params = self.item_query(ctx)
        out = []
        for r in self.figures(ctx, sql, params, target=1.0, by_sector=False):
            on_list = len(r.missing)
            r.status = "amber" if on_list else "pass"
            r.target = None
            r.numerator, r.ratio = on_list, round(on_list / r.denominator, 6) if r.denominator else None
            r.note = f"观察名单 {on_list} 家 / 有隐患企业 {r.denominator} 家"
            out.append(r)
        return out or [self.na(ctx, "窗口内没有隐患记录")]


class Milestones(Rule):
    type = "milestones"
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
