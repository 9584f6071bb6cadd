"""What every command shares: the options declared once, the settings in force, the database.

Each command takes the global options (--db, --json, --debug) itself as well, so they work
before or after the command's name; `Run` merges them with the settings (zjsafety.toml)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from zjsafety.commands.help import ZhCommand, ZhGroup
from zjsafety.core import settings as settings_mod
from zjsafety.core.errors import UsageError
from zjsafety.core.normalize import CellError, parse_date


class State:
    """Global options given before the command (zjsafety --json audit …)."""

    db: Optional[Path] = None
    json: bool = False
    debug: bool = False
    config: Optional[Path] = None


state = State()

DbOpt = Annotated[Optional[Path], typer.Option("--db", metavar="文件", help="数据库文件（默认 ./zjsafety.db，或环境变量 ZJSAFETY_DB、设置文件中的 db）。")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供脚本使用；出错时也输出 JSON 错误对象）。")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="出错时显示 Python 调用栈（不含变量值）。")]
ScopeOpt = Annotated[Optional[str], typer.Option("--scope", metavar="县市区名称或代码", help="范围：县、市或省的名称或代码，如 西湖区、330106、杭州市、3301、浙江省（默认取设置文件中的 scope）。")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", metavar="日期", help="截至日期 YYYY-MM-DD（默认取设置文件中的 as_of，否则今天）。")]
def _plan_help() -> str:
    from zjsafety.core.plans import periods_text
    return f"规则包名称或 .toml 文件（默认：截至日期所在实施期的内置规则包：{periods_text()}）。"


PlanOpt = Annotated[Optional[str], typer.Option("--plan", metavar="规则包", help=_plan_help())]
WaitOpt = Annotated[Optional[float], typer.Option("--wait", metavar="秒数", help="数据库被其他程序占用时最多等待的秒数（默认 5）。")]
YearOpt = Annotated[Optional[int], typer.Option("--year", metavar="年份", min=1990, max=2100, help="年度指标看哪一年（默认截至日期所在年）。")]
AllowPartialOpt = Annotated[bool, typer.Option(
    "--allow-partial", help="市、省范围内有县（市、区）未报送时，仍按已报送的数据判定达标与否（默认判为“数据不全”）。")]


def group(**kw) -> typer.Typer:
    """A Typer app (or command group) whose help and errors are Chinese."""
    kw.setdefault("context_settings", {}).setdefault("help_option_names", ["-h", "--help"])
    return typer.Typer(cls=kw.pop("cls", ZhGroup), rich_markup_mode=None, pretty_exceptions_enable=False, **kw)


def command(app: typer.Typer, name: str | None = None, *, examples: str = "", **kw):
    """@command(app, "import", examples="…"): a command with Chinese help and worked examples."""
    kw.setdefault("context_settings", {}).setdefault("help_option_names", ["-h", "--help"])
    return app.command(name, cls=ZhCommand, epilog=examples.strip() or None, **kw)


@dataclass
class Run:
    """One command's view of the global options and the settings."""

    db: Optional[Path] = None
    json: bool = False
    debug: bool = False
    wait: Optional[float] = None
    new_config: bool = False  # `init` writes the --config file: it need not exist yet

    def __post_init__(self) -> None:
        self.json = self.json or state.json
        self.debug = self.debug or state.debug
        state.json, state.debug = self.json, self.debug  # the error handler reads them
        fresh = self.new_config and state.config is not None and not Path(state.config).exists()
        self.settings = settings_mod.load(None if fresh else state.config)
        self.db = self.db or state.db

    @property
    def db_path(self) -> Path:
        return Path(self.settings.get("db", str(self.db) if self.db else None))

    def scope(self, given: str | None) -> str | None:
        return self.settings.get("scope", given)

    def as_of(self, given: str | None, option: str = "--as-of") -> date:
        value = self.settings.get("as_of", given)
        return parse_day(value, option) or date.today()

    def plan(self, given: str | None) -> str:
        return self.settings.get("plan", given)

    def place(self, path: Path) -> Path:
        """Where an output goes: a relative path inside the settings' output folder when one is
        set (the folder is made), else as given."""
        folder = self.settings.get("output")
        path = Path(path)
        if not folder or path.is_absolute() or str(path) == "-":
            return path
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder) / path

    def check_output(self, path: Path, conn=None, *, what: str = "输出文件") -> Path:
        """An output that is neither the database nor a ledger this database was built from."""
        from zjsafety.core.errors import UsageError
        from zjsafety.core.paths import check_output
        path = self.place(path)
        check_output(path, reads=[("数据库", self.db_path)], what=what)
        if conn is not None and path.is_file():
            from zjsafety.importers.reader import sha256_of
            from zjsafety.store.records import imported_file, imported_name
            # a ledger imported before, as it was then or edited since (batches keep names, not folders)
            name = imported_file(conn, sha256_of(path)) or imported_name(conn, path.name)
            if name:
                raise UsageError(f"{what}“{path}”是已导入的台账（{name}），不能写到它上面。请换一个文件名。")
        return path

    @contextmanager
    def open_db(self, *, create: bool = True) -> Iterator:
        """The database, created or upgraded, closed afterwards whatever happens."""
        from zjsafety.store import connect
        from zjsafety.store.connection import WAIT_SECONDS
        conn = connect(self.db_path, wait=WAIT_SECONDS if self.wait is None else self.wait)
        try:
            yield conn
        finally:
            conn.close()


def parse_day(value: "str | None", option: str):
    """A date option in any form ledgers use; a bad one is a usage error."""
    if value is None:
        return None
    try:
        return parse_date(str(value))
    except CellError as e:
        raise UsageError(f"{option}：{e.message}") from None


def choice(value: str | None, table: dict[str, str], option: str) -> str | None:
    """A value given in English or Chinese (county / 县级), as its English key."""
    if value is None:
        return None
    v = value.strip()
    for key, label in table.items():
        if v.lower() == key or v in (label, label.rstrip("级")):
            return key
    allowed = "、".join(f"{label}（{key}）" for key, label in table.items())
    raise UsageError(f"{option} 的值“{value}”不对，可用：{allowed}")
