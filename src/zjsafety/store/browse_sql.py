"""The database's tables and columns as sqlite-utils sees them (for the browser's metadata)."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    return {t.name: list(t.columns_dict) for t in sqlite_utils.Database(conn).tables}
