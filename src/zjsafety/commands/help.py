"""Help and usage errors in Chinese, for people.

Typer builds Click commands; these subclasses (given to Typer as `cls=`) only change how a
command describes itself: headings 用法 / 参数 / 选项 / 命令 / 示例, metavars that say what to
type, flags without a type, the options Click and Typer add (--help, completion) in Chinese.
Usage errors are translated where the app is called (cli.main): see `usage_message`.
They use Click's public command API only (params, help records, contexts)."""

from __future__ import annotations

import difflib
import re

import typer.core

from zjsafety.core.normalize import display_width

# what Click and Typer add to every command, and their Chinese help
_BUILTIN_HELP = {
    "help": "显示本帮助并退出。",
    "install_completion": "为当前的命令行（bash、zsh、PowerShell 等）安装命令补全。",
    "show_completion": "显示命令补全脚本，可复制后自行安装。",
}
_TYPE_METAVAR = {"integer": "整数", "float": "数字", "text": "文字", "path": "路径", "boolean": "是/否",
                 "filename": "文件", "choice": "选项", "datetime": "日期"}


def metavar(param) -> str:
    """What to type after an option, in Chinese: the declared metavar, else from its type."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.metavar:
        return param.metavar
    name = getattr(param.type, "name", "text")
    mv = _TYPE_METAVAR.get(name, "值")
    if getattr(param, "multiple", False) or (getattr(param, "nargs", 1) not in (1, None)):
        mv += "…"
    return mv


def _param_help(param) -> str:
    text = _BUILTIN_HELP.get(param.name) or getattr(param, "help", None) or ""
    default = getattr(param, "default", None)
    if getattr(param, "show_default", False) and default not in (None, False, "", [], ()):
        text += f"（默认：{default}）"
    if getattr(param, "required", False) and param.param_type_name == "option":
        text += "（必填）"
    envvar = getattr(param, "envvar", None)
    if envvar and getattr(param, "show_envvar", False):
        text += f"（环境变量 {envvar}）"
    return text


def _usage(cmd, ctx) -> str:
    parts = [ctx.command_path]
    params = cmd.get_params(ctx)
    if any(p.param_type_name == "option" for p in params):
        parts.append("[选项]")
    for p in params:
        if p.param_type_name == "argument":
            mv = metavar(p) or p.name
            parts.append(mv if p.required else f"[{mv}]")
    if isinstance(cmd, typer.core.TyperGroup) and cmd.commands:
        parts.append("命令 [参数]…")
    return " ".join(parts)


def render_help(cmd, ctx) -> str:
    """The whole help text of a command or group."""
    out = [f"用法：{_usage(cmd, ctx)}", ""]
    if cmd.help:
        out += [cmd.help.strip(), ""]
    params = cmd.get_params(ctx)
    args = [p for p in params if p.param_type_name == "argument"]
    opts = [p for p in params if p.param_type_name == "option" and not getattr(p, "hidden", False)]
    if args:
        out.append("参数：")
        out += _rows([(metavar(p) or p.name, _param_help(p)) for p in args])
        out.append("")
    if opts:
        out.append("选项：")
        rows = []
        for p in opts:
            names = ", ".join(sorted(p.opts, key=len) + list(p.secondary_opts))
            mv = metavar(p)
            rows.append((f"{names} {mv}".rstrip(), _param_help(p)))
        out += _rows(rows)
        out.append("")
    if isinstance(cmd, typer.core.TyperGroup) and cmd.commands:
        out.append("命令：")
        subs = [(name, cmd.commands[name]) for name in cmd.list_commands(ctx) if name in cmd.commands]
        out += _rows([(name, (sub.short_help or (sub.help or "").strip().split("\n")[0]))
                      for name, sub in subs if not getattr(sub, "hidden", False)])
        out.append("")
    if cmd.epilog:
        out.append("示例：")
        out += ["  " + line for line in cmd.epilog.strip().splitlines()]
        out.append("")
    return "\n".join(out)


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    width = min(max((display_width(a) for a, _ in rows), default=0), 34)
    out = []
    for a, b in rows:
        pad = " " * max(width - display_width(a), 0)
        if display_width(a) > width:
            out += [f"  {a}", f"  {' ' * width}  {b}"]
        else:
            out.append(f"  {a}{pad}  {b}")
    return out


class ZhCommand(typer.core.TyperCommand):
    def format_help(self, ctx, formatter) -> None:
        formatter.write(render_help(self, ctx))


class ZhGroup(typer.core.TyperGroup):
    order: tuple[str, ...] = ()  # the order commands are listed in (the order of the work)

    def format_help(self, ctx, formatter) -> None:
        formatter.write(render_help(self, ctx))

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        rank = {n: i for i, n in enumerate(self.order)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))


# ---------------------------------------------------------------- usage errors

_MESSAGES = [
    (r"No such command '(.+?)'\.?", "没有命令“{0}”。"),
    (r"Option '(.+?)' requires an argument\.?", "选项 {0} 后面需要一个值。"),
    (r"Option '(.+?)' does not take a value\.?", "选项 {0} 不带值。"),
    (r"Got unexpected extra arguments? \((.+?)\)", "多余的参数：{0}。"),
    (r"'(.*?)' is not a valid integer( range)?\.?", "“{0}”不是整数。"),
    (r"Input should be a valid integer", "应为整数（如 2018）。"),
    (r"Input should be a valid number", "应为数字（如 0.3）。"),
    (r"'(.*?)' is not a valid float( range)?\.?", "“{0}”不是数字。"),
    (r"'(.*?)' is not one of (.+)\.?", "“{0}”不是可选的值（{1}）。"),
    (r"Path '(.*?)' does not exist\.?", "路径“{0}”不存在。"),
    (r"(?:File|Directory|Path) '(.*?)' is a directory\.?", "“{0}”是文件夹。"),
]


def _translate(message: str) -> str:
    for pattern, zh in _MESSAGES:
        m = re.search(pattern, message.strip(), re.S)
        if m:
            return zh.format(*[g or "" for g in m.groups()])
    return message


def _option_names(ctx) -> list[str]:
    if ctx is None or ctx.command is None:
        return []
    return [o for p in ctx.command.get_params(ctx) if p.param_type_name == "option" for o in p.opts]


def _param_name(param) -> str:
    if param is None:
        return ""
    if param.param_type_name == "option":
        return sorted(param.opts, key=len)[-1]
    return metavar(param) or param.name


def usage_message(exc) -> tuple[str, str | None]:
    """(Chinese message, hint) for a Click usage error, told by its class and attributes."""
    kind = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    hint = f"用 {ctx.command_path} -h 查看用法。" if ctx is not None else None
    if kind == "NoSuchOption":
        name = getattr(exc, "option_name", "")
        near = difflib.get_close_matches(name, _option_names(ctx), n=1, cutoff=0.5)
        msg = f"没有选项 {name}。" + (f"您是不是要用 {near[0]}？" if near else "")
        return msg, hint
    param = getattr(exc, "param", None)
    if kind == "MissingParameter":
        what = "选项" if param is not None and param.param_type_name == "option" else "参数"
        help_text = (getattr(param, "help", "") or "").split("。")[0]
        return f"缺少{what} {_param_name(param)}" + (f"（{help_text}）" if help_text else "") + "。", hint
    if kind == "BadParameter":
        return f"{_param_name(param) or '参数'} 的值不对：{_translate(exc.message)}", hint
    if kind == "UsageError" and "No such command" in exc.message and ctx is not None:
        name = re.search(r"'(.+?)'", exc.message)
        cmds = list(getattr(ctx.command, "commands", {}) or {})
        near = difflib.get_close_matches(name.group(1), cmds, n=1, cutoff=0.5) if name else []
        return _translate(exc.message) + (f"您是不是要用 {near[0]}？" if near else ""), hint
    return _translate(getattr(exc, "message", str(exc))), hint
