"""A scope's temporary table: (code as stored -> reporting county) for every division code in
it, created on first use by a connection and named by the scope, so a query depends on the
scope it is given and on nothing a previous call left behind.

Every query over records starts FROM the scope table CROSS JOIN the record table: SQLite keeps
the left side of a CROSS JOIN as the outer loop (without it the planner, which has no statistics
for a temp table, scanned all enterprises of the province for a county audit)."""

from __future__ import annotations

import sqlite3

PLACEHOLDER = "temp.scope_map"


def table(conn: sqlite3.Connection, scope) -> str:
    """The scope's table, created and filled if this connection has not got it yet."""
    name = "scope_" + "".join(ch for ch in scope.key if ch.isalnum() or ch == "_")
    exists = conn.execute("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    if not exists:
        # kept in county order: a query that starts from the map and groups by county reads its
        # rows county by county and needs no sort
        conn.execute(f'CREATE TEMP TABLE "{name}" (code TEXT NOT NULL UNIQUE, county TEXT NOT NULL, '
                     f'PRIMARY KEY (county, code)) WITHOUT ROWID')
        conn.executemany(f'INSERT INTO temp."{name}"(code, county) VALUES (?, ?)', list(scope.mapping))
        # without statistics the planner takes the map for a large table and builds a Bloom
        # filter over the whole record table for each query
        conn.execute(f'ANALYZE temp."{name}"')
    return f'temp."{name}"'


def bind(conn: sqlite3.Connection, scope, sql: str) -> str:
    """SQL written against temp.scope_map, pointed at this scope's table."""
    return sql.replace(PLACEHOLDER, table(conn, scope))


def inline(scope, sql: str) -> str:
    """SQL written against temp.scope_map with the scope's map written into it (a VALUES list):
    a query that stands alone, for another program to run (Datasette's canned queries)."""
    values = ", ".join(f"('{code}', '{county}')" for code, county in scope.mapping)
    return sql.replace(PLACEHOLDER, f"(SELECT column1 AS code, column2 AS county FROM (VALUES {values}))")
