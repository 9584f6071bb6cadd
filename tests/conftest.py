import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgers import county_ledgers
from zjsafety.cli import app
from zjsafety.store import connect

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def conn(db_path):
    c = connect(db_path)
    yield c
    c.close()


class Cli:
    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, db: bool = True):
        argv = (["--db", str(self.db)] if db else []) + [str(a) for a in args]
        return self.runner.invoke(app, argv, catch_exceptions=False)

    def json(self, *args: str):
        r = self(*args, "--json")
        return r, json.loads(r.stdout)


@pytest.fixture
def cli(db_path) -> Cli:
    return Cli(db_path)


def q(db, sql: str, *args) -> list[tuple]:
    """Every row a query gives on a database file (opened and closed around it)."""
    import sqlite3
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def plain(s: str) -> str:
    """Terminal output without rich's box drawing and line wrapping, for substring checks."""
    import re
    return re.sub(r"[\s│╭╮╰╯─┃━┏┓┗┛┡┩╇┳┻╋┣┫]+", "", s)


@pytest.fixture
def county_cli(tmp_path):
    c = Cli(tmp_path / "cli.db")
    r = c("import", *county_ledgers(tmp_path), "--county", "330106")
    assert r.exit_code == 0, r.stdout
    return c
