"""SQL for import: enterprise lookups, provenance rows, and the upsert of built records."""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterable, Iterator, Sequence

from .. import __version__

_CHUNK = 900
CLOSED_STATUSES = ("已整改", "已销号")  # stay under SQLite's variable limit on old builds


def _chunks(seq: Sequence, n: int = _CHUNK):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def find_enterprises_by_uscc(conn: sqlite3.Connection, usccs: Iterable[str]) -> dict[str, tuple]:
    out = {}
    keys = list(set(usccs))
    for part in _chunks(keys):
        sql = f"SELECT uscc, id, natural_key, county_code FROM enterprise WHERE uscc IN ({','.join('?' * len(part))})"
        for r in conn.execute(sql, part):
            out[r[0]] = (r[1], r[2], r[3])
    return out


def find_enterprises_by_name(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    keys = list(set(names))
    for part in _chunks(keys):
        sql = (f"SELECT name_norm, id, natural_key, county_code FROM enterprise "
               f"WHERE name_norm IN ({','.join('?' * len(part))})")
        for r in conn.execute(sql, part):
            out.setdefault(r[0], []).append((r[1], r[2], r[3]))
    return out


def existing_hazard_numbers(conn: sqlite3.Connection, numbers: Iterable[str]) -> set[str]:
    keys = list(set(numbers))
    found: set[str] = set()
    for part in _chunks(keys):
        found.update(r[0] for r in conn.execute(
            f"SELECT hazard_no FROM hazard WHERE hazard_no IN ({','.join('?' * len(part))})", part))
    return found


def new_batch(conn: sqlite3.Connection, *, path: str, file_name: str, sha256: str, kind: str,
              sheet: str | None) -> int:
    cur = conn.execute(
        "INSERT INTO import_batch(path, file_name, sha256, kind, sheet, imported_at, rows_read, inserted, "
        "updated, unchanged, rejected, tool_version) VALUES (?,?,?,?,?,?,0,0,0,0,0,?)",
        (path, file_name, sha256, kind, sheet, datetime.now(timezone.utc).isoformat(timespec="seconds"),
         __version__))
    return cur.lastrowid


def finish_batch(conn: sqlite3.Connection, batch_id: int, counts: dict[str, int]) -> None:
    conn.execute("UPDATE import_batch SET rows_read=?, inserted=?, updated=?, unchanged=?, rejected=? WHERE id=?",
                 (counts["rows"], counts["inserted"], counts["updated"], counts["unchanged"],
                  counts["rejected"], batch_id))


def upsert(conn: sqlite3.Connection, table: str, records: list[tuple[str, dict, list[str], int]],
           batch_id: int, *, today: str) -> dict[str, int]:
    """Insert new records, update changed ones, count unchanged ones, by natural key.

    records: (natural_key, values, sectors, src_row); values in the builder's column order.
    A record counts as unchanged when every column (and, for enterprises, the sector set)
    equals what is stored; its provenance then stays with the batch that last changed it.
    Hazards whose status changes get a hazard_status history row."""
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    if not records:
        return counts
    keycol = "hazard_no" if table == "hazard" else "natural_key"
    cols = list(records[0][1].keys())
    select = ", ".join(map(q, cols))
    if table == "enterprise":
        select += (", (SELECT group_concat(sector, char(31)) FROM (SELECT sector FROM enterprise_sector "
                   "WHERE enterprise_id = t.id ORDER BY sector))")
    existing: dict[str, tuple] = {}
    keys = [r[0] for r in records]
    max_id = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(table)}").fetchone()[0]
    for part in _chunks(keys) if max_id else ():  # an empty table holds nothing to compare
        sql = f"SELECT {q(keycol)}, id, {select} FROM {q(table)} AS t WHERE {q(keycol)} IN ({','.join('?' * len(part))})"
        for r in conn.execute(sql, part):
            existing[r[0]] = tuple(r[1:])
    n = len(cols)
    inserts, updates, ent_sectors, status_changes, new_keys = [], [], [], [], []
    if not existing and table != "enterprise":  # none stored yet (a first import): all inserts
        if table == "hazard":
            inserts = [(*values.values(), batch_id, src_row) for _, values, _, src_row in records]
        else:
            inserts = [(key, *values.values(), batch_id, src_row) for key, values, _, src_row in records]
        records = []
    for key, values, sectors, src_row in records:
        vals = list(values.values())  # builders give every record the same keys in the same order
        old = existing.get(key)
        if old is None:
            inserts.append(([key] if table != "hazard" else []) + vals + [batch_id, src_row])
            new_keys.append(key)
            continue
        rid, stored = old[0], old[1:n + 1]
        same = tuple(vals) == stored
        if table == "enterprise":
            same = same and "\x1f".join(sorted(sectors)) == (old[n + 1] or "")
        if same:
            counts["unchanged"] += 1
            continue
        updates.append(vals + [batch_id, src_row, rid])
        if table == "enterprise":
            ent_sectors.append((rid, sectors))
        if table == "hazard" and stored[cols.index("status")] != values["status"]:
            status_changes.append((rid, values, stored[cols.index("status")]))
    prov = ["batch_id", "src_row"]
    if inserts:
        allc = ([] if table == "hazard" else ["natural_key"]) + cols + prov
        conn.executemany(f"INSERT INTO {q(table)} ({','.join(map(q, allc))}) VALUES ({','.join('?' * len(allc))})",
                         inserts)
        counts["inserted"] = len(inserts)
    if table == "hazard" and status_changes:
        # history starts at the first change: the state before it, dated when the hazard was found
        # (a hazard never changed has its one state in its own row, and no history rows)
        ids = [rid for rid, _, _ in status_changes]
        for part in _chunks(ids):
            conn.execute(f"""
                INSERT INTO hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, batch_id)
                SELECT h.id, h.status, h.rectified_on, h.closed_on, h.found_on, h.batch_id FROM hazard h
                WHERE h.id IN ({','.join('?' * len(part))})
                  AND NOT EXISTS (SELECT 1 FROM hazard_status s WHERE s.hazard_id = h.id)""", part)
    if updates:
        sets = ",".join(f"{q(c)}=?" for c in cols + prov)
        conn.executemany(f"UPDATE {q(table)} SET {sets} WHERE id=?", updates)
        counts["updated"] = len(updates)
    if table == "enterprise":
        by_key = {r[0]: r[2] for r in records}
        if new_keys:
            conn.execute("UPDATE enterprise SET first_seen = ? WHERE id > ?", (today, max_id))
        if new_keys:  # rows inserted just now are those above the old maximum id
            for rid, nk in conn.execute("SELECT id, natural_key FROM enterprise WHERE id > ?", (max_id,)):
                ent_sectors.append((rid, by_key[nk]))
        if ent_sectors:
            conn.executemany("DELETE FROM enterprise_sector WHERE enterprise_id=?", [(e,) for e, _ in ent_sectors])
            conn.executemany("INSERT OR IGNORE INTO enterprise_sector(enterprise_id, sector) VALUES (?,?)",
                             [(e, s) for e, ss in ent_sectors for s in ss])
    if table == "hazard":
        hist = [(rid, v["status"], v["rectified_on"], v["closed_on"], today, batch_id) for rid, v, _ in status_changes]
        if hist:
            conn.executemany("INSERT INTO hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, "
                             "batch_id) VALUES (?,?,?,?,?,?)", hist)
            reopened = [(today, rid) for rid, v, old in status_changes
                        if old in CLOSED_STATUSES and v["status"] not in CLOSED_STATUSES]
            conn.executemany("UPDATE hazard SET reopened_on = COALESCE(reopened_on, ?) WHERE id = ?", reopened)
    return counts


# page cache while an import writes: the rows go through in batches and are not read back, and
# the connection's 64 MiB (sized for audits) only held dirty pages: 100k rows peaked at 217 MiB
# with it, 200 MiB with 8 MiB, in the same time
IMPORT_CACHE_KIB = 8192


@contextmanager
def import_cache(conn: sqlite3.Connection) -> Iterator[None]:
    old = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old)}")


@contextmanager
def indexes_after_load(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """A load into an empty table: its non-unique indexes are dropped and built again once the
    rows are in (one sort instead of an index insert per row: 100k hazards 1.3-1.6 s -> 1.0-1.2 s).
    Unique indexes stay, the upsert finds keys by them. On an error nothing is rebuilt: the
    import's transaction is rolled back, and the dropped indexes with it."""
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


def townships(conn: sqlite3.Connection, county: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT township FROM enterprise WHERE county_code=? AND township IS NOT NULL ORDER BY township",
        (county,))]
