"""SQL for reports: data sources and what changed between two dates. Figures themselves come
from the audit; these are the facts around them."""

from __future__ import annotations

from zjsafety.store.scope_sql import bind


def sources(conn) -> list[dict]:
    """The latest import of each file and sheet: what the report's figures rest on."""
    return [dict(r) for r in conn.execute("""
        SELECT b.file_name, b.kind, b.sheet, b.imported_at, b.sha256, b.rows_read, b.inserted, b.updated
        FROM import_batch b
        WHERE b.id = (SELECT MAX(b2.id) FROM import_batch b2 WHERE b2.path = b.path
                      AND COALESCE(b2.sheet, '') = COALESCE(b.sheet, ''))
        ORDER BY b.kind, b.file_name""")]


def changes(conn, scope, since: str, until: str) -> dict[str, dict]:
    """Per reporting county of the scope: hazards found and closed, enterprises added (first
    imported) and gone (closed) between the dates."""
    out: dict[str, dict] = {}

    def put(rows, key):
        for county, n in rows:
            out.setdefault(county, {"hazards_found": 0, "hazards_closed": 0, "enterprises_added": 0,
                                    "enterprises_gone": 0})[key] = n

    put(conn.execute(bind(conn, scope, """SELECT sm.county, COUNT(*) FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
                        WHERE h.found_on > ? AND h.found_on <= ? GROUP BY sm.county"""), (since, until)), "hazards_found")
    put(conn.execute(bind(conn, scope, """SELECT sm.county, COUNT(*) FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
                        WHERE COALESCE(h.closed_on, h.rectified_on) > ? AND COALESCE(h.closed_on, h.rectified_on) <= ?
                        GROUP BY sm.county"""), (since, until)), "hazards_closed")
    put(conn.execute(bind(conn, scope, """SELECT sm.county, COUNT(*) FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
                        WHERE e.first_seen > ? AND e.first_seen <= ? GROUP BY sm.county"""), (since, until)),
        "enterprises_added")
    put(conn.execute(bind(conn, scope, """SELECT sm.county, COUNT(*) FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
                        WHERE e.status = '关闭' AND e.closed_on > ? AND e.closed_on <= ? GROUP BY sm.county"""),
                     (since, until)), "enterprises_gone")
    return out
