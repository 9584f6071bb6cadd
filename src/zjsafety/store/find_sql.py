"""SQL for 一企一档: finding an enterprise by any part of its name or code (the trigram index
`enterprise_fts`, made by schema m7), and everything the database holds about it."""

from __future__ import annotations

import sqlite3

from zjsafety.store.connection import transaction


def refresh_index(conn: sqlite3.Connection) -> int:
    """Index again the enterprises imports have written since the last refresh (all of them the
    first time); returns how many. Every import writes a batch and stamps what it changes with
    it, so the latest batch id says how far the index has come."""
    built = conn.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search_index_batch'").fetchone()
    built = built[0] if built else None
    latest = conn.execute("SELECT COALESCE(MAX(id), 0) FROM import_batch").fetchone()[0]
    if built is not None and latest <= built:
        return 0
    changed = "1" if built is None else "batch_id > :b"
    with transaction(conn):
        if built is None:
            conn.execute("DELETE FROM enterprise_fts")
        else:
            conn.execute(f"DELETE FROM enterprise_fts WHERE rowid IN (SELECT id FROM enterprise WHERE {changed})",
                         {"b": built})
        n = conn.execute(f"INSERT INTO enterprise_fts(rowid, name_norm, uscc, org_code) "
                         f"SELECT id, name_norm, uscc, org_code FROM enterprise WHERE {changed}", {"b": built}).rowcount
        conn.execute("INSERT INTO meta(key, value) VALUES ('search_index_batch', ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(latest),))
    return n

ENTERPRISE = """
    SELECT e.id, e.natural_key, e.uscc, e.org_code, e.name, e.county_code, j.name AS county_name, e.township,
           e.industry_code, e.above_scale, e.entered, e.status, e.closed_on, e.address, e.contact, e.phone,
           e.first_seen, b.file_name AS file, b.sheet AS sheet, e.src_row AS row,
           (SELECT group_concat(es.sector, '、') FROM enterprise_sector es WHERE es.enterprise_id = e.id) AS sectors
    FROM enterprise e LEFT JOIN jurisdiction j ON j.code = e.county_code
    LEFT JOIN import_batch b ON b.id = e.batch_id"""


def by_id(conn: sqlite3.Connection, enterprise_id: int) -> dict | None:
    r = conn.execute(f"{ENTERPRISE} WHERE e.id = ?", (enterprise_id,)).fetchone()
    return dict(r) if r else None


def by_code(conn: sqlite3.Connection, code: str) -> list[dict]:
    return [dict(r) for r in conn.execute(
        f"{ENTERPRISE} WHERE e.uscc = :c OR e.org_code = :c OR e.natural_key = :c ORDER BY e.id", {"c": code})]


def by_text(conn: sqlite3.Connection, text: str, limit: int) -> list[dict]:
    """Names (normalised) and codes containing `text`: through the trigram index when it has
    three characters or more (the index's unit), else by a scan of the names."""
    if len(text) >= 3:
        phrase = '"' + text.replace('"', '""') + '"'
        sql = (f"{ENTERPRISE} JOIN enterprise_fts f ON f.rowid = e.id WHERE enterprise_fts MATCH :q "
               f"ORDER BY f.rank, e.id LIMIT :n")
        return [dict(r) for r in conn.execute(sql, {"q": phrase, "n": limit})]
    return [dict(r) for r in conn.execute(
        f"{ENTERPRISE} WHERE instr(e.name_norm, :t) > 0 OR instr(e.uscc, :t) > 0 ORDER BY e.id LIMIT :n",
        {"t": text, "n": limit})]


_RECORDS = {
    "hazards": """
        SELECT h.hazard_no, h.found_on, h.description, h.hazard_type, h.is_major, h.status, h.deadline,
               h.rectified_on, h.closed_on, h.listed, b.file_name AS file, h.src_row AS row
        FROM hazard h LEFT JOIN import_batch b ON b.id = h.batch_id
        WHERE h.enterprise_id = ? ORDER BY h.found_on DESC, h.hazard_no""",
    "screenings": """
        SELECT s.screened_on, s.sector, s.campaign, s.major_hazard_campaign, s.screener, s.hazards_found, s.result,
               b.file_name AS file, s.src_row AS row
        FROM screening s LEFT JOIN import_batch b ON b.id = s.batch_id
        WHERE s.enterprise_id = ? ORDER BY s.screened_on DESC""",
    "inspections": """
        SELECT i.inspected_on, i.level, i.department, i.result, i.hazards_found, i.draw_ref,
               b.file_name AS file, i.src_row AS row
        FROM inspection i LEFT JOIN import_batch b ON b.id = i.batch_id
        WHERE i.enterprise_id = ? ORDER BY i.inspected_on DESC""",
    "penalties": """
        SELECT p.case_no, p.decided_on, p.accident_related, p.amount, p.department, p.violation,
               b.file_name AS file, p.src_row AS row
        FROM penalty p LEFT JOIN import_batch b ON b.id = p.batch_id
        WHERE p.enterprise_id = ? ORDER BY p.decided_on DESC""",
    "risks": """
        SELECT r.risk_no, r.risk_name, r.risk_kind, r.risk_level, r.registered, r.grid,
               b.file_name AS file, r.src_row AS row
        FROM major_risk r LEFT JOIN import_batch b ON b.id = r.batch_id
        WHERE r.enterprise_id = ? ORDER BY r.risk_no""",
}

_LEDGERS = """
    SELECT DISTINCT b.file_name AS file, b.sheet, b.kind, b.imported_at FROM import_batch b
    WHERE b.id IN (SELECT batch_id FROM enterprise WHERE id = :e
                   UNION SELECT batch_id FROM hazard WHERE enterprise_id = :e
                   UNION SELECT batch_id FROM screening WHERE enterprise_id = :e
                   UNION SELECT batch_id FROM inspection WHERE enterprise_id = :e
                   UNION SELECT batch_id FROM penalty WHERE enterprise_id = :e
                   UNION SELECT batch_id FROM major_risk WHERE enterprise_id = :e)
    ORDER BY b.imported_at, b.file_name"""

_DRAWS = """
    SELECT d.id, d.level, d.scope, d.year, d.seed, d.created_at, json_extract(s.value, '$.reason') AS reason,
           EXISTS (SELECT 1 FROM sample_draw x WHERE x.supersedes = d.id) AS superseded
    FROM sample_draw d, json_each(d.result_json, '$.selected') s
    WHERE d.kind = 'draw' AND json_extract(s.value, '$.key') = ? ORDER BY d.id"""


def records(conn: sqlite3.Connection, enterprise_id: int, key: str) -> dict[str, list[dict]]:
    out = {name: [dict(r) for r in conn.execute(sql, (enterprise_id,))] for name, sql in _RECORDS.items()}
    out["ledgers"] = [dict(r) for r in conn.execute(_LEDGERS, {"e": enterprise_id})]
    out["draws"] = [dict(r) for r in conn.execute(_DRAWS, (key,))]
    return out
