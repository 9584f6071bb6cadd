"""SQL for import: enterprise lookups, provenance rows, and saving built records.

`save` takes the records of one batch of rows (natural key, column values, sectors, Excel
row) and inserts the new ones, updates the changed ones and counts the unchanged ones; one
function per kind of table, sharing the lookup, insert and update steps."""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from zjsafety import __version__
from zjsafety.core.clock import utc_now

_CHUNK = 900  # stay under SQLite's variable limit on old builds
CLOSED_STATUSES = ("已整改", "已销号")
PROV = ["batch_id", "src_row"]
Record = tuple[str, dict, list, int]  # (natural key, values, sectors, Excel row)
IMPORT_CACHE_KIB = 8192  # page cache while an import writes (the connection's 64 MiB is sized for audits)


def _chunks(seq: Sequence, n: int = _CHUNK):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def _marks(n: int) -> str:
    return ",".join("?" * n)


# ---------------------------------------------------------------- lookups

def find_enterprises_by_uscc(conn: sqlite3.Connection, usccs: Iterable[str]) -> dict[str, tuple]:
    out = {}
    for part in _chunks(list(set(usccs))):
        for r in conn.execute(f"SELECT uscc, id, natural_key, county_code FROM enterprise WHERE uscc IN ({_marks(len(part))})",
                              part):
            out[r[0]] = (r[1], r[2], r[3])
    return out


def find_enterprises_by_name(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for part in _chunks(list(set(names))):
        for r in conn.execute(f"SELECT name_norm, id, natural_key, county_code FROM enterprise "
                              f"WHERE name_norm IN ({_marks(len(part))})", part):
            out.setdefault(r[0], []).append((r[1], r[2], r[3]))
    return out


def existing_hazard_numbers(conn: sqlite3.Connection, numbers: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for part in _chunks(list(set(numbers))):
        found.update(r[0] for r in conn.execute(
            f"SELECT hazard_no FROM hazard WHERE hazard_no IN ({_marks(len(part))})", part))
    return found


def townships(conn: sqlite3.Connection, county: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT township FROM enterprise WHERE county_code=? AND township IS NOT NULL ORDER BY township",
        (county,))]


# ---------------------------------------------------------------- provenance

def new_batch(conn: sqlite3.Connection, *, file_name: str, sha256: str, kind: str, sheet: str | None) -> int:
    """One import batch per sheet: the file's name (not its local path) and sha256."""
    cur = conn.execute(
        "INSERT INTO import_batch(path, file_name, sha256, kind, sheet, imported_at, rows_read, inserted, "
        "updated, unchanged, rejected, tool_version) VALUES (?,?,?,?,?,?,0,0,0,0,0,?)",
        (file_name, file_name, sha256, kind, sheet, utc_now(), __version__))
    return cur.lastrowid


def finish_batch(conn: sqlite3.Connection, batch_id: int, counts: dict[str, int]) -> None:
    conn.execute("UPDATE import_batch SET rows_read=?, inserted=?, updated=?, unchanged=?, rejected=? WHERE id=?",
                 (counts["rows"], counts["inserted"], counts["updated"], counts["unchanged"],
                  counts["rejected"], batch_id))


class _Tx:
    rollback: bool


@contextmanager
def import_transaction(conn: sqlite3.Connection, *, dry_run: bool) -> Iterator[_Tx]:
    """One transaction for a whole import, rolled back for a dry run, when the caller sets
    `rollback`, and on any exception (Ctrl-C included). A small page cache while it writes:
    rows go through in batches and are not read back."""
    tx = _Tx()
    tx.rollback = dry_run
    old = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield tx
    except BaseException:
        conn.execute("ROLLBACK")
        tx.rollback = True
        raise
    else:
        conn.execute("ROLLBACK" if tx.rollback else "COMMIT")
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old)}")


@contextmanager
def indexes_after_load(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """A load into an empty table: its non-unique indexes are dropped and built again once the
    rows are in (one sort instead of an index insert per row). Unique indexes stay: rows are
    found by them. On an error nothing is rebuilt: the import's transaction is rolled back,
    and the dropped indexes with it."""
    if conn.execute(f"SELECT 1 FROM {q(table)} LIMIT 1").fetchone():
        yield
        return
    defs = [(name, ddl) for name, ddl in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))
        if not re.match(r"\s*CREATE\s+UNIQUE\b", ddl, re.I)]
    for name, _ in defs:
        conn.execute(f"DROP INDEX {q(name)}")
    yield
    for _, ddl in defs:
        conn.execute(ddl)


# ---------------------------------------------------------------- saving records

def save(conn: sqlite3.Connection, table: str, records: list[Record], batch_id: int, *, today: str) -> dict[str, int]:
    """Insert new records, update changed ones, count unchanged ones, by natural key. A record
    is unchanged when every column (and, for enterprises, the sector set) equals what is
    stored; its provenance then stays with the batch that last changed it."""
    if not records:
        return {"inserted": 0, "updated": 0, "unchanged": 0}
    if table == "enterprise":
        return _save_enterprises(conn, records, batch_id, today)
    if table == "hazard":
        return _save_hazards(conn, records, batch_id, today)
    return _save_plain(conn, table, records, batch_id)


def _columns(records: list[Record]) -> list[str]:
    return list(records[0][1].keys())  # builders give every record the same keys in one order


def _existing(conn, table: str, keycol: str, cols: list[str], keys: list[str], extra: str = "") -> dict[str, tuple]:
    """key -> (id, stored values in `cols` order[, extra])."""
    out: dict[str, tuple] = {}
    if not conn.execute(f"SELECT 1 FROM {q(table)} LIMIT 1").fetchone():
        return out  # an empty table holds nothing to compare
    select = ", ".join(map(q, cols)) + extra
    for part in _chunks(keys):
        for r in conn.execute(f"SELECT {q(keycol)}, id, {select} FROM {q(table)} AS t "
                              f"WHERE {q(keycol)} IN ({_marks(len(part))})", part):
            out[r[0]] = tuple(r[1:])
    return out


def _insert(conn, table: str, cols: list[str], rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"INSERT INTO {q(table)} ({','.join(map(q, cols))}) VALUES ({_marks(len(cols))})", rows)


def _update(conn, table: str, cols: list[str], rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"UPDATE {q(table)} SET {','.join(f'{q(c)}=?' for c in cols)} WHERE id=?", rows)


def _split(records: list[Record], existing: dict[str, tuple], n: int, batch_id: int, key_in_row: bool):
    """(rows to insert, (record, id, stored) of changed records) — unchanged ones are counted."""
    inserts, changed, unchanged = [], [], 0
    for rec in records:
        key, values, _, src_row = rec
        vals = tuple(values.values())
        old = existing.get(key)
        if old is None:
            inserts.append(((key,) if key_in_row else ()) + vals + (batch_id, src_row))
        elif vals == old[1:n + 1]:
            unchanged += 1
        else:
            changed.append((rec, old[0], old[1:]))
    return inserts, changed, unchanged


def _save_plain(conn, table: str, records: list[Record], batch_id: int) -> dict[str, int]:
    cols = _columns(records)
    existing = _existing(conn, table, "natural_key", cols, [r[0] for r in records])
    inserts, changed, unchanged = _split(records, existing, len(cols), batch_id, key_in_row=True)
    _insert(conn, table, ["natural_key", *cols, *PROV], inserts)
    _update(conn, table, cols + PROV, [(*rec[1].values(), batch_id, rec[3], rid) for rec, rid, _ in changed])
    return {"inserted": len(inserts), "updated": len(changed), "unchanged": unchanged}


def _save_enterprises(conn, records: list[Record], batch_id: int, today: str) -> dict[str, int]:
    cols = _columns(records)
    n = len(cols)
    sectors_sql = (", (SELECT group_concat(sector, char(31)) FROM (SELECT sector FROM enterprise_sector "
                   "WHERE enterprise_id = t.id ORDER BY sector))")
    existing = _existing(conn, "enterprise", "natural_key", cols, [r[0] for r in records], sectors_sql)
    inserts, changed, unchanged = [], [], 0
    for rec in records:
        key, values, sectors, src_row = rec
        old = existing.get(key)
        if old is None:
            inserts.append((key, *values.values(), batch_id, src_row))
        elif tuple(values.values()) == old[1:n + 1] and "\x1f".join(sorted(sectors)) == (old[n + 1] or ""):
            unchanged += 1
        else:
            changed.append((rec, old[0]))
    max_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM enterprise").fetchone()[0]
    _insert(conn, "enterprise", ["natural_key", *cols, *PROV], inserts)
    _update(conn, "enterprise", cols + PROV, [(*rec[1].values(), batch_id, rec[3], rid) for rec, rid in changed])
    ent_sectors = [(rid, rec[2]) for rec, rid in changed]
    if inserts:  # rows inserted just now are those above the old maximum id
        conn.execute("UPDATE enterprise SET first_seen = ? WHERE id > ?", (today, max_id))
        by_key = {r[0]: r[2] for r in records}
        ent_sectors += [(rid, by_key[nk]) for rid, nk in
                        conn.execute("SELECT id, natural_key FROM enterprise WHERE id > ?", (max_id,))]
    if ent_sectors:
        conn.executemany("DELETE FROM enterprise_sector WHERE enterprise_id=?", [(e,) for e, _ in ent_sectors])
        conn.executemany("INSERT OR IGNORE INTO enterprise_sector(enterprise_id, sector) VALUES (?,?)",
                         [(e, s) for e, ss in ent_sectors for s in ss])
    return {"inserted": len(inserts), "updated": len(changed), "unchanged": unchanged}


def _save_hazards(conn, records: list[Record], batch_id: int, today: str) -> dict[str, int]:
    """Hazards are keyed by their number (hazard_no); one whose status changes gets a row of
    history (the state before the first change is recorded then, dated when it was found)."""
    cols = _columns(records)
    existing = _existing(conn, "hazard", "hazard_no", cols, [r[0] for r in records])
    inserts, changed, unchanged = _split(records, existing, len(cols), batch_id, key_in_row=False)
    _insert(conn, "hazard", cols + PROV, inserts)
    status_at = cols.index("status")
    moved = [(rec, rid, stored[status_at]) for rec, rid, stored in changed if stored[status_at] != rec[1]["status"]]
    if moved:
        for part in _chunks([rid for _, rid, _ in moved]):
            conn.execute(f"""
                INSERT INTO hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, batch_id)
                SELECT h.id, h.status, h.rectified_on, h.closed_on, h.found_on, h.batch_id FROM hazard h
                WHERE h.id IN ({_marks(len(part))})
                  AND NOT EXISTS (SELECT 1 FROM hazard_status s WHERE s.hazard_id = h.id)""", part)
    _update(conn, "hazard", cols + PROV, [(*rec[1].values(), batch_id, rec[3], rid) for rec, rid, _ in changed])
    if moved:
        conn.executemany("INSERT INTO hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, batch_id) "
                         "VALUES (?,?,?,?,?,?)",
                         [(rid, rec[1]["status"], rec[1]["rectified_on"], rec[1]["closed_on"], today, batch_id)
                          for rec, rid, _ in moved])
        conn.executemany("UPDATE hazard SET reopened_on = COALESCE(reopened_on, ?) WHERE id = ?",
                         [(today, rid) for rec, rid, old in moved
                          if old in CLOSED_STATUSES and rec[1]["status"] not in CLOSED_STATUSES])
    return {"inserted": len(inserts), "updated": len(changed), "unchanged": unchanged}
