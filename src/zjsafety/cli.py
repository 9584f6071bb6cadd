"""Command line: parse options, call the library, render. No business logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .commands.common import JsonOpt, guarded, state
from .console import on_import, out, print_json, usage_error


def _chinese_usage_errors(rich_utils) -> None:
    # usage errors (missing argument, unknown option) are printed by Typer itself: say them in Chinese
    rich_utils.rich_format_error = usage_error


# patched when Typer first imports it (only to print help or an error): importing it at every
# start pulled in markdown-it and pygments, 0.1 s of a 0.37 s start
on_import("typer.rich_utils", _chinese_usage_errors)

app = typer.Typer(
    name="zjsafety", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="浙江省安全生产综合治理三年行动台账核查工具：导入台账、核查指标、抽取督查对象、生成报告。",
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        out.print(f"zjsafety {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[Optional[Path], typer.Option("--db", envvar="ZJSAFETY_DB",
                                               help="数据库文件（默认 ./zjsafety.db，或环境变量 ZJSAFETY_DB）。")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示 Python 调用栈（不含变量值）。")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本。")] = False,
) -> None:
    state.db = db
    state.debug = debug


@app.command()
@guarded
def init(as_json: JsonOpt = False) -> None:
    """创建或升级数据库（其他命令首次使用时也会自动创建）。"""
    from .store import connect as _connect, schema_version
    from .store.connection import db_path
    p = db_path(state.db)
    conn = _connect(p)
    v = schema_version(conn)
    conn.close()
    if as_json:
        print_json({"db": str(p), "schema_version": v})
    else:
        out.print(f"数据库已就绪：{p}（结构版本 {v}）")


from .commands import register_all  # noqa: E402  (commands attach themselves to `app`)

register_all(app)


def main() -> None:
    # Windows consoles default to a legacy code page; make Chinese output safe everywhere
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")
            except Exception:
                pass
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
