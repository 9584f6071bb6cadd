"""Merging county databases into one for a city or the province, keeping provenance and
reporting conflicts (an enterprise claimed by two counties, a hazard with two statuses)
instead of silently choosing: the first database given wins, and every conflict is listed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from zjsafety.core import refdata
from zjsafety.core.errors import DatabaseError, UsageError
from zjsafety.core.paths import atomic_path, check_output
from zjsafety.store import connect, schema_version
from zjsafety.store.connection import rollback
from zjsafety.store import merge_sql as m
from zjsafety.store.schema import LATEST


@dataclass
class MergeReport:
    output: str
    sources: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"output": self.output, "sources": self.sources, "conflicts": self.conflicts}

    @property
    def exit_code(self) -> int:
        return 1 if self.conflicts else 0


def merge(sources: list[Path], output: Path) -> MergeReport:
    if not sources:
        raise UsageError("请给出要合并的县级数据库文件。")
    if output.exists():
        raise UsageError(f"输出文件“{output}”已存在；为免覆盖，请换一个文件名或先移走它。")
    for p in sources:
        if not Path(p).is_file():
            raise UsageError(f"找不到数据库文件“{p}”。")
        _check_source(Path(p))
    check_output(output, reads=sources, what="合并后的数据库")
    report = MergeReport(str(output))
    # built under a temporary name and renamed when complete: an interrupted merge leaves no
    # database that looks whole, and the same command can simply be run again
    with atomic_path(output) as tmp:
        conn = connect(tmp)
        try:
            for p in sources:
                report.sources.append(_merge_one(conn, Path(p), report))
        finally:
            conn.close()
    return report


def _merge_one(conn, p: Path, report: MergeReport) -> dict:
    label = p.name
    conn.execute("ATTACH DATABASE ? AS src", (str(p.resolve()),))  # read only: we only SELECT
    _bound(conn, p)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for c in m.enterprise_conflicts(conn):
            report.conflicts.append({"type": "enterprise_county", "source": label, **c,
                                     "message": f"企业“{c['name']}”（{c['key']}）在两个库中属于不同的县："
                                                f"保留 {c['kept_county']}，{label} 中为 {c['other_county']}"})
        for c in m.same_name_conflicts(conn):
            report.conflicts.append({"type": "enterprise_same_name", "source": label, **c,
                                     "message": f"企业“{c['name']}”一个库中只有名称、另一个库中有信用代码 {c['uscc']}，"
                                                f"且分属 {c['kept_county']} 和 {c['other_county']}：可能是同一家企业被计了两次，"
                                                f"请核对后在台账中补上信用代码和正确的县（市、区）"})
        for c in m.hazard_conflicts(conn):
            report.conflicts.append({"type": "hazard_status", "source": label, **c,
                                     "message": f"隐患 {c['key']} 状态不一致：保留“{c['kept_status']}”，"
                                                f"{label} 中为“{c['other_status']}”"})
        m.copy_batches(conn, label)
        entry = {"path": str(p), "enterprises": m.copy_enterprises(conn)}
        before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM main.hazard").fetchone()[0]
        for table, key in m.RECORDS:
            copied, dup = m.copy_records(conn, table, key)
            entry[table] = copied
            if dup:
                entry[f"{table}_already_present"] = dup
        m.copy_hazard_history(conn, before)
        conn.execute("COMMIT")
    except BaseException as exc:
        rollback(conn)
        if isinstance(exc, sqlite3.OperationalError) and "interrupt" in str(exc):  # the bound, reached
            raise DatabaseError(f"合并“{p.name}”所需的计算量远超其大小，可能是被构造或改动过的文件，未合并，输出文件未生成。",
                                hint="请用该县 zjsafety 生成的原始数据库文件，或去掉该文件后重新合并。") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
        conn.execute("DETACH DATABASE src")
    return entry


_STEP = 1000  # SQLite instructions between two calls of the progress handler


def _bound(conn: sqlite3.Connection, p: Path) -> None:
    """A merge works in proportion to the pages it reads and writes: a county file whose data
    is made to multiply (thousands of same-named enterprises meeting thousands) is stopped
    once it has cost many times what its size allows, instead of running for hours."""
    pages = sum(conn.execute(f"PRAGMA {db}.page_count").fetchone()[0] for db in ("main", "src"))
    budget = max(pages, 1000) * refdata.load_toml("import.toml")["limits"]["merge_steps_per_page"] // _STEP
    calls = [0]

    def tick() -> int:
        calls[0] += 1
        return calls[0] > budget  # non-zero: SQLite interrupts the statement
    conn.set_progress_handler(tick, _STEP)


def _check_source(p: Path) -> None:
    with open(p, "rb") as fh:
        if not fh.read(16).startswith(b"SQLite format 3"):
            raise DatabaseError(f"“{p}”不是 zjsafety 数据库。")
    # a path as a file: URI, quoted (a name with # ? % or spaces is a path, not a query or fragment)
    c = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        v = schema_version(c)
        odd = m.foreign_schema(c)
    except (DatabaseError, sqlite3.DatabaseError):
        raise DatabaseError(f"“{p}”不是 zjsafety 数据库。") from None
    finally:
        c.close()
    if odd:
        raise DatabaseError(f"“{p}”的结构不是 zjsafety 写的（{odd}），未合并。",
                            hint="请用该县 zjsafety 生成的原始数据库文件；被改动过的文件可能导致合并出错或长时间卡住。")
    if v != LATEST:
        raise DatabaseError(f"“{p}”的结构版本为 {v}，请先在该库上运行 zjsafety --db {p.name} init 升级到版本 {LATEST}。")
