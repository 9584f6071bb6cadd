"""zjsafety merge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zjsafety.commands.options import DebugOpt, JsonOpt, Run, command
from zjsafety.commands.render import out, print_json


def register(app: typer.Typer) -> None:
    @command(app, "merge", examples="""
zjsafety merge 西湖区.db 上城区.db 拱墅区.db -o 杭州市.db
""")
    def merge(
        sources: Annotated[list[Path], typer.Argument(metavar="数据库…", help="要合并的县级数据库（.db），可多个；先给出的优先。")],
        output: Annotated[Path, typer.Option("-o", "--output", metavar="文件.db", help="合并后的数据库（必须是新文件）。")],
        as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """把多个县级数据库合并为市级（或省级）数据库；保留来源，列出冲突（退出码 1）而不悄悄取舍。"""
        from zjsafety.store.merge import merge as run_merge
        run = Run(None, as_json, debug)
        rep = run_merge(sources, output)
        if run.json:
            print_json(rep.to_dict())
        else:
            for s in rep.sources:
                out.print(f"{s['path']}：企业 {s['enterprises']}，隐患 {s['hazard']}，排查 {s['screening']}，"
                          f"督查 {s['inspection']}，处罚 {s['penalty']}")
            for c in rep.conflicts:
                out.print(f"[yellow]冲突[/yellow]：{c['message']}")
            out.print(f"已合并到 {rep.output}" + (f"，冲突 {len(rep.conflicts)} 条" if rep.conflicts else ""))
        raise typer.Exit(rep.exit_code)
