"""The database in Datasette (an optional extra: pip install "zjsafety[browse]"): Chinese titles
and descriptions for tables and columns (data/browse.toml and data/columns.toml), the column
that names a row, facets, and a canned query per rule listing its missing items.

    from zjsafety.reports.browse import metadata, serve
    meta = metadata(conn, "zjsafety", scope="330106", as_of=date(2018, 12, 31))
    serve(Path("zjsafety.db"), scope="330106")          # blocks; Ctrl-C stops it
"""

from __future__ import annotations

import logging

from datetime import date
from pathlib import Path

from zjsafety.core import divisions, labels, refdata
from zjsafety.core.errors import UsageError
from zjsafety.rules.audit import canned_queries
from zjsafety.store import browse_sql


def metadata(conn, db_name: str, *, scope: str, as_of: date, plan: str | None = None) -> dict:
    spec = refdata.load_toml("browse.toml")
    common = spec["columns"]
    kinds = refdata.kinds()
    tables = {}
    for table, columns in browse_sql.tables(conn).items():
        t = spec["tables"].get(table)
        if t is None:
            continue  # the search index's own tables: Datasette hides them
        own = t.get("columns", {})
        described = {}
        for col in columns:
            text = own.get(col)
            if text is None and table in kinds and labels.field(table, col) != col:
                text = labels.field(table, col)
            described[col] = text or common.get(col, col)
        entry = {"title": t["title"], "description": t["description"], "columns": described}
        for key in ("label_column", "facets", "hidden"):
            if key in t:
                entry[key] = t[key]
        tables[table] = entry
    queries = {q["name"]: {"title": q["title"], "sql": q["sql"],
                           "description": f"{q['clause']}：{divisions.full_name(scope)}截至 {as_of} 未达到要求的对象，"
                                          "与 zjsafety audit explain 所列相同。"}
               for q in canned_queries(conn, scope, as_of, plan=plan)}
    return {"title": "zjsafety 安全生产台账数据库",
            "description": f"浙江省安全生产综合治理三年行动台账（{divisions.full_name(scope)}），只读浏览。",
            "databases": {db_name: {"title": f"台账数据库 {db_name}", "tables": tables, "queries": queries}}}


def app(db_path: Path, *, scope: str, as_of: date, plan: str | None = None):
    """A Datasette instance over the database, opened read-only, with our metadata."""
    try:
        from datasette.app import Datasette
    except ImportError:
        raise UsageError("浏览功能需要 Datasette：请运行 pip install \"zjsafety[browse]\"（离线安装包已含）。") from None
    from zjsafety.store import connect
    conn = connect(db_path)
    try:
        meta = metadata(conn, db_path.stem, scope=scope, as_of=as_of, plan=plan)
    finally:
        conn.close()
    _register_quiet_errors()
    return Datasette(files=[str(db_path)], metadata=meta, settings={"default_page_size": 50})


_LOG = logging.getLogger("zjsafety.browse")


def _handle_exception(datasette, request, exception):
    """Datasette's plugin hook for failed requests: one log line each (method, path, what went
    wrong), never a traceback — Datasette's own prints one with every local variable, and
    ledgers hold personal data — and a short page in Chinese."""
    from datasette import Forbidden, NotFound
    from datasette.utils.asgi import Response
    status = 403 if isinstance(exception, Forbidden) else 404 if isinstance(exception, NotFound) else \
        getattr(exception, "status", 500)
    status = status if isinstance(status, int) else 500
    _LOG.warning("%s %s -> %s %s", request.method, request.path, status, type(exception).__name__)
    text = {403: "只读浏览：不允许这个操作。", 404: "没有这个页面或表。"}.get(status, "请求未能完成。")
    return Response.text(text, status=status)


def _register_quiet_errors() -> None:
    from datasette import hookimpl
    from datasette.plugins import pm
    if pm.get_plugin("zjsafety-quiet-errors") is None:
        plugin = type("ZjsafetyQuietErrors", (), {"handle_exception": staticmethod(hookimpl(_handle_exception))})
        pm.register(plugin, name="zjsafety-quiet-errors")
    # Datasette awaits every handle_exception hook, and its own prints a traceback with the locals
    # of each frame: ours answers every failed request, so its own is taken out (pluggy's API)
    if pm.get_plugin("datasette.handle_exception") is not None:
        pm.unregister(name="datasette.handle_exception")
