"""zjsafety sample / sample verify / sample list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..console import out, print_json
from .common import JsonOpt, connect, guarded, parse_day


def register(app: typer.Typer) -> None:
    sample_app = typer.Typer(help="“双随机”抽取督查企业和执法人员：满足配额、可复算、可验证。")
    app.add_typer(sample_app, name="sample")

    @sample_app.callback(invoke_without_command=True)
    @guarded
    def sample(
        ctx: typer.Context,
        level: Annotated[str, typer.Option("--level", help="督查层级：county（县级 30%）、city（市级 10%）、province（省级部门 5%）。")] = "county",
        scope: Annotated[Optional[str], typer.Option("--scope", help="范围：县/市/省的代码或名称。")] = None,
        year: Annotated[Optional[int], typer.Option("--year", help="督查年度（默认截至日期所在年）。")] = None,
        seed: Annotated[Optional[str], typer.Option("--seed", help="随机种子，如“2019-县级-第1批”；公开后任何人可复算。")] = None,
        rate: Annotated[Optional[float], typer.Option("--rate", help="抽查比例（默认按层级 0.30/0.10/0.05）。")] = None,
        spares: Annotated[int, typer.Option("--spares", help="备选企业数（抽中企业已关闭时依次递补）。")] = 0,
        exclude_months: Annotated[Optional[int], typer.Option("--exclude-months", help="排除最近 N 个月内检查过的企业。")] = None,
        risk_weighted: Annotated[bool, typer.Option("--risk-weighted", help="按近一年隐患数加权抽取。")] = False,
        sector: Annotated[Optional[list[str]], typer.Option("--sector", help="只从这些行业领域抽取（省级部门：其牵头领域）。")] = None,
        reason: Annotated[Optional[str], typer.Option("--reason", help="重新抽取同一批次时必须说明原因。")] = None,
        as_of: Annotated[Optional[str], typer.Option("--as-of", help="抽取日期（默认今天），决定重点企业和已覆盖情况。")] = None,
        no_inspectors: Annotated[bool, typer.Option("--no-inspectors", help="只抽企业，不选派执法人员。")] = False,
        xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="写出抽查任务清单（.xlsx）。")] = None,
        notice: Annotated[Optional[Path], typer.Option("--notice", help="在此文件夹写出抽查计划、任务、结果公告（.docx，已脱敏）。")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """抽取督查企业（并随机选派执法人员），保存抽取记录；子命令 verify、list。"""
        if ctx.invoked_subcommand:
            return
        from datetime import date
        from ..sample import draw
        from ..console import sample_table
        day = parse_day(as_of, "--as-of") or date.today()
        conn = connect()
        try:
            d = draw(conn, level=level, scope=scope, year=year or day.year, seed=seed, rate=rate, spares=spares,
                     exclude_months=exclude_months, risk_weighted=risk_weighted, sectors=sector, reason=reason,
                     as_of=day, inspectors=not no_inspectors)
            written = []
            if xlsx or notice:
                from ..sample_docs import write_notices, write_task_xlsx
                if xlsx:
                    written.append(write_task_xlsx(conn, d, xlsx))
                if notice:
                    written.extend(write_notices(conn, d, notice))
        finally:
            conn.close()
        if as_json:
            print_json(d.to_dict())
        else:
            sample_table(d.to_dict())
            for p in written:
                out.print(f"已写出：{p}")

    @sample_app.command("verify")
    @guarded
    def verify(draw_id: Annotated[int, typer.Argument(help="抽取编号（zjsafety sample list 可查）。")],
               as_json: JsonOpt = False) -> None:
        """由种子和保存的名录重算抽取结果，并检查记录链；不一致时退出码为 1。"""
        from ..sample import verify as run_verify
        conn = connect()
        try:
            v = run_verify(conn, draw_id)
        finally:
            conn.close()
        if as_json:
            print_json(v.to_dict())
        else:
            for what, ok, detail in v.checks:
                out.print(f"{'[green]✓[/green]' if ok else '[red]✗[/red]'} {what}：{detail}")
            out.print("[green]复核通过[/green]" if v.ok else "[bold red]复核未通过[/bold red]")
        raise typer.Exit(0 if v.ok else 1)

    @sample_app.command("list")
    @guarded
    def list_(as_json: JsonOpt = False) -> None:
        """列出全部抽取记录（含重新抽取及其原因、抽中企业的检查进度）。"""
        from ..sample import listing
        from ..console import draws_table
        conn = connect()
        try:
            rows = listing(conn)
        finally:
            conn.close()
        if as_json:
            print_json(rows)
        else:
            draws_table(rows)
