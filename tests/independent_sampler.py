"""A second implementation of zjsafety-sample-v2, written from README.md ("Sampling: the
algorithm") alone, imports nothing of zjsafety's: the tests check that it gives the stored
result of real draws. If README stops saying enough, this drifts and the tests say so."""

from __future__ import annotations

import hashlib
import json
import unicodedata


def cjson(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rank(seed: str, x: str) -> int:
    return int(sha(f"{seed}|{x}"), 16)


def frame_fingerprint(entries: list[dict]) -> str:
    return sha("\n".join(cjson(e) for e in sorted(entries, key=lambda e: e["key"])))


def decimal_ratio(text: str) -> tuple[int, int]:
    """"0.30" -> (30, 100), by hand, no floats."""
    whole, _, frac = text.partition(".")
    return int(whole + frac), 10 ** len(frac)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def share(n: int, sizes: dict[str, int], seed: str) -> dict[str, int]:
    names = sorted(k for k, v in sizes.items() if v > 0)
    P = sum(sizes[k] for k in names)
    S = len(names)
    if n >= P:
        return {k: sizes[k] for k in names}
    if n < S:
        lucky = sorted(names, key=lambda k: rank(seed, "stratum|" + k))[:n]
        return {k: (1 if k in lucky else 0) for k in names}
    out = {k: 1 for k in names}
    extra, base = n - S, P - S
    if extra:
        rems = {}
        for k in names:
            num = extra * (sizes[k] - 1)
            out[k] += num // base
            rems[k] = num % base  # fractional part is rems/base: compare numerators
        left = n - sum(out.values())
        for k in sorted(names, key=lambda k: (-rems[k], k))[:left]:
            out[k] += 1
    return out


def position(seed: str, e: dict, weighted: bool) -> tuple[int, str]:
    if weighted:
        return min(rank(seed, f"{e['key']}|{i}") for i in range(1, e["weight"] + 1)), e["key"]
    return rank(seed, e["key"]), e["key"]


def reduced(a: int, b: int) -> str:
    from math import gcd
    g = gcd(a, b)
    return f"{a // g}/{b // g}"


def fold_name(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def recused(insp: dict, e: dict, last: dict) -> bool:
    if insp["township"] and insp["township"] == e["township"]:
        return True
    if e.get("uscc") in insp["conflicts"] or (e.get("name") and fold_name(e["name"]) in insp["conflicts"]):
        return True
    if insp["badge"] in last.get(e["key"], []):
        return True
    return bool(insp["certified"]) and not set(insp["certified"]) & set(e["sectors"])


def draw(frame: list[dict], params: dict) -> dict:
    seed, weighted = params["seed"], bool(params.get("risk_weighted"))
    entries = sorted(frame, key=lambda e: e["key"])
    num, den = decimal_ratio(params["rate"])
    quota = ceil_div(num * len(entries), den)
    covered = [e for e in entries if e["covered"]]
    remaining = max(0, quota - len(covered))
    must = [e for e in entries if not e["covered"] and e["must"]]
    n = max(0, remaining - len(must))
    pool = [e for e in entries if not e["covered"] and not e["must"] and e["excluded"] is None]
    groups: dict[str, list[dict]] = {}
    for e in pool:
        groups.setdefault(e["stratum"], []).append(e)
    alloc = share(n, {k: len(v) for k, v in groups.items()}, seed)
    chosen = [{"key": e["key"], "stratum": e["stratum"], "reason": "must-include:" + "+".join(e["must"]),
               "probability": "1"} for e in must]
    picked = set()
    for name in sorted(groups):
        members = sorted(groups[name], key=lambda e: position(seed, e, weighted))
        a = alloc.get(name, 0)
        for e in members[:a]:
            chosen.append({"key": e["key"], "stratum": name, "reason": "random",
                           "probability": None if weighted else reduced(a, len(members))})
            picked.add(e["key"])
    rest = sorted((e for e in pool if e["key"] not in picked), key=lambda e: position(seed, e, weighted))
    spares = [{"key": e["key"], "stratum": e["stratum"]} for e in rest[:params["spares"]]]
    roster = sorted(params["roster"], key=lambda i: i["badge"])
    by_key = {e["key"]: e for e in entries}
    work = {i["badge"]: 0 for i in roster}
    assignments = {}
    if roster:
        for c in chosen:
            e = by_key[c["key"]]
            ok = [i for i in roster if not recused(i, e, params["last_assignments"])]
            ok.sort(key=lambda i: (work[i["badge"]], rank(seed, f"insp|{e['key']}|{i['badge']}")))
            team = [i["badge"] for i in ok[:params["inspectors_per"]]]
            for b in team:
                work[b] += 1
            assignments[e["key"]] = team
    return {"selected": chosen, "spares": spares, "assignments": assignments, "quota": quota,
            "covered": len(covered), "remaining": remaining, "overflow": max(0, len(must) - remaining),
            "shortfall": max(0, n - len(pool))}


COLUMNS = ["id", "kind", "level", "scope", "year", "seed", "params_json", "frame_size", "frame_sha256", "frame_json",
           "quota", "result_json", "previous_hash", "hash", "reason", "supersedes", "created_at", "commitment",
           "plan_id"]


def entry_hash(row: dict) -> str:
    return sha(cjson({c: row[c] for c in COLUMNS if c != "hash"}))
