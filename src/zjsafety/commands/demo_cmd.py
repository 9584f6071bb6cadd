"""zjsafety demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..console import out, print_json
from .common import JsonOpt, guarded


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def demo(
        folder: Annotated[Path, typer.Option("--dir", help="演示数据与输出所在文件夹。")] = Path("zjsafety-demo"),
        as_json: JsonOpt = False,
    ) -> None:
        """生成一个演示县（西湖区）的多份台账，并依次运行导入、核查、抽查、报告。"""
        from ..demo import run_demo
        summary = run_demo(folder, echo=None if as_json else (lambda s: out.print(s, soft_wrap=True)))
        if as_json:
            print_json(summary)
