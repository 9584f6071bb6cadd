"""The zjsafety command: the Typer app, its global options, the entry point, and how a failure
is told (a Chinese panel on stderr; with --json also an error object on stdout). The commands
themselves are in zjsafety.commands, each a few lines around the library."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety import __version__
from zjsafety.commands import register_all
from zjsafety.commands.help import ZhGroup, render_help, usage_message
from zjsafety.commands.options import group, state
from zjsafety.commands.render import error_panel, print_json
from zjsafety.core.errors import ZjError
from zjsafety.store.connection import machine_fault


class App(ZhGroup):
    """The root group: runs the command with Click's own error handling off, and tells
    every failure the same way (exit codes: 2 usage, 3 input or machine, 4 our bug, 130 Ctrl-C)."""

    order = ("init", "config", "template", "import", "audit", "sample", "report", "merge", "find", "browse", "demo")

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in argv
        try:
            code = super().main(argv, prog_name or "zjsafety", complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
            if code == 130:  # Ctrl-C: Typer turns it into exit 130
                code = _fail(as_json, 130, "Interrupted", "已中断（Ctrl-C）：正在进行的写入已撤销，之前已完成的步骤保留。")
        except Exception as exc:  # noqa: BLE001  (every failure is told, none as a traceback)
            code = _handle(exc, as_json, "--debug" in argv)
            if not ("--debug" in argv or state.debug):
                _drop_half_written(exc)
        if standalone_mode:
            sys.exit(code)
        return code


def _handle(exc: Exception, as_json: bool, debug: bool) -> int:
    if debug or state.debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    as_json = as_json or state.json
    if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
        print(render_help(exc.ctx.command, exc.ctx))
        return 0
    if getattr(exc, "exit_code", None) == 2 and hasattr(exc, "format_message"):  # Click's usage errors
        message, hint = usage_message(exc)
        return _fail(as_json, 2, "UsageError", message, hint, title="用法错误")
    if isinstance(exc, ZjError):
        return _fail(as_json, exc.exit_code, type(exc).__name__, exc.message, exc.hint)
    fault = machine_fault(exc)
    if fault is not None:
        return _fail(as_json, fault.exit_code, "MachineError", fault.message, fault.hint)
    if isinstance(exc, MemoryError):  # the machine's limit (a huge ledger, a small PC), not our bug
        return _fail(as_json, 3, "MachineError", "内存不足，操作未完成；数据库未作改动。",
                     "请关闭其他程序后重试，或把台账拆成几个较小的文件分别导入；按县（市、区）分别核查、生成报告也可减少用量。")
    if isinstance(exc, OSError):  # a path that cannot be read or written: the machine's, not ours
        where = f"“{exc.filename}”" if exc.filename else ""
        return _fail(as_json, 3, "OSError", f"文件操作失败{where}：{exc.strerror or exc}",
                     "请检查路径是否存在、是否有权限、磁盘是否已满，或文件是否正在 Excel/WPS 中打开。")
    return _fail(as_json, 4, "InternalError", f"内部错误：{type(exc).__name__}: {exc}",
                 "这是 zjsafety 的问题，不是您的数据的问题。加 --debug 可查看详细信息，请把它发给维护人员。",
                 title="内部错误")


def _drop_half_written(exc: BaseException) -> None:
    """Writers left half-way (a full disk inside openpyxl's generators) complain again when
    they are collected: the fault has been told once, so they are let go quietly."""
    import gc
    seen = set()
    while exc is not None and id(exc) not in seen:  # the fault and the ones it was raised from
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__
    hook, sys.unraisablehook = sys.unraisablehook, lambda _: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _fail(as_json: bool, code: int, kind: str, message: str, hint: str | None = None, title: str = "错误") -> int:
    error_panel(message, hint, title)
    if as_json:
        print_json({"error": {"type": kind, "message": message, "hint": hint, "exit_code": code}})
    return code


app = group(cls=App, name="zjsafety", no_args_is_help=True, add_completion=True,
            help="浙江省安全生产综合治理三年行动台账核查工具：导入台账、核查指标、抽取督查对象、生成报告。\n\n"
                 "按工作顺序：init（建库和设置）→ template（空白台账）→ import（导入台账）→ audit（核查）→ "
                 "sample（抽查）→ report（报告）→ merge（合并各县数据库）。")


def _version(value: bool) -> None:
    """The version, and the offline bundle it was installed from (install.bat/.sh leave its
    bundle.json in the virtual environment)."""
    if value:
        import json
        from zjsafety.commands.render import out
        line = f"zjsafety {__version__}"
        bundle = Path(sys.prefix) / "zjsafety-bundle.json"
        if bundle.is_file():
            try:
                b = json.loads(bundle.read_text(encoding="utf-8"))
                line += f"（离线安装包 {b['bundle']}，{b['built'][:10]} 构建）"
            except (ValueError, KeyError, OSError):
                line += "（离线安装包，说明文件无法读取）"
        out.print(line)
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[Optional[Path], typer.Option("--db", metavar="文件", help="数据库文件（默认 ./zjsafety.db，或环境变量 ZJSAFETY_DB、设置文件中的 db）。")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", metavar="文件", help="设置文件（默认 ./zjsafety.toml，或环境变量 ZJSAFETY_CONFIG）。")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（供脚本使用；出错时也输出 JSON 错误对象）。")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示 Python 调用栈（不含变量值）。")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本。")] = False,
) -> None:
    state.db, state.config, state.json, state.debug = db, config, as_json, debug


register_all(app)


def main() -> None:
    # Windows consoles default to a legacy code page: make Chinese output safe everywhere
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")
            except (OSError, ValueError):
                pass
    app()

