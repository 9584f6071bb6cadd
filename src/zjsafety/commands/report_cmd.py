"""zjsafety report / merge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..console import out, print_json
from .common import JsonOpt, connect, guarded, parse_day


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def report(
        output: Annotated[Path, typer.Option("-o", "--output", help="报告文件：.xlsx、.docx、.md 或 .html（按扩展名）。")],
        scope: Annotated[Optional[str], typer.Option("--scope", help="范围：县/市/省的代码或名称。")] = None,
        as_of: Annotated[Optional[str], typer.Option("--as-of", help="截至日期（默认今天）。")] = None,
        since: Annotated[Optional[str], typer.Option("--since", help="同时报告自该日期以来的进展。")] = None,
        plan: Annotated[str, typer.Option("--plan", help="规则包名称或 .toml 路径。")] = "zj-2017-2020",
        public: Annotated[bool, typer.Option("--public", help="对外公开版：电话、身份证号脱敏。")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """生成上报的进展报告（每个数字都来自核查结果，可追溯到台账）。"""
        from datetime import date
        from ..report import build, write
        conn = connect()
        try:
            data = build(conn, scope, parse_day(as_of, "--as-of") or date.today(),
                         since=parse_day(since, "--since"), plan=plan)
        finally:
            conn.close()
        path = write(data, output, public=public)
        if as_json:
            print_json({"path": str(path), "scope": data.scope, "as_of": data.as_of.isoformat(),
                        "results": len(data.audit.results)})
        else:
            out.print(f"已生成报告：{path}")

    @app.command()
    @guarded
    def merge(
        sources: Annotated[list[Path], typer.Argument(help="要合并的县级数据库（.db），可多个。")],
        output: Annotated[Path, typer.Option("-o", "--output", help="合并后的数据库（必须是新文件）。")],
        as_json: JsonOpt = False,
    ) -> None:
        """把多个县级数据库合并为市级（或省级）数据库；保留来源，列出冲突（退出码 1）而不悄悄取舍。"""
        from ..merge import merge as run_merge
        rep = run_merge(sources, output)
        if as_json:
            print_json(rep.to_dict())
        else:
            for s in rep.sources:
                out.print(f"{s['path']}：企业 {s['enterprises']}，隐患 {s['hazard']}，排查 {s['screening']}，"
                          f"督查 {s['inspection']}，处罚 {s['penalty']}")
            for c in rep.conflicts:
                out.print(f"[yellow]冲突[/yellow]：{c['message']}")
            out.print(f"已合并到 {rep.output}" + (f"，冲突 {len(rep.conflicts)} 条" if rep.conflicts else ""))
        raise typer.Exit(rep.exit_code)
