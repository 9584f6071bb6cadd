"""What every command shares: global state, the error guard, common options."""

from __future__ import annotations

import functools
import traceback
from pathlib import Path
from typing import Annotated

import typer

from ..console import error_panel, print_json
from ..errors import ZjError


class State:
    db: "Path | None" = None
    debug: bool = False


state = State()

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供脚本使用）。")]


def guarded(fn):
    """Turn a ZjError into a Chinese panel and its exit code; no traceback unless --debug.
    With --json, the same error also goes to stdout as {"error": {...}}, so a script that
    reads stdout gets JSON on failure too."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("as_json"))
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except ZjError as exc:
            if state.debug:
                traceback.print_exc()
            _fail(as_json, exc.exit_code, type(exc).__name__, exc.message, exc.hint)
        except KeyboardInterrupt:
            _fail(as_json, 130, "Interrupted", "已中断，数据库未作改动。")
        except OSError as exc:  # a path that cannot be read or written: the user's to fix
            if state.debug:
                traceback.print_exc()
            where = f"“{exc.filename}”" if exc.filename else ""
            _fail(as_json, 3, "OSError", f"文件操作失败{where}：{exc.strerror or exc}",
                  "请检查路径是否存在、是否有权限，或文件是否正在 Excel/WPS 中打开。")
        except Exception as exc:  # a bug, not bad input: say so, still without locals
            if state.debug:
                traceback.print_exc()
            _fail(as_json, 4, "InternalError", f"内部错误：{type(exc).__name__}: {exc}",
                  "这是 zjsafety 的问题，不是您的数据的问题。加 --debug 可查看详细信息。", title="内部错误")
    return wrapper


def _fail(as_json: bool, code: int, kind: str, message: str, hint: str | None = None, title: str = "错误"):
    error_panel(message, hint, title)
    if as_json:
        print_json({"error": {"type": kind, "message": message, "hint": hint, "exit_code": code}})
    raise typer.Exit(code) from None


def connect():
    """The database named by --db / $ZJSAFETY_DB / ./zjsafety.db, created or upgraded."""
    from ..store import connect as _connect
    return _connect(state.db)


def parse_day(value: "str | None", option: str):
    """A date option in any form ledgers use; a bad one is a usage error."""
    if value is None:
        return None
    from ..errors import UsageError
    from ..normalize import CellError, parse_date
    try:
        return parse_date(value)
    except CellError as e:
        raise UsageError(f"{option}：{e.message}") from None
