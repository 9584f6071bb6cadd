"""SQL for merging county databases into a city or province one (ATTACH, set-based)."""

from __future__ import annotations

import sqlite3

from zjsafety.store.schema import RECORD_TABLES

# Record tables with the enterprise they name and their natural key, in dependency order.
RECORDS = [(t, "natural_key") for t in RECORD_TABLES]


def columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})") if r[1] != "id"]


def foreign_schema(conn: sqlite3.Connection) -> str | None:
    """What in a county file is not as zjsafety writes it: a record table that is a view, or
    missing, or lacks a column we copy (a crafted view could make the merge run for ever)."""
    kinds = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')").fetchall())
    for table in ["import_batch", "enterprise", "enterprise_sector", "hazard_status", *[t for t, _ in RECORDS]]:
        if kinds.get(table) != "table":
            return f"“{table}”{'是视图' if kinds.get(table) == 'view' else '缺失'}"
    if "natural_key" not in columns(conn, "enterprise"):
        return "“enterprise”缺少列"
    return None


def copy_batches(conn: sqlite3.Connection, label: str) -> None:
    """Copy src's import batches, recording the source database in the path; map old -> new id."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS batch_map (old INTEGER PRIMARY KEY, new INTEGER)")
    conn.execute("DELETE FROM temp.batch_map")
    cols = columns(conn, "import_batch")
    for row in conn.execute(f"SELECT id, {','.join(cols)} FROM src.import_batch ORDER BY id").fetchall():
        vals = dict(zip(cols, row[1:]))
        vals["path"] = f"{label}::{vals['path']}"
        cur = conn.execute(f"INSERT INTO main.import_batch({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                           [vals[c] for c in cols])
        conn.execute("INSERT INTO temp.batch_map VALUES (?, ?)", (row[0], cur.lastrowid))


def enterprise_conflicts(conn: sqlite3.Connection) -> list[dict]:
    """The same enterprise (natural key) in both databases under different counties."""
    return [dict(r) for r in conn.execute("""
        SELECT s.natural_key AS key, s.name AS name, m.county_code AS kept_county, s.county_code AS other_county
        FROM src.enterprise s JOIN main.enterprise m ON m.natural_key = s.natural_key
        WHERE COALESCE(m.county_code, '') != COALESCE(s.county_code, '')""")]


def same_name_conflicts(conn: sqlite3.Connection) -> list[dict]:
    """An enterprise one database holds by name only and the other holds, under the same
    normalised name, with a USCC in another county: perhaps one enterprise counted twice.
    One line per enterprise of the county file (with the first such match), so that the list
    never outgrows the file."""
    return [{k: r[k] for k in r.keys() if k != "first_match"} for r in conn.execute("""
        SELECT s.name AS name, s.natural_key AS key, s.county_code AS other_county, m.county_code AS kept_county,
               COALESCE(m.uscc, s.uscc) AS uscc, MIN(m.id) AS first_match
        FROM src.enterprise s JOIN main.enterprise m ON m.name_norm = s.name_norm
        WHERE COALESCE(m.county_code, '') != COALESCE(s.county_code, '')
          AND ((s.uscc IS NULL AND m.uscc IS NOT NULL) OR (s.uscc IS NOT NULL AND m.uscc IS NULL))
        GROUP BY s.id ORDER BY s.id""")]


def hazard_conflicts(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute("""
        SELECT COALESCE(s.hazard_no, s.natural_key) AS key, m.status AS kept_status, s.status AS other_status
        FROM src.hazard s JOIN main.hazard m ON m.natural_key = s.natural_key WHERE m.status != s.status""")]


def copy_enterprises(conn: sqlite3.Connection) -> int:
    cols = [c for c in columns(conn, "enterprise") if c != "batch_id"]
    n = conn.execute(f"""
        INSERT INTO main.enterprise({','.join(cols)}, batch_id)
        SELECT {','.join('s.' + c for c in cols)}, bm.new FROM src.enterprise s
        LEFT JOIN temp.batch_map bm ON bm.old = s.batch_id
        WHERE NOT EXISTS (SELECT 1 FROM main.enterprise m WHERE m.natural_key = s.natural_key)
          AND (s.uscc IS NULL OR NOT EXISTS (SELECT 1 FROM main.enterprise m WHERE m.uscc = s.uscc))""").rowcount
    conn.execute("""
        INSERT OR IGNORE INTO main.enterprise_sector(enterprise_id, sector)
        SELECT m.id, es.sector FROM src.enterprise_sector es JOIN src.enterprise s ON s.id = es.enterprise_id
        JOIN main.enterprise m ON m.natural_key = s.natural_key""")
    return n


def copy_records(conn: sqlite3.Connection, table: str, key: str) -> tuple[int, int]:
    """(copied, already there) for one record table, enterprise and batch ids remapped."""
    cols = [c for c in columns(conn, table) if c not in ("enterprise_id", "batch_id")]
    has_ent = "enterprise_id" in columns(conn, table)
    ent_sel = ", me.id" if has_ent else ""
    ent_col = ", enterprise_id" if has_ent else ""
    ent_join = ("LEFT JOIN src.enterprise se ON se.id = s.enterprise_id "
                "LEFT JOIN main.enterprise me ON me.natural_key = se.natural_key") if has_ent else ""
    total = conn.execute(f"SELECT COUNT(*) FROM src.{table}").fetchone()[0]
    n = conn.execute(f"""
        INSERT INTO main.{table}({','.join(cols)}{ent_col}, batch_id)
        SELECT {','.join('s.' + c for c in cols)}{ent_sel}, bm.new FROM src.{table} s {ent_join}
        LEFT JOIN temp.batch_map bm ON bm.old = s.batch_id
        WHERE NOT EXISTS (SELECT 1 FROM main.{table} m WHERE m.{key} = s.{key})""").rowcount
    return n, total - n


def copy_hazard_history(conn: sqlite3.Connection, before_max: int) -> None:
    """Status history of the hazards just copied (ids above the old maximum)."""
    conn.execute("""
        INSERT INTO main.hazard_status(hazard_id, status, rectified_on, closed_on, recorded_at, batch_id)
        SELECT m.id, hs.status, hs.rectified_on, hs.closed_on, hs.recorded_at, bm.new
        FROM src.hazard_status hs JOIN src.hazard s ON s.id = hs.hazard_id
        JOIN main.hazard m ON m.natural_key = s.natural_key AND m.id > ?
        LEFT JOIN temp.batch_map bm ON bm.old = hs.batch_id ORDER BY hs.id""", (before_max,))
