"""The draw log as a list: plans and draws, redraws marked, and how many drawn enterprises
have been inspected since."""

from __future__ import annotations

from zjsafety.sampling.draw import load
from zjsafety.store import sample_sql


def listing(conn) -> list[dict]:
    out = []
    rows = sample_sql.draws(conn)
    superseded = {r["supersedes"] for r in rows if r["supersedes"]}
    for row in rows:
        d = load(row)
        keys = [s["key"] for s in d.result.get("selected", [])]
        done = sample_sql.results_for(conn, keys, row["level"], d.params["as_of"]) if keys else {}
        out.append({"id": row["id"], "kind": row["kind"], "level": row["level"], "scope": row["scope"],
                    "year": row["year"], "seed": row["seed"], "created_at": row["created_at"],
                    "frame_size": row["frame_size"], "quota": row["quota"], "selected": len(keys),
                    "inspected": sum(1 for k in keys if k in done), "reason": row["reason"],
                    "supersedes": row["supersedes"], "superseded": row["id"] in superseded, "hash": row["hash"],
                    "plan_id": row.get("plan_id"), "commitment": row.get("commitment")})
    return out
