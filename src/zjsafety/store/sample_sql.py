"""SQL for supervision draws: the frame, the must-include sets, recent inspections, the
roster, and the append-only draw log. Queries over a scope take it (store.scope_sql)."""

from __future__ import annotations

import json
import sqlite3
from zjsafety.store.audit_sql import repeat_hazards_sql
from zjsafety.store.scope_sql import bind

FRAME_SQL = """
    SELECT COALESCE(e.uscc, e.natural_key) AS key, e.id AS id, e.name AS name, e.uscc AS uscc,
           sm.county AS county, COALESCE(e.township, '') AS township,
           COALESCE((SELECT MIN(es.sector) FROM enterprise_sector es WHERE es.enterprise_id = e.id), '未注明') AS sector,
           (SELECT group_concat(es.sector, '、') FROM enterprise_sector es WHERE es.enterprise_id = e.id) AS sectors
    FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
    WHERE (e.status IS NULL OR e.status != '关闭')
      AND (:sectors IS NULL OR EXISTS (SELECT 1 FROM enterprise_sector es WHERE es.enterprise_id = e.id
                                       AND es.sector IN (SELECT value FROM json_each(:sectors))))
    ORDER BY key"""


def frame(conn: sqlite3.Connection, scope, sectors_json: str | None) -> list[dict]:
    return [dict(r) for r in conn.execute(bind(conn, scope, FRAME_SQL), {"sectors": sectors_json})]


MUST_INCLUDE = {
    "open-major-hazard": """
        SELECT DISTINCT h.enterprise_id FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        WHERE h.is_major = 1 AND h.status IN ('未整改', '整改中') AND h.found_on <= :as_of""",
    "listed-supervision": """
        SELECT DISTINCT h.enterprise_id FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        WHERE h.is_major = 1 AND h.listed = 1 AND h.status != '已销号' AND h.found_on <= :as_of""",
    "major-risk": """
        SELECT DISTINCT r.enterprise_id FROM temp.scope_map sm CROSS JOIN major_risk r ON r.county_code = sm.code""",
}


def must_include(conn: sqlite3.Connection, scope, reason: str, as_of: str, window_start: str) -> set[int]:
    if reason == "repeat-hazards":
        sql = f"SELECT q.enterprise_id FROM ({repeat_hazards_sql()}) q WHERE NOT q.hit"
        return {r[0] for r in conn.execute(bind(conn, scope, sql), {"start": window_start, "end": as_of})}
    return {r[0] for r in conn.execute(bind(conn, scope, MUST_INCLUDE[reason]), {"as_of": as_of})}


def recently_inspected(conn: sqlite3.Connection, since: str, until: str) -> set[int]:
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT enterprise_id FROM inspection WHERE inspected_on BETWEEN ? AND ?", (since, until))}


def covered_this_year(conn: sqlite3.Connection, scope, level: str, start: str, end: str) -> set[int]:
    """Enterprises of the scope inspected at this level in the year (recorded inspections)."""
    return {r[0] for r in conn.execute(bind(conn, scope, """
        SELECT DISTINCT i.enterprise_id FROM temp.scope_map sm CROSS JOIN inspection i ON i.county_code = sm.code
        WHERE i.level = ? AND i.inspected_on BETWEEN ? AND ?"""), (level, start, end))}


def hazard_weights(conn: sqlite3.Connection, scope, since: str, until: str) -> dict[int, int]:
    """enterprise id -> hazards found in the period (major ones count three times)."""
    return {r[0]: r[1] for r in conn.execute(bind(conn, scope, """
        SELECT h.enterprise_id, SUM(CASE WHEN h.is_major = 1 THEN 3 ELSE 1 END)
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        WHERE h.found_on BETWEEN ? AND ? GROUP BY h.enterprise_id"""), (since, until))}


def roster(conn: sqlite3.Connection, scope) -> list[dict]:
    """Inspectors of the scope, and those with no county (a roster imported without one)."""
    return [dict(r) for r in conn.execute(bind(conn, scope, """
        SELECT COALESCE(i.badge_no, i.natural_key) AS badge, i.name, i.unit, i.county_code,
               i.residence_township, i.certified_sectors, i.conflicts, i.phone, i.id_no
        FROM inspector i LEFT JOIN temp.scope_map sm ON sm.code = i.county_code
        WHERE i.county_code IS NULL OR sm.county IS NOT NULL ORDER BY badge"""))]


def known_entries(conn: sqlite3.Connection, entries: set[str]) -> set[str]:
    """Of a roster's 回避 entries (USCCs and normalised names), those naming a stored enterprise."""
    out: set[str] = set()
    items = sorted(entries)
    for i in range(0, len(items), 400):
        part = items[i:i + 400]
        marks = ",".join("?" * len(part))
        out |= {r[0] for r in conn.execute(f"SELECT uscc FROM enterprise WHERE uscc IN ({marks})", part)}
        out |= {r[0] for r in conn.execute(f"SELECT name_norm FROM enterprise WHERE name_norm IN ({marks})", part)}
    return out


def draws(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM sample_draw ORDER BY id")]


def draw(conn: sqlite3.Connection, draw_id: int) -> dict | None:
    r = conn.execute("SELECT * FROM sample_draw WHERE id = ?", (draw_id,)).fetchone()
    return dict(r) if r else None


def head(conn: sqlite3.Connection) -> dict | None:
    """The last entry of the log (read inside the transaction that appends after it)."""
    r = conn.execute("SELECT * FROM sample_draw ORDER BY id DESC LIMIT 1").fetchone()
    return dict(r) if r else None


def same_batch(conn: sqlite3.Connection, level: str, scope: str, year: int, seed: str) -> dict | None:
    """The batch's current draw: the latest draw of this level, scope, year and seed."""
    r = conn.execute("SELECT * FROM sample_draw WHERE kind = 'draw' AND level=? AND scope=? AND year=? AND seed=? "
                     "ORDER BY id DESC LIMIT 1", (level, scope, year, seed)).fetchone()
    return dict(r) if r else None


def previous_of_level(conn: sqlite3.Connection, level: str, scope: str, before_id: int | None = None) -> dict | None:
    """The latest draw of this level and scope that no redraw replaced (before `before_id`)."""
    r = conn.execute("""SELECT * FROM sample_draw d WHERE kind = 'draw' AND level=? AND scope=?
                          AND (? IS NULL OR id < ?)
                          AND NOT EXISTS (SELECT 1 FROM sample_draw x WHERE x.supersedes = d.id)
                        ORDER BY id DESC LIMIT 1""", (level, scope, before_id, before_id)).fetchone()
    return dict(r) if r else None


def draws_after(conn: sqlite3.Connection, level: str, scope: str, year: int, after_id: int, plan_id: int) -> list[int]:
    """Standing draws of this level, scope and year made after an entry, not from this plan."""
    return [r[0] for r in conn.execute("""
        SELECT id FROM sample_draw d WHERE kind = 'draw' AND level=? AND scope=? AND year=? AND id > ?
          AND COALESCE(plan_id, 0) != ? AND NOT EXISTS (SELECT 1 FROM sample_draw x WHERE x.supersedes = d.id)
        ORDER BY id""", (level, scope, year, after_id, plan_id))]


def earlier_selected(conn: sqlite3.Connection, level: str, scope: str, year: int, replacing: int | None) -> set[str]:
    """Keys selected by the year's draws of this level and scope that stand: not replaced by a
    redraw, and not the one being replaced now."""
    keys: set[str] = set()
    rows = conn.execute("""
        SELECT result_json FROM sample_draw d WHERE kind = 'draw' AND level=? AND scope=? AND year=?
          AND (? IS NULL OR id != ?)
          AND NOT EXISTS (SELECT 1 FROM sample_draw r WHERE r.supersedes = d.id)""",
                        (level, scope, year, replacing, replacing))
    for (res,) in rows:
        keys.update(x["key"] for x in json.loads(res)["selected"])
    return keys


COLUMNS = ["id", "kind", "level", "scope", "year", "seed", "params_json", "frame_size", "frame_sha256", "frame_json",
           "quota", "result_json", "previous_hash", "hash", "reason", "supersedes", "created_at", "commitment",
           "plan_id"]


def insert_entry(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute(f"INSERT INTO sample_draw({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})",
                 [row.get(c) for c in COLUMNS])


def next_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sample_draw").fetchone()[0]


def results_for(conn: sqlite3.Connection, keys: list[str], level: str, since: str) -> dict[str, list[dict]]:
    """Inspections recorded for the drawn enterprises since the draw date, at the draw's level."""
    out: dict[str, list[dict]] = {}
    for i in range(0, len(keys), 900):
        part = keys[i:i + 900]
        ph = ",".join("?" * len(part))
        for r in conn.execute(f"""
                SELECT COALESCE(e.uscc, e.natural_key) AS key, i.inspected_on, i.department, i.result,
                       i.hazards_found, i.draw_ref
                FROM inspection i JOIN enterprise e ON e.id = i.enterprise_id
                WHERE (e.uscc IN ({ph}) OR e.natural_key IN ({ph})) AND i.level = ? AND i.inspected_on >= ?
                ORDER BY i.inspected_on""", part + part + [level, since]):
            out.setdefault(r["key"], []).append(dict(r))
    return out

