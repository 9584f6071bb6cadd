"""The sampling frame: the scope's open enterprises as the draw sees them, read from the
database as of the draw's date: key, stratum, must-include reasons, whether already covered
this year (inspected at this level, or drawn by an earlier batch), whether excluded (inspected
recently), and a weight for a risk-weighted draw."""

from __future__ import annotations

import json
from datetime import date

from zjsafety.core import refdata
from zjsafety.rules.scope import Scope
from zjsafety.store import sample_sql


def build_frame(conn, scope: Scope, *, level: str, year: int, as_of: date, sectors: list[str] | None,
                exclude_months: int | None, risk_weighted: bool, watch_start: date,
                replacing: int | None = None) -> list[dict]:
    """`watch_start`: where the 治反复 watch list starts counting (the pack's repeat-hazard window).
    `replacing`: the draw a redraw replaces, whose picks do not count as covered."""
    settings = refdata.load_toml("sample.toml")
    rows = sample_sql.frame(conn, scope, json.dumps(sectors, ensure_ascii=False) if sectors else None)
    start, end = date(year, 1, 1).isoformat(), min(as_of, date(year, 12, 31)).isoformat()
    must: dict[int, list[str]] = {}
    for m in settings["must_include"]:
        for eid in sample_sql.must_include(conn, scope, m["reason"], as_of.isoformat(), watch_start.isoformat()):
            must.setdefault(eid, []).append(m["reason"])
    inspected = sample_sql.covered_this_year(conn, scope, level, start, end)
    drawn = sample_sql.earlier_selected(conn, level, scope.code, year, replacing)
    recent: set[int] = set()
    if exclude_months:
        recent = sample_sql.recently_inspected(conn, months_before(as_of, exclude_months).isoformat(), as_of.isoformat())
    weights = sample_sql.hazard_weights(conn, scope, f"{as_of.year - 1}-{as_of:%m-%d}", as_of.isoformat()) \
        if risk_weighted else {}
    frame = []
    for r in rows:
        covered = "inspected" if r["id"] in inspected else ("drawn" if r["key"] in drawn else None)
        f = {"key": r["key"], "uscc": r["uscc"], "name": r["name"], "county": r["county"], "township": r["township"],
             "sectors": sorted((r["sectors"] or "").split("、")) if r["sectors"] else [],
             "stratum": f"{r['sector']}|{r['township'] or '未注明'}", "must": sorted(must.get(r["id"], [])),
             "covered": covered, "excluded": "recent" if not covered and r["id"] in recent else None}
        if risk_weighted:
            f["weight"] = 1 + weights.get(r["id"], 0)
        frame.append(f)
    return frame


def months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, 28))
