"""zjsafety sample / sample verify / sample list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import (AsOfOpt, DbOpt, DebugOpt, JsonOpt, PlanOpt, Run, ScopeOpt, choice, command,
                                       group)
from zjsafety.commands.render import out, print_json
from zjsafety.core import labels


def register(app: typer.Typer) -> None:
    sample_app = group(help="“双随机”抽取督查企业和执法人员：满足配额、可复算、可验证。", invoke_without_command=True,
                       epilog="zjsafety sample --level 县级 --scope 西湖区 --seed 2019-县级-第1批 --xlsx 抽查任务.xlsx\n"
                              "zjsafety sample verify 1\n"
                              "zjsafety sample list")
    app.add_typer(sample_app, name="sample")

    @sample_app.callback(invoke_without_command=True)
    def sample(
        ctx: typer.Context,
        level: Annotated[str, typer.Option("--level", metavar="层级", help="督查层级：县级（30%）、市级（10%）、省级（省级部门 5%），或 county、city、province。")] = "county",
        scope: ScopeOpt = None,
        year: Annotated[Optional[int], typer.Option("--year", metavar="年份", help="督查年度（默认截至日期所在年）。")] = None,
        seed: Annotated[Optional[str], typer.Option("--seed", metavar="种子", help="随机种子，如“2019-县级-第1批”；公开后任何人可复算。")] = None,
        rate: Annotated[Optional[float], typer.Option("--rate", metavar="比例", help="抽查比例（默认按层级 0.30/0.10/0.05）。")] = None,
        spares: Annotated[int, typer.Option("--spares", metavar="家数", help="备选企业数（抽中企业已关闭时依次递补）。")] = 0,
        exclude_months: Annotated[Optional[int], typer.Option("--exclude-months", metavar="月数", help="排除最近 N 个月内检查过的企业。")] = None,
        risk_weighted: Annotated[bool, typer.Option("--risk-weighted", help="按近一年隐患数加权抽取。")] = False,
        sector: Annotated[Optional[list[str]], typer.Option("--sector", metavar="行业领域", help="只从这些行业领域抽取（省级部门：其牵头领域）。")] = None,
        reason: Annotated[Optional[str], typer.Option("--reason", metavar="原因", help="重新抽取同一批次时必须说明原因。")] = None,
        as_of: AsOfOpt = None, plan: PlanOpt = None,
        no_inspectors: Annotated[bool, typer.Option("--no-inspectors", help="只抽企业，不选派执法人员。")] = False,
        xlsx: Annotated[Optional[Path], typer.Option("--xlsx", metavar="文件.xlsx", help="写出抽查任务清单（.xlsx）。")] = None,
        notice: Annotated[Optional[Path], typer.Option("--notice", metavar="文件夹", help="在此文件夹写出抽查计划、任务、结果公告（.docx，已脱敏）。")] = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """抽取督查企业（并随机选派执法人员），保存抽取记录；子命令 verify、list。"""
        if ctx.invoked_subcommand:
            return
        from zjsafety.sampling.draw import draw
        from zjsafety.commands.render import sample_table
        run = Run(db, as_json, debug)
        day = run.as_of(as_of)
        with run.open_db() as conn:
            d = draw(conn, level=choice(level, labels.LEVEL, "--level"), scope=run.scope(scope), year=year or day.year,
                     seed=seed, rate=rate, spares=spares, exclude_months=exclude_months, risk_weighted=risk_weighted,
                     sectors=sector, reason=reason, as_of=day, inspectors=not no_inspectors, plan=run.plan(plan))
            written = []
            if xlsx or notice:
                from zjsafety.sampling.notices import write_notices, write_task_xlsx
                if xlsx:
                    written.append(write_task_xlsx(conn, d, xlsx))
                if notice:
                    written.extend(write_notices(conn, d, notice))
        if run.json:
            print_json(d.to_dict())
        else:
            sample_table(d.to_dict())
            for p in written:
                out.print(f"已写出：{p}")

    @command(sample_app, "verify", examples="""
zjsafety sample verify 3
""")
    def verify(draw_id: Annotated[int, typer.Argument(metavar="抽取编号", help="抽取编号（zjsafety sample list 可查）。")],
               db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
        """由种子和保存的名录重算抽取结果，并检查记录链；不一致时退出码为 1。"""
        from zjsafety.sampling.verify import verify as run_verify
        run = Run(db, as_json, debug)
        with run.open_db() as conn:
            v = run_verify(conn, draw_id)
        if run.json:
            print_json(v.to_dict())
        else:
            for what, ok, detail in v.checks:
                out.print(f"{'[green]✓[/green]' if ok else '[red]✗[/red]'} {what}：{detail}")
            out.print("[green]复核通过[/green]" if v.ok else "[bold red]复核未通过[/bold red]")
        raise typer.Exit(0 if v.ok else 1)

    @command(sample_app, "list", examples="""
zjsafety sample list
""")
    def list_(db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
        """列出全部抽取记录（含重新抽取及其原因、抽中企业的检查进度）。"""
        from zjsafety.sampling.listing import listing
        from zjsafety.commands.render import draws_table
        run = Run(db, as_json, debug)
        with run.open_db() as conn:
            rows = listing(conn)
        if run.json:
            print_json(rows)
        else:
            draws_table(rows)
