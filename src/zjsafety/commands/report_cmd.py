"""zjsafety report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import AllowPartialOpt, AsOfOpt, DbOpt, DebugOpt, JsonOpt, PlanOpt, Run, ScopeOpt, command, parse_day
from zjsafety.commands.render import out, print_json


def register(app: typer.Typer) -> None:
    @command(app, "report", examples="""
zjsafety report --scope 西湖区 --as-of 2019-06-30 -o 西湖区三年行动进展.docx
zjsafety report --scope 杭州市 --since 2018-12-31 -o 杭州市进展.xlsx
zjsafety report --scope 西湖区 -o -            （Markdown 输出到屏幕）
""")
    def report(
        output: Annotated[Path, typer.Option("-o", "--output", metavar="文件", help="报告文件：.xlsx、.docx、.md 或 .html（按扩展名）；- 表示把 Markdown 输出到屏幕。")],
        scope: ScopeOpt = None, as_of: AsOfOpt = None,
        since: Annotated[Optional[str], typer.Option("--since", metavar="日期", help="同时报告自该日期以来的进展。")] = None,
        plan: PlanOpt = None,
        public: Annotated[bool, typer.Option("--public", help="对外公开版：电话、身份证号脱敏。")] = False,
        office: Annotated[Optional[str], typer.Option("--office", metavar="发文机关", help="Word 报告末尾署名的发文机关（默认“××安全生产委员会办公室”）。")] = None,
        allow_partial: AllowPartialOpt = False,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """生成上报的进展报告（每个数字都来自核查结果，可追溯到台账）。"""
        from zjsafety import reports
        run = Run(db, as_json, debug)
        to_stdout = str(output) == "-"
        with run.open_db() as conn:
            if not to_stdout:
                output = run.check_output(output, conn, what="报告文件")
            data = reports.build(conn, run.scope(scope), run.as_of(as_of), since=parse_day(since, "--since"),
                                 plan=run.plan(plan), office=office, allow_partial=allow_partial)
        if to_stdout:
            from zjsafety.reports.text import markdown
            import sys
            sys.stdout.write(markdown(data, public=public))
            return
        path = reports.write(data, output, public=public)
        if run.json:
            print_json({"path": str(path), "scope": data.scope, "as_of": data.as_of.isoformat(),
                        "results": len(data.audit.results)})
        else:
            out.print(f"已生成报告：{path}")
