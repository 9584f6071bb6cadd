"""zjsafety demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zjsafety.commands.options import DebugOpt, JsonOpt, Run, command
from zjsafety.commands.render import out, print_json


def register(app: typer.Typer) -> None:
    @command(app, "demo", examples="""
zjsafety demo
zjsafety demo --dir 演示
""")
    def demo(
        folder: Annotated[Path, typer.Option("--dir", metavar="文件夹", help="演示台账和输出写到这个文件夹。")] = Path("zjsafety-demo"),
        as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """生成一个演示县（西湖区）的多份台账，并依次运行导入、核查、抽查、报告。"""
        from zjsafety.demo import run_demo
        run = Run(None, as_json, debug)
        summary = run_demo(folder, echo=None if run.json else (lambda s: out.print(s, soft_wrap=True)))
        if run.json:
            print_json(summary)
