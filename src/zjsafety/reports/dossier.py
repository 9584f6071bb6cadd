"""一企一档: one enterprise's file — its basic information and the ledgers it came from, its
hazards with their status, screenings, inspections, supervision draws, penalties and major risks.

    from zjsafety.reports.dossier import find, dossier
    hits = find(conn, "恒达机械")        # any part of the name, or a code
    dossier(conn, hits[0]["id"])
"""

from __future__ import annotations

from zjsafety.core.errors import UsageError
from zjsafety.core.normalize import fold, norm_code
from zjsafety.store import find_sql


def find(conn, text: str, *, limit: int = 50) -> list[dict]:
    """Enterprises whose normalised name or code contains `text` (a whole code first)."""
    if not text or not text.strip():
        raise UsageError("请给出企业名称（任意一段，如“恒达机械”）或统一社会信用代码。")
    find_sql.refresh_index(conn)
    code = norm_code(text)
    if code and code.isascii():
        exact = find_sql.by_code(conn, code)
        if exact:
            return exact
    return find_sql.by_text(conn, fold(text), limit)


def dossier(conn, enterprise_id: int) -> dict:
    """Everything recorded about one enterprise (its id as `find` gives it)."""
    ent = find_sql.by_id(conn, enterprise_id)
    if ent is None:
        raise UsageError(f"没有编号为 {enterprise_id} 的企业。")
    key = ent["uscc"] or ent["natural_key"]
    return {"enterprise": ent, **find_sql.records(conn, enterprise_id, key)}
