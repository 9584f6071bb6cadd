"""Opening, creating and upgrading a zjsafety database."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .. import divisions, refdata
from ..errors import DatabaseError
from . import schema

DEFAULT_DB = "zjsafety.db"


def db_path(path: str | os.PathLike | None) -> Path:
    return Path(path or os.environ.get("ZJSAFETY_DB") or DEFAULT_DB)


def schema_version(conn: sqlite3.Connection) -> int:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return 0
    if "meta" not in tables:
        raise DatabaseError("该文件是 SQLite 数据库，但不是 zjsafety 数据库（缺少 meta 表），未作改动。")
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    # one file for the clerk to copy around; NORMAL is safe with the rollback journal
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")
    # let SQLite's sorter use the second core for the large GROUP BYs of a province audit
    conn.execute("PRAGMA threads = 2")


def migrate(conn: sqlite3.Connection, target: int = schema.LATEST) -> int:
    """Apply the missing migrations up to `target`; each in its own transaction."""
    current = schema_version(conn)
    if current > schema.LATEST:
        raise DatabaseError(
            f"数据库结构版本为 {current}，高于本程序支持的 {schema.LATEST}，请升级 zjsafety。")
    for version in range(current + 1, target + 1):
        script = schema.MIGRATIONS[version - 1]
        # one transaction per step, so a failure leaves the database at the previous version
        try:
            conn.executescript("BEGIN;\n" + script + f"""
                INSERT INTO meta(key, value) VALUES ('schema_version', '{version}')
                ON CONFLICT(key) DO UPDATE SET value = excluded.value;
                COMMIT;""")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    if current < target:
        _load_reference(conn)
    return target


def _load_reference(conn: sqlite3.Connection) -> None:
    with transaction(conn):
        conn.executemany(
            "INSERT INTO jurisdiction(code, name, level, parent_code, retired_in, successors) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE SET name=excluded.name, level=excluded.level, "
            "parent_code=excluded.parent_code, retired_in=excluded.retired_in, successors=excluded.successors",
            [(d.code, d.name, d.level, d.parent, d.retired_in, ";".join(d.successors))
             for d in divisions.all_divisions().values()])
        conn.executemany(
            "INSERT INTO sector(name, grp, lead_department, high_volume) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET grp=excluded.grp, lead_department=excluded.lead_department, "
            "high_volume=excluded.high_volume",
            [(s["name"], s["group"], s["lead_department"], int(s["high_volume"])) for s in refdata.sectors()])


def connect(path: str | os.PathLike | None = None, *, upgrade: bool = True) -> sqlite3.Connection:
    """Open (creating or upgrading) the database at `path`, `$ZJSAFETY_DB` or ./zjsafety.db."""
    p = db_path(path)
    if str(p) != ":memory:":
        if p.exists() and p.is_dir():
            raise DatabaseError(f"数据库路径“{p}”是一个文件夹。")
        if p.exists():
            with open(p, "rb") as fh:
                head = fh.read(16)
            if head and not head.startswith(b"SQLite format 3"):
                raise DatabaseError(f"“{p}”不是 SQLite 数据库文件，未作改动。")
        elif not p.parent.exists():
            raise DatabaseError(f"数据库所在文件夹“{p.parent}”不存在。")
    # autocommit: we BEGIN explicitly. Import hands the connection to its writer thread while a
    # sheet loads (never to two threads at once), hence check_same_thread=False.
    conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    _configure(conn)
    try:
        if upgrade:
            migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"无法打开数据库“{p}”：{exc}") from exc
    except DatabaseError:
        conn.close()
        raise
    return conn



@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (Ctrl-C included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
