"""zjsafety audit / audit explain."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..console import out, print_json
from .common import JsonOpt, connect, guarded, parse_day

ScopeOpt = Annotated[Optional[str], typer.Option("--scope", help="范围：县/市/省的代码或名称，如 330106、西湖区、3301、330000。")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="截至日期（默认今天），如 2018-12-31。")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="年度指标只看这一年（默认计划内截至日期前的每一年）。")]
PlanOpt = Annotated[str, typer.Option("--plan", help="规则包名称或 .toml 文件路径。")]


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="按三年行动计划逐条核查指标：分子、分母、目标、是否达标、缺了谁。",
                            invoke_without_command=True, no_args_is_help=False)
    app.add_typer(audit_app, name="audit")

    @audit_app.callback(invoke_without_command=True)
    @guarded
    def audit(
        ctx: typer.Context,
        scope: ScopeOpt = None,
        as_of: AsOfOpt = None,
        year: YearOpt = None,
        plan: PlanOpt = "zj-2017-2020",
        rule: Annotated[Optional[list[str]], typer.Option("--rule", help="只核查这些规则（可多次使用）。")] = None,
        xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="同时写出核查工作簿（汇总 + 每条规则的缺项）。")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """核查指标（--scope 为市或省时同时列出各县）。退出码：0 全部达标，1 有不合格。"""
        if ctx.invoked_subcommand:
            return
        from ..audit import run
        from ..console import audit_table
        conn = connect()
        try:
            report = run(conn, scope, parse_day(as_of, "--as-of") or date.today(), year=year, plan=plan, rules=rule)
            path = None
            if xlsx:
                from ..audit_xlsx import write_audit_xlsx
                path = write_audit_xlsx(report, conn, xlsx)
        finally:
            conn.close()
        if as_json:
            print_json(report.to_dict())
        else:
            audit_table(report)
            if path:
                out.print(f"已写出核查工作簿：{path}")
        raise typer.Exit(report.exit_code)

    @audit_app.command("explain")
    @guarded
    def explain(
        rule: Annotated[str, typer.Argument(help="规则编号，如 screening-coverage。")],
        scope: ScopeOpt = None,
        sector: Annotated[Optional[str], typer.Option("--sector", help="只看这个行业领域。")] = None,
        level: Annotated[Optional[str], typer.Option("--level", help="督查层级 county/city/province（supervision-quota）。")] = None,
        as_of: AsOfOpt = None,
        year: YearOpt = None,
        plan: PlanOpt = "zj-2017-2020",
        as_json: JsonOpt = False,
    ) -> None:
        """列出某个指标背后未达标的对象（企业、隐患、风险……）及其来源文件和行号。"""
        from ..audit import explain as run_explain
        from ..console import explain_table
        conn = connect()
        try:
            items = run_explain(conn, rule, scope, parse_day(as_of, "--as-of") or date.today(), sector=sector,
                                year=year, level=level, plan=plan)
        finally:
            conn.close()
        if as_json:
            print_json({"rule": rule, "items": items})
        else:
            explain_table(rule, items)
