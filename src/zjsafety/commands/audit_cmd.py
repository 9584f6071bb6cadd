"""zjsafety audit / audit explain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import (AllowPartialOpt, AsOfOpt, DbOpt, DebugOpt, JsonOpt, PlanOpt, Run, ScopeOpt, YearOpt, choice,
                                       command, group)
from zjsafety.commands.render import out, print_json
from zjsafety.core import labels

def missing_limit(value: str | None) -> int | None | str:
    """--missing-limit: a count, or 全部/all; not given: the library's default for the scope."""
    from zjsafety.core.errors import UsageError
    from zjsafety.rules.audit import AUTO
    if value is None:
        return AUTO
    if value.strip().lower() in ("all", "全部"):
        return None
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise UsageError(f"--missing-limit 应为不小于 0 的整数或“全部”，而不是“{value}”。")
    return n


LevelOpt = Annotated[Optional[str], typer.Option("--level", metavar="层级", help="督查层级：县级、市级、省级（或 county、city、province）。")]


def rule_id(value: str, plan: str | None, as_of=None) -> str:
    """A rule named by its id (screening-coverage) or its Chinese title (or a unique part of it)."""
    from zjsafety.core.errors import UsageError
    from zjsafety.rules.pack import build_rules, load_pack
    from zjsafety.core.normalize import fold
    rules = build_rules(load_pack(plan, as_of))
    for r in rules:
        if value in (r.p.id, r.p.title):
            return r.p.id
    # the clause as the plan writes it (四(二)1), in either width; unique among the rules
    by_clause = [r for r in rules if fold(value) == fold(r.p.clause)]
    if len(by_clause) == 1:
        return by_clause[0].p.id
    hits = by_clause or [r for r in rules if value in r.p.title]
    if len(hits) == 1:
        return hits[0].p.id
    avail = "；".join(f"{r.p.id}（{r.p.title}）" for r in rules)
    raise UsageError(f"没有规则“{value}”" + ("（有多条规则属于这一条款或名称含这几个字）" if hits else "")
                     + f"。可用：{avail}")


def register(app: typer.Typer) -> None:
    audit_app = group(help="按三年行动计划逐条核查指标：分子、分母、目标、是否达标、缺了谁。", invoke_without_command=True,
                      epilog="zjsafety audit --scope 西湖区 --as-of 2018-12-31\n"
                             "zjsafety audit --scope 杭州市 --xlsx 核查结果.xlsx\n"
                             "zjsafety audit explain 排查企业覆盖率 --scope 西湖区 --sector 道路交通")
    app.add_typer(audit_app, name="audit")

    @audit_app.callback(invoke_without_command=True)
    def audit(
        ctx: typer.Context, scope: ScopeOpt = None, as_of: AsOfOpt = None, year: YearOpt = None, plan: PlanOpt = None,
        rule: Annotated[Optional[list[str]], typer.Option("--rule", metavar="规则", help="只核查这些规则（编号或名称，可多次使用）。")] = None,
        xlsx: Annotated[Optional[Path], typer.Option("--xlsx", metavar="文件.xlsx", help="同时写出核查工作簿（汇总 + 每条规则的缺项）。")] = None,
        allow_partial: AllowPartialOpt = False,
        limit: Annotated[Optional[str], typer.Option(
            "--missing-limit", metavar="条数", help="每个结果最多列出多少个缺项（--json 中；缺项总数总会给出）。"
            "默认：县级范围全部列出，市、省范围列前 1000 个；“全部”为不限。--xlsx 和 audit explain 总是列出全部。")] = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """核查指标（--scope 为市或省时同时列出各县，并注明数据覆盖了几个县）。退出码：0 全部达标，1 有未达标或数据不全。"""
        if ctx.invoked_subcommand:
            return
        from zjsafety.rules.audit import explain_all, run as run_audit
        run = Run(db, as_json, debug)
        plan = run.plan(plan)
        with run.open_db() as conn:
            if xlsx:
                xlsx = run.check_output(xlsx, conn, what="核查工作簿")
            day = run.as_of(as_of)
            report = run_audit(conn, run.scope(scope), day, year=year, plan=plan,
                               rules=[rule_id(r, plan, day) for r in rule] if rule else None,
                               allow_partial=allow_partial, missing_limit=missing_limit(limit))
            path = None
            if xlsx:
                from zjsafety.reports.audit_xlsx import write_audit_xlsx
                path = write_audit_xlsx(report, explain_all(conn, report, year=year, plan=plan), xlsx)
        if run.json:
            print_json(report.to_dict())
        else:
            from zjsafety.commands.render import audit_table
            audit_table(report)
            if path:
                out.print(f"已写出核查工作簿：{path}")
        raise typer.Exit(report.exit_code)

    @command(audit_app, "explain", examples="""
zjsafety audit explain screening-coverage --scope 西湖区 --sector 道路交通
zjsafety audit explain 各级督查企业比例 --scope 西湖区 --level 县级 --year 2018
""")
    def explain(
        rule: Annotated[str, typer.Argument(metavar="规则", help="规则编号或名称，如 screening-coverage、排查企业覆盖率。")],
        scope: ScopeOpt = None,
        sector: Annotated[Optional[str], typer.Option("--sector", metavar="行业领域", help="只看这个行业领域。")] = None,
        level: LevelOpt = None, as_of: AsOfOpt = None, year: YearOpt = None, plan: PlanOpt = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """列出某个指标背后未达标的对象（企业、隐患、风险……）及其来源文件和行号。"""
        from zjsafety.rules.audit import coverage, explain as run_explain
        run = Run(db, as_json, debug)
        plan = run.plan(plan)
        day = run.as_of(as_of)
        rid = rule_id(rule, plan, day)
        with run.open_db() as conn:
            sc = run.scope(scope)
            items = run_explain(conn, rid, sc, day, sector=sector, year=year,
                                level=choice(level, labels.LEVEL, "--level"), plan=plan)
            cov = coverage(conn, rid, sc, day, year=year, plan=plan)
        if run.json:
            print_json({"rule": rid, "coverage": cov, "items": items})
        else:
            from zjsafety.commands.render import explain_table
            from zjsafety.rules.pack import build_rules, load_pack
            title = next(r.p.title for r in build_rules(load_pack(plan, day)) if r.p.id == rid)
            explain_table(title, items, cov)
