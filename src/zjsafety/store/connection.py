"""Opening, creating and upgrading a zjsafety database."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from zjsafety.core import divisions, refdata
from zjsafety.core.errors import DatabaseError, MachineError
from zjsafety.store import schema

DEFAULT_DB = "zjsafety.db"
WAIT_SECONDS = 5.0  # how long a command waits for another one holding the database
RECOVER_HINT = ("数据库文件已损坏。请先复制一份备份，再用 SQLite 的命令行工具恢复："
                "sqlite3 旧.db \".recover\" | sqlite3 新.db，然后用 --db 新.db 继续。")


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
        step = schema.MIGRATIONS[version - 1]
        # one transaction per step, so a failure leaves the database at the previous version
        record = f"""INSERT INTO meta(key, value) VALUES ('schema_version', '{version}')
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value"""
        try:
            if isinstance(step, str):
                conn.executescript("BEGIN;\n" + step + record + ";\nCOMMIT;")
            else:
                _python_step(conn, step, record)
        except BaseException:
            rollback(conn)
            raise
    if current < target:
        _load_reference(conn)
    return target


def _python_step(conn: sqlite3.Connection, step, record: str) -> None:
    """A step that rebuilds tables: foreign keys off while tables are copied (SQLite's own
    recipe for schema changes), checked before the step commits."""
    import sqlite_utils
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        step(sqlite_utils.Database(conn))
        bad = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise DatabaseError(f"升级数据库时发现 {len(bad)} 处外键不一致（如表 {bad[0][0]}），未作改动。")
        conn.execute(record)
        conn.execute("COMMIT")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _load_reference(conn: sqlite3.Connection) -> None:
    with transaction(conn):
        conn.executemany(
            "INSERT INTO jurisdiction(code, name, level, parent_code, retired_in, successors) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE SET name=excluded.name, level=excluded.level, "
            "parent_code=excluded.parent_code, retired_in=excluded.retired_in, successors=excluded.successors",
            [(d.code, d.name, d.level, d.parent, d.retired_in, ";".join(d.successors))
             for d in sorted(divisions.all_divisions().values(),  # parents before children (foreign key)
                             key=lambda d: ("province", "prefecture", "county").index(d.level))])
        conn.executemany(
            "INSERT INTO sector(name, grp, lead_department, high_volume) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET grp=excluded.grp, lead_department=excluded.lead_department, "
            "high_volume=excluded.high_volume",
            [(s["name"], s["group"], s["lead_department"], int(s["high_volume"])) for s in refdata.sectors()])


def machine_fault(exc: BaseException, path: object = None) -> MachineError | None:
    """An SQLite error that is the machine's or the file's, not ours: told with what to do."""
    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc).lower()
    where = f"“{path}”" if path else ""
    if "locked" in text or "busy" in text:
        return MachineError(f"数据库{where}正被另一个程序使用，等待后仍未释放。",
                            hint="可能是另一个 zjsafety 命令，或打开了它的 DB Browser、Datasette、WPS 等；"
                                 "等它结束或关闭后重试，或加 --wait 秒数 等待更久。")
    if "readonly" in text or "read-only" in text:
        return MachineError(f"数据库{where}是只读的，无法写入（试运行 --dry-run 也要在事务中写入后撤销）。",
                            hint="请检查文件及其所在文件夹的写入权限，或把数据库复制到可写的文件夹后用 --db 指定。")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return MachineError(f"数据库{where}已损坏：{exc}", hint=RECOVER_HINT)
    if "unable to open" in text or "cannot open" in text:
        return MachineError(f"无法打开数据库{where}：{exc}",
                            hint="请检查路径、文件夹的权限，以及路径中是否有循环的快捷方式（符号链接）。")
    if "disk i/o" in text or "full" in text:
        return MachineError(f"读写数据库{where}时磁盘出错：{exc}", hint="请检查磁盘空间和磁盘是否可用。")
    return None


def connect(path: str | os.PathLike | None = None, *, upgrade: bool = True,
            wait: float = WAIT_SECONDS) -> sqlite3.Connection:
    """Open (creating or upgrading) the database at `path`, `$ZJSAFETY_DB` or ./zjsafety.db.
    Waits up to `wait` seconds for another command holding it."""
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
    # autocommit: every write BEGINs explicitly
    try:
        conn = sqlite3.connect(str(p), isolation_level=None, timeout=wait)
    except sqlite3.Error as exc:
        raise machine_fault(exc, p) or DatabaseError(f"无法打开数据库“{p}”：{exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        _configure(conn)
        if upgrade:
            migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise machine_fault(exc, p) or DatabaseError(f"无法打开数据库“{p}”：{exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn



def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already: on a full disk (SQLITE_FULL) or
    an I/O error it rolls back by itself, and a second ROLLBACK would hide the real fault."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (Ctrl-C included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        rollback(conn)
        raise
    else:
        conn.execute("COMMIT")
