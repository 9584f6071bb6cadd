"""The draw log as a list: redraws marked, and how many drawn enterprises were inspected."""

from __future__ import annotations

from zjsafety.sampling.draw import load
from zjsafety.store import sample_sql


def listing(conn) -> list[dict]:
    """Every draw, with redraws marked and how many of the selected were inspected since."""
    out = []
    rows = sample_sql.draws(conn)
    superseded = {r["supersedes"] for r in rows if r["supersedes"]}
    for row in rows:
        d = load(row)
        keys = [s["key"] for s in d.result["selected"]]
        done = sample_sql.results_for(conn, keys, row["level"], d.params["as_of"])
        out.append({"id": row["id"], "level": row["level"], "scope": row["scope"], "year": row["year"],
                    "seed": row["seed"], "created_at": row["created_at"], "frame_size": row["frame_size"],
                    "quota": row["quota"], "selected": len(keys), "inspected": sum(1 for k in keys if k in done),
                    "reason": row["reason"], "supersedes": row["supersedes"],
                    "superseded": row["id"] in superseded, "hash": row["hash"]})
    return out
