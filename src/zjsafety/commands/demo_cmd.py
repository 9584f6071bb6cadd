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
zjsafety demo --plan cn-2024-2026 --dir 演示2024
""")
    def demo(
        folder: Annotated[Path, typer.Option("--dir", metavar="文件夹", help="演示台账和输出写到这个文件夹。")] = Path("zjsafety-demo"),
        plan: Annotated[str, typer.Option("--plan", metavar="规则包", help="演示哪个规则包：zj-2017-2020（2017—2019年的台账，默认）或 cn-2024-2026（2022—2026年的重大隐患台账）。")] = "zj-2017-2020",
        as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """生成一个演示县（西湖区）的多份台账，并依次运行导入、核查、抽查、报告（--plan cn-2024-2026：治本攻坚三年行动的演示）。"""
        from zjsafety.demo import run_plan_demo
        run = Run(None, as_json, debug)
        summary = run_plan_demo(folder, plan, echo=None if run.json else (lambda s: out.print(s, soft_wrap=True)))
        if run.json:
            print_json(summary)
