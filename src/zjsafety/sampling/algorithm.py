"""The draw as a pure function of the published frame and parameters (zjsafety-sample-v1).

No random-number generator state: rank(x) = SHA-256 of the UTF-8 text seed + "|" + x, read as
a big-endian integer, orders everything, so the seed and the frame are all one needs to
recompute a draw. README.md spells the algorithm out for reimplementation."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

ALGORITHM = "zjsafety-sample-v1"


def rank(seed: str, text: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}|{text}".encode("utf-8")).digest(), "big")


def canonical(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint(frame: list[dict]) -> str:
    """SHA-256 over the frame's canonical form: one canonical-JSON line per enterprise, by key."""
    lines = "\n".join(canonical(f) for f in sorted(frame, key=lambda f: f["key"]))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def allocate(sizes: dict[str, int], n: int, seed: str) -> dict[str, int]:
    """Proportional allocation of n over strata with at least one per non-empty stratum.

    n >= S (strata): one each, then the other n - S by largest remainder over (size - 1), ties
    by stratum name. n < S: one each to the n strata of lowest rank(seed, "stratum|" + name)."""
    strata = sorted(s for s, k in sizes.items() if k > 0)
    total = sum(sizes[s] for s in strata)
    n = min(n, total)
    if n <= 0 or not strata:
        return {s: 0 for s in strata}
    if n < len(strata):
        chosen = sorted(strata, key=lambda s: rank(seed, "stratum|" + s))[:n]
        return {s: int(s in chosen) for s in strata}
    rest, spare = n - len(strata), total - len(strata)
    alloc = {s: 1 for s in strata}
    if rest and spare:
        exact = {s: rest * (sizes[s] - 1) / spare for s in strata}
        for s in strata:
            alloc[s] += math.floor(exact[s])
        left = n - sum(alloc.values())
        for s in sorted(strata, key=lambda s: (-(exact[s] - math.floor(exact[s])), s))[:left]:
            alloc[s] += 1
    return alloc


def order_key(seed: str, f: dict, risk_weighted: bool) -> float | int:
    r = rank(seed, f["key"])
    if not risk_weighted:
        return r
    u = (r + 1) / (2 ** 256 + 1)
    return -math.log(u) / max(f.get("weight", 1), 1)


def select(frame: list[dict], params: dict) -> dict:
    """The enterprises drawn from the frame (as stored) with the parameters (as stored):
    must-includes, the random share by stratum, and spares. Deterministic."""
    seed = params["seed"]
    rw = params.get("risk_weighted", False)
    by_key = sorted(frame, key=lambda f: f["key"])
    must = [f for f in by_key if f.get("must")]
    n_random = max(0, params["remaining"] - len(must))
    pool = [f for f in by_key if not f.get("must") and not f.get("excluded")]
    strata: dict[str, list[dict]] = {}
    for f in pool:
        strata.setdefault(f["stratum"], []).append(f)
    alloc = allocate({s: len(m) for s, m in strata.items()}, n_random, seed)
    selected = [{"key": f["key"], "stratum": f["stratum"], "reason": "must-include:" + "+".join(f["must"])}
                for f in must]
    taken: set[str] = set()
    for s in sorted(strata):
        members = sorted(strata[s], key=lambda f: order_key(seed, f, rw))
        for f in members[:alloc.get(s, 0)]:
            selected.append({"key": f["key"], "stratum": s, "reason": "random"})
            taken.add(f["key"])
    rest = sorted((f for f in pool if f["key"] not in taken), key=lambda f: order_key(seed, f, rw))
    spares = [{"key": f["key"], "stratum": f["stratum"]} for f in rest[:params.get("spares", 0)]]
    result = {"selected": selected, "spares": spares, "allocation": alloc,
              "overflow": max(0, len(must) - params["remaining"]),
              "shortfall": max(0, n_random - len(pool))}
    return result


def draw_hash(row: dict) -> str:
    """Hash of a log entry: its parameters, frame fingerprint, result, reason and predecessor."""
    body = {"params": json.loads(row["params_json"]), "frame_sha256": row["frame_sha256"],
            "result": json.loads(row["result_json"]), "previous_hash": row["previous_hash"],
            "reason": row["reason"], "supersedes": row["supersedes"]}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()
