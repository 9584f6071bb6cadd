"""SQL for import: enterprise lookups, provenance rows, and saving built records.

`save` takes the records of one batch of rows (natural key, column values, sectors, Excel
row) and inserts the new ones, updates the changed ones and counts the unchanged ones; one
function per kind of table, sharing the lookup, insert and update steps."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Sequence

from zjsafety import __version__
from zjsafety.core.clock import utc_now
from zjsafety.store.connection import rollback

_CHUNK = 900  # stay under SQLite's variable limit on old builds
CLOSED_STATUSES = ("已整改", "已销号")
# a hazard's status only moves forward by inference (a rectified date says 已整改, never that a
# 已销号 hazard was reopened); a stated status may go back, and that is listed as a change
STATUS_RANK = {"未整改": 0, "整改中": 1, "已整改": 2, "已销号": 3}
PROV = ["batch_id", "src_row"]
# (natural key, values, sectors, Excel row, columns whose value was inferred, not stated)
Record = tuple[str, dict, list, int, frozenset]
# stated changes that move a record between the scopes audits and draws are cut by
SCOPE_COLUMNS = ("county_code", "status")
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


def numbers_in_use(conn: sqlite3.Connection, table: str, column: str, numbers: Iterable[str]) -> dict[str, set[int]]:
    """ledger number (hazard, risk, case) -> the enterprises (ids) that have a record so numbered."""
    found: dict[str, set[int]] = {}
    for part in _chunks(list(set(numbers))):
        for no, eid in conn.execute(f"SELECT {q(column)}, enterprise_id FROM {q(table)} "
                                    f"WHERE {q(column)} IN ({_marks(len(part))})", part):
            found.setdefault(no, set()).add(eid)
    return found


def stored_candidates(conn: sqlite3.Connection, table: str, cols: Sequence[str], by: str | None,
                      values: Iterable, null: str | None = None) -> list[dict]:
    """The stored records a batch of rows might be: those whose `by` column (their enterprise,
    their hazard number) is one of `values`, or with `by` None the whole table (the small
    tables: lists, rosters, tasks); with `null`, only those where that column is empty. Each a
    dict of id, natural_key and `cols`, in the order of `by` and then of storing."""
    select = ", ".join(["id", "natural_key", *map(q, cols)])
    names = ["id", "natural_key", *cols]
    if by is None:
        return [dict(zip(names, r)) for r in conn.execute(f"SELECT {select} FROM {q(table)}")]
    empty = f" AND {q(null)} IS NULL" if null else ""
    out = []
    for part in _chunks([v for v in set(values) if v is not None]):
        out += [dict(zip(names, r)) for r in conn.execute(
            f"SELECT {select} FROM {q(table)} WHERE {q(by)} IN ({_marks(len(part))}){empty} "
            f"ORDER BY {q(by)}, id", part)]
    return out


def indexed(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether an index of the table starts with the column (a look-up by it reads no whole table)."""
    for _, name, *_ in conn.execute(f"PRAGMA index_list({q(table)})"):
        first = conn.execute(f"PRAGMA index_info({q(name)})").fetchone()
        if first is not None and first[2] == column:
            return True
    return False


def enterprises_like(conn: sqlite3.Connection, usccs: Iterable[str], orgs: Iterable[str],
                     names: Iterable[str]) -> list[dict]:
    """Stored enterprises sharing a USCC, an organisation code or a normalised name with a batch."""
    cols = "id, natural_key, uscc, org_code, name_norm, county_code"
    names_ = ["id", "natural_key", "uscc", "org_code", "name_norm", "county_code"]
    seen: dict[int, dict] = {}
    for col, vals in (("uscc", usccs), ("org_code", orgs), ("name_norm", names)):
        for part in _chunks([v for v in set(vals) if v]):
            for r in conn.execute(f"SELECT {cols} FROM enterprise WHERE {col} IN ({_marks(len(part))})", part):
                seen[r[0]] = dict(zip(names_, r))
    return list(seen.values())


def plan_task_counties(conn: sqlite3.Connection, code: str | None, title_norm: str | None) -> list[str | None]:
    """The counties of stored tasks with this code (or, lacking one, this title)."""
    if code:
        rows = conn.execute("SELECT county_code FROM plan_task WHERE task_code = ?", (code,))
    else:
        rows = conn.execute("SELECT county_code, title FROM plan_task WHERE task_code IS NULL")
        from zjsafety.core.normalize import fold
        return [r[0] for r in rows if fold(r[1] or "") == title_norm]
    return [r[0] for r in rows]


def not_null_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({q(table)})") if r[3]]


def imported_file(conn: sqlite3.Connection, sha256: str) -> str | None:
    """The name a file with this content was imported under, if it ever was."""
    r = conn.execute("SELECT file_name FROM import_batch WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
    return r[0] if r else None


def imported_name(conn: sqlite3.Connection, file_name: str) -> str | None:
    """A ledger imported under this file name (whatever its content now)."""
    r = conn.execute("SELECT file_name FROM import_batch WHERE file_name = ? LIMIT 1", (file_name,)).fetchone()
    return r[0] if r else None


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
        rollback(conn)
        tx.rollback = True
        raise
    else:
        conn.execute("ROLLBACK" if tx.rollback else "COMMIT")
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old)}")


@contextmanager
def indexes_after_load(conn: sqlite3.Connection, table: str) -> Iterator[bool]:
    """A load into an empty table: its indexes are dropped and built again once the rows are
    in (one sort instead of an index insert per row); a unique one built again is the check
    that no key came twice. Yields whether the table was empty: such a load must not look rows
    up in it (`save(fresh=True)`; each lookup would scan every row loaded so far), and needs
    not — the sheet's own keys are told apart by the loader. On an error nothing is rebuilt:
    the import's transaction is rolled back, and the dropped indexes with it."""
    if conn.execute(f"SELECT 1 FROM {q(table)} LIMIT 1").fetchone():
        yield False
        return
    defs = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,)).fetchall()
    for name, _ in defs:
        conn.execute(f"DROP INDEX {q(name)}")
    yield True
    for _, ddl in defs:
        conn.execute(ddl)


# ---------------------------------------------------------------- saving records

class Policy:
    """How a batch of records meets what is stored.

    merge (the default): a value the ledger gives replaces the stored one; a value it does not
    give (no such column, or an empty cell) keeps the stored one. `present` names the columns
    the ledger has, so that an empty cell there is counted as kept. replace (`--replace`): the
    ledger's row replaces the stored row whole. `defaults` fill what a new record lacks."""

    def __init__(self, present: set[str] | None = None, replace: bool = False, defaults: dict | None = None):
        self.present, self.replace, self.defaults = present, replace, defaults or {}


def save(conn: sqlite3.Connection, table: str, records: list[Record], batch_id: int, *, today: str,
         policy: Policy | None = None, fresh: bool = False) -> dict:
    """Insert new records, update changed ones, count unchanged ones, by natural key. A record
    is unchanged when, merged with what is stored, it equals it; its provenance then stays with
    the batch that last changed it. Columns a record marks inferred only fill what is empty.
    Besides the counts: `kept_inferred`, the inferred values not taken, and `changes`, the
    stated values that move a stored record to another county, sector or an earlier status.
    `fresh`: the table held nothing when this sheet began (`indexes_after_load`), so every
    record is new and nothing is looked up."""
    policy = policy or Policy()
    if not records:
        return {"inserted": 0, "updated": 0, "unchanged": 0, "kept": 0, "kept_inferred": [], "changes": []}
    if table == "enterprise":
        return _save_enterprises(conn, records, batch_id, today, policy)
    if table == "hazard":
        return _save_hazards(conn, records, batch_id, today, policy, fresh)
    return _save_plain(conn, table, records, batch_id, policy, fresh)


def _columns(records: list[Record]) -> list[str]:
    return list(records[0][1].keys())  # builders give every record the same keys in one order


def _existing(conn, table: str, cols: list[str], keys: list[str], extra: str = "",
              fresh: bool = False) -> dict[str, tuple]:
    """natural key -> (id, stored values in `cols` order[, extra])."""
    out: dict[str, tuple] = {}
    if fresh or not conn.execute(f"SELECT 1 FROM {q(table)} LIMIT 1").fetchone():
        return out  # an empty table holds nothing to compare
    select = ", ".join(map(q, cols)) + extra
    for part in _chunks(keys):
        for r in conn.execute(f"SELECT natural_key, id, {select} FROM {q(table)} AS t "
                              f"WHERE natural_key IN ({_marks(len(part))})", part):
            out[r[0]] = tuple(r[1:])
    return out


def _insert(conn, table: str, cols: list[str], rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"INSERT INTO {q(table)} ({','.join(map(q, cols))}) VALUES ({_marks(len(cols))})", rows)


def _update(conn, table: str, cols: list[str], rows: list[tuple]) -> None:
    if rows:
        conn.executemany(f"UPDATE {q(table)} SET {','.join(f'{q(c)}=?' for c in cols)} WHERE id=?", rows)


def _filled(new: tuple, fill: list[tuple[int, object]]) -> tuple:
    """The row with the table's defaults where it holds nothing (only the few defaulted columns looked at)."""
    for i, _ in fill:
        if new[i] is None:
            break
    else:
        return new
    row = list(new)
    for i, d in fill:
        if row[i] is None:
            row[i] = d
    return tuple(row)


class _Batch:
    """One batch of records sorted against what is stored: rows to insert, rows to update
    (merged per the policy), and the counts."""

    def __init__(self, records: list[Record], existing: dict[str, tuple], cols: list[str], batch_id: int,
                 policy: Policy):
        n = len(cols)
        counted = [policy.present is None or c in policy.present for c in cols]
        fill = [(i, policy.defaults[c]) for i, c in enumerate(cols) if policy.defaults.get(c) is not None]
        self.inserts, self.updates, self.unchanged, self.kept = [], [], 0, 0
        self.kept_inferred: list[tuple] = []  # (Excel row, column, inferred value, stored value kept)
        self.changes: list[tuple] = []  # (Excel row, column, stored value, new value): stated scope moves
        at = {c: i for i, c in enumerate(cols)}
        watch = [(c, at[c]) for c in SCOPE_COLUMNS if c in at]
        for key, values, sectors, src_row, inferred in records:
            new = tuple(values.values())
            old = existing.get(key)
            if old is None:
                self.inserts.append((key, *_filled(new, fill), batch_id, src_row))
                continue
            stored = old[1:n + 1]
            if policy.replace:  # the whole row as the ledger gives it, what it leaves empty as for a new record
                merged = _filled(new, fill)
            elif new == stored:  # a row imported again as it was: nothing to merge, nothing kept
                merged = new
            else:
                merged = tuple(v if v is not None else s for v, s in zip(new, stored))
                self.kept += sum(1 for v, s, c in zip(new, stored, counted) if v is None and s is not None and c)
            if inferred:
                merged = self._second_class(merged, stored, inferred, at, src_row)
            for c, i in watch:
                if c not in inferred and stored[i] is not None and merged[i] != stored[i]:
                    if c != "status" or STATUS_RANK.get(merged[i], 0) < STATUS_RANK.get(stored[i], 0):
                        self.changes.append((src_row, c, stored[i], merged[i]))
            self.updates.append((key, old[0], merged, stored, sectors, src_row, inferred))

    def _second_class(self, merged: tuple, stored: tuple, inferred: frozenset, at: dict, src_row: int) -> tuple:
        """An inferred value fills only what is empty (a status only moves forward); the
        stored value it did not replace is noted, so the clerk is told which was kept."""
        out = list(merged)
        for c in inferred:
            i = at.get(c)
            if i is None or merged[i] is None or stored[i] is None:
                continue
            v, s = merged[i], stored[i]
            if c == "status":
                keep = STATUS_RANK.get(v, 0) <= STATUS_RANK.get(s, 0)
            else:
                keep = True
            if keep:
                out[i] = s
                if v != s:
                    self.kept_inferred.append((src_row, c, v, s))
        return tuple(out)

    def changed(self, same: Callable[[tuple], bool] | None = None) -> list[tuple]:
        """(key, id, merged, stored, sectors, src_row) of the records that change something."""
        out = []
        for u in self.updates:
            if u[2] == u[3] and (same is None or same(u)):
                self.unchanged += 1
            else:
                out.append(u)
        return out

    def counts(self, updated: int) -> dict:
        return {"inserted": len(self.inserts), "updated": updated, "unchanged": self.unchanged, "kept": self.kept,
                "kept_inferred": self.kept_inferred, "changes": self.changes}


def _save_plain(conn, table: str, records: list[Record], batch_id: int, policy: Policy,
                fresh: bool) -> dict[str, int]:
    cols = _columns(records)
    b = _Batch(records, _existing(conn, table, cols, [r[0] for r in records], fresh=fresh), cols, batch_id, policy)
    changed = b.changed()
    _insert(conn, table, ["natural_key", *cols, *PROV], b.inserts)
    _update(conn, table, cols + PROV, [(*merged, batch_id, row, rid) for _, rid, merged, _, _, row, _ in changed])
    return b.counts(len(changed))


def _save_enterprises(conn, records: list[Record], batch_id: int, today: str, policy: Policy) -> dict[str, int]:
    """Enterprises, and the sectors each belongs to: a ledger that names none keeps them.
    Looked up even in a fresh load: a row may name (by code) the enterprise an earlier row of
    the sheet named only by name, and completes it."""
    cols = _columns(records)
    sectors_sql = (", (SELECT group_concat(sector, char(31)) FROM (SELECT sector FROM enterprise_sector "
                   "WHERE enterprise_id = t.id ORDER BY sector))")
    existing = _existing(conn, "enterprise", cols, [r[0] for r in records], sectors_sql)
    stored_sectors = {k: (v[len(cols) + 1] or "") for k, v in existing.items()}
    b = _Batch(records, existing, cols, batch_id, policy)

    def sectors_of(u) -> list[str]:
        new = sorted(u[4])
        stated = "sectors" not in u[6]  # sectors guessed from an industry code only fill an empty list
        if (new and (stated or not stored_sectors[u[0]])) or (policy.replace and stated):
            return new
        return stored_sectors[u[0]].split("\x1f") if stored_sectors[u[0]] else []

    changed = b.changed(same=lambda u: "\x1f".join(sectors_of(u)) == stored_sectors[u[0]])
    max_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM enterprise").fetchone()[0]
    _insert(conn, "enterprise", ["natural_key", *cols, *PROV], b.inserts)
    _update(conn, "enterprise", cols + PROV, [(*merged, batch_id, row, rid) for _, rid, merged, _, _, row, _ in changed])
    ent_sectors = [(u[1], sectors_of(u)) for u in changed]
    # a record kept by name (or under a mistyped code) that now has its USCC is known by it
    at_uscc = cols.index("uscc")
    rekey = [(u[2][at_uscc], u[1]) for u in changed if u[2][at_uscc] and u[0] != "U:" + u[2][at_uscc]]
    if rekey:
        conn.executemany("UPDATE enterprise SET natural_key = 'U:' || ? WHERE id = ?", rekey)
    b.kept_inferred += [(u[5], "sectors", "、".join(sorted(u[4])), stored_sectors[u[0]].replace("\x1f", "、"))
                        for u in b.updates if "sectors" in u[6] and stored_sectors[u[0]]
                        and "\x1f".join(sorted(u[4])) != stored_sectors[u[0]]]
    b.changes += [(u[5], "sector", stored_sectors[u[0]].replace("\x1f", "、"), "、".join(sectors_of(u)))
                  for u in changed if stored_sectors[u[0]] and "\x1f".join(sectors_of(u)) != stored_sectors[u[0]]]
    if b.inserts:  # rows inserted just now are those above the old maximum id
        conn.execute("UPDATE enterprise SET first_seen = ? WHERE id > ?", (today, max_id))
        by_key = {r[0]: r[2] for r in records}
        ent_sectors += [(rid, by_key[nk]) for rid, nk in
                        conn.execute("SELECT id, natural_key FROM enterprise WHERE id > ?", (max_id,))]
    if ent_sectors:
        conn.executemany("DELETE FROM enterprise_sector WHERE enterprise_id=?", [(e,) for e, _ in ent_sectors])
        conn.executemany("INSERT OR IGNORE INTO enterprise_sector(enterprise_id, sector) VALUES (?,?)",
                         [(e, s) for e, ss in ent_sectors for s in ss])
    return b.counts(len(changed))


def _save_hazards(conn, records: list[Record], batch_id: int, today: str, policy: Policy,
                  fresh: bool) -> dict[str, int]:
    """Hazards; one whose status changes gets a row of history (the state before the first
    change is recorded then, dated when the hazard was found)."""
    cols = _columns(records)
    b = _Batch(records, _existing(conn, "hazard", cols, [r[0] for r in records], fresh=fresh), cols, batch_id, policy)
    changed = b.changed()
    _insert(conn, "hazard", ["natural_key", *cols, *PROV], b.inserts)
    at = {c: i for i, c in enumerate(cols)}
    st = at["status"]
    moved = [u for u in changed if u[2][st] != u[3][st]]
    if moved:
        for part in _chunks([u[1] for u in moved]):
            conn.execute(f"""
                INSERT INTO hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, batch_id)
                SELECT h.id, h.status, h.rectified_on, h.closed_on, h.found_on, h.batch_id FROM hazard h
                WHERE h.id IN ({_marks(len(part))})
                  AND NOT EXISTS (SELECT 1 FROM hazard_status s WHERE s.hazard_id = h.id)""", part)
    _update(conn, "hazard", cols + PROV, [(*merged, batch_id, row, rid) for _, rid, merged, _, _, row, _ in changed])
    if moved:
        conn.executemany("INSERT INTO hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, batch_id) "
                         "VALUES (?,?,?,?,?,?)",
                         [(u[1], u[2][st], u[2][at["rectified_on"]], u[2][at["closed_on"]], today, batch_id)
                          for u in moved])
        conn.executemany("UPDATE hazard SET reopened_on = COALESCE(reopened_on, ?) WHERE id = ?",
                         [(today, u[1]) for u in moved
                          if u[3][st] in CLOSED_STATUSES and u[2][st] not in CLOSED_STATUSES])
    return b.counts(len(changed))
