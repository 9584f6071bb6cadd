"""The draw as a pure function of the published frame and parameters (zjsafety-sample-v2).

No random-number generator, no floating point: everything is ordered by
rank(x) = SHA-256 of the UTF-8 text seed + "|" + x, read as a big-endian integer, and every
share is an exact fraction. README.md ("Sampling") states each step so that anyone can
recompute a draw from its frame, its parameters and its seed."""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction
from typing import Any

ALGORITHM = "zjsafety-sample-v2"


def rank(seed: str, text: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}|{text}".encode("utf-8")).digest(), "big")


def canonical(obj: Any) -> str:
    """JSON with keys sorted, no spaces, non-ASCII as is (hashed as UTF-8)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def frame_lines(frame: list[dict]) -> str:
    """The frame as published: one canonical-JSON line per entry, in key order, joined by \\n."""
    return "\n".join(canonical(f) for f in sorted(frame, key=lambda f: f["key"]))


def fingerprint(frame: list[dict]) -> str:
    return hashlib.sha256(frame_lines(frame).encode("utf-8")).hexdigest()


def quota(rate: str, frame_size: int) -> int:
    """ceil(rate × frame size), the rate a decimal written as text ("0.30"), in exact arithmetic."""
    return math.ceil(Fraction(rate) * frame_size)


def allocate(sizes: dict[str, int], n: int, seed: str) -> dict[str, int]:
    """n picks over strata of the given sizes (strata of size 0 are left out).

    n ≥ the pool: everyone. S strata, n ≥ S: one each, then the other n − S in proportion to
    (size − 1) by largest remainder on exact fractions (floors first; the units left go to
    the largest remainders, ties by stratum name). n < S: one each to the n strata with the
    lowest rank(seed, "stratum|" + name)."""
    strata = sorted(s for s, k in sizes.items() if k > 0)
    total = sum(sizes[s] for s in strata)
    n = min(n, total)
    if n <= 0 or not strata:
        return {s: 0 for s in strata}
    if n < len(strata):
        chosen = set(sorted(strata, key=lambda s: rank(seed, "stratum|" + s))[:n])
        return {s: int(s in chosen) for s in strata}
    rest, spare = n - len(strata), total - len(strata)
    alloc = {s: 1 for s in strata}
    if rest and spare:
        exact = {s: Fraction(rest * (sizes[s] - 1), spare) for s in strata}
        for s in strata:
            alloc[s] += math.floor(exact[s])
        left = n - sum(alloc.values())
        for s in sorted(strata, key=lambda s: (-(exact[s] - math.floor(exact[s])), s))[:left]:
            alloc[s] += 1
    return alloc


def order_key(seed: str, entry: dict, weighted: bool) -> int:
    """Smaller comes first. Unweighted: rank(seed, key). Weighted by an integer w ≥ 1: the
    smallest of w tickets, rank(seed, key + "|" + i) for i = 1..w — which orders entries as a
    weighted draw without replacement does (Efraimidis–Spirakis), in integers only."""
    if not weighted:
        return rank(seed, entry["key"])
    return min(rank(seed, f"{entry['key']}|{i}") for i in range(1, int(entry.get("weight", 1)) + 1))


def select(frame: list[dict], params: dict) -> dict:
    """The enterprises drawn from the frame (as stored) with the parameters (as stored).

    Covered entries (inspected at this level this year, or drawn by an earlier batch) count
    toward the quota and are not drawn again; must-include entries among the rest are all
    taken; the random share is allocated over strata of the pool (neither covered, must nor
    excluded); spares follow. Each selected entry says why and with what probability."""
    seed, weighted = params["seed"], bool(params.get("risk_weighted"))
    by_key = sorted(frame, key=lambda f: f["key"])
    q = quota(params["rate"], len(frame))
    covered = [f for f in by_key if f.get("covered")]
    remaining = max(0, q - len(covered))
    candidates = [f for f in by_key if not f.get("covered")]
    must = [f for f in candidates if f.get("must")]
    n_random = max(0, remaining - len(must))
    pool = [f for f in candidates if not f.get("must") and not f.get("excluded")]
    strata: dict[str, list[dict]] = {}
    for f in pool:
        strata.setdefault(f["stratum"], []).append(f)
    alloc = allocate({s: len(m) for s, m in strata.items()}, n_random, seed)
    selected = [{"key": f["key"], "stratum": f["stratum"], "reason": "must-include:" + "+".join(f["must"]),
                 "probability": "1"} for f in must]
    taken: set[str] = set()
    for s in sorted(strata):
        members = sorted(strata[s], key=lambda f: (order_key(seed, f, weighted), f["key"]))
        k = alloc.get(s, 0)
        for f in members[:k]:
            selected.append({"key": f["key"], "stratum": s, "reason": "random",
                             "probability": None if weighted else _fraction(k, len(members))})
            taken.add(f["key"])
    rest = sorted((f for f in pool if f["key"] not in taken), key=lambda f: (order_key(seed, f, weighted), f["key"]))
    spares = [{"key": f["key"], "stratum": f["stratum"]} for f in rest[:int(params.get("spares") or 0)]]
    return {"quota": q, "covered": len(covered), "remaining": remaining, "must": len(must),
            "random": len(taken), "selected": selected, "spares": spares, "allocation": alloc,
            "overflow": max(0, len(must) - remaining), "shortfall": max(0, n_random - len(pool))}


def _fraction(k: int, n: int) -> str:
    f = Fraction(k, n)
    return f"{f.numerator}/{f.denominator}"


def entry_hash(row: dict) -> str:
    """The hash of a log entry: SHA-256 of the canonical JSON of every column but `hash`."""
    return hashlib.sha256(canonical({k: v for k, v in row.items() if k != "hash"}).encode("utf-8")).hexdigest()
