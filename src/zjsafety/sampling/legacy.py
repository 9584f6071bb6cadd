"""Draws recorded by zjsafety-sample-v1, the first version of the algorithm, kept so that a
database's earlier draws still verify: the same steps as then (floating-point allocation
remainders, a hash over parameters, fingerprint, result and predecessor only). New draws use
sampling.algorithm (v2)."""

from __future__ import annotations

import hashlib
import json
import math

from zjsafety.core import refdata
from zjsafety.core.errors import ZjError
from zjsafety.sampling.algorithm import canonical, rank

ALGORITHM = "zjsafety-sample-v1"


def fingerprint(frame: list[dict]) -> str:
    lines = "\n".join(canonical(f) for f in sorted(frame, key=lambda f: f["key"]))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _allocate(sizes: dict[str, int], n: int, seed: str) -> dict[str, int]:
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


def _order_key(seed: str, f: dict, risk_weighted: bool) -> float | int:
    r = rank(seed, f["key"])
    if not risk_weighted:
        return r
    u = (r + 1) / (2 ** 256 + 1)
    return -math.log(u) / max(f.get("weight", 1), 1)


def compute(frame: list[dict], params: dict) -> dict:
    """The sample from the frame (as stored) and the parameters (as stored). Deterministic."""
    seed = params["seed"]
    rw = params.get("risk_weighted", False)
    by_key = sorted(frame, key=lambda f: f["key"])
    must = [f for f in by_key if f.get("must")]
    n_random = max(0, params["remaining"] - len(must))
    pool = [f for f in by_key if not f.get("must") and not f.get("excluded")]
    strata: dict[str, list[dict]] = {}
    for f in pool:
        strata.setdefault(f["stratum"], []).append(f)
    alloc = _allocate({s: len(m) for s, m in strata.items()}, n_random, seed)
    selected = [{"key": f["key"], "stratum": f["stratum"], "reason": "must-include:" + "+".join(f["must"])}
                for f in must]
    taken: set[str] = set()
    for s in sorted(strata):
        members = sorted(strata[s], key=lambda f: _order_key(seed, f, rw))
        for f in members[:alloc.get(s, 0)]:
            selected.append({"key": f["key"], "stratum": s, "reason": "random"})
            taken.add(f["key"])
    rest = sorted((f for f in pool if f["key"] not in taken), key=lambda f: _order_key(seed, f, rw))
    spares = [{"key": f["key"], "stratum": f["stratum"]} for f in rest[:params.get("spares", 0)]]
    result = {"selected": selected, "spares": spares, "allocation": alloc,
              "overflow": max(0, len(must) - params["remaining"]),
              "shortfall": max(0, n_random - len(pool))}
    result["assignments"] = _assign(selected, frame, params)
    return result


def _assign(selected: list[dict], frame: list[dict], params: dict) -> dict[str, list[str]]:
    """Inspectors per selected enterprise: at least `per` of them, none recused, even workloads."""
    roster = params.get("roster") or []
    if not roster:
        return {}
    per = params.get("inspectors_per", 2)
    seed = params["seed"]
    info = {f["key"]: f for f in frame}
    last = params.get("last_assignments", {})
    load = {i["badge"]: 0 for i in roster}
    out: dict[str, list[str]] = {}
    for s in selected:
        f = info[s["key"]]
        eligible = [i for i in roster if not _recusals(i, f, last)]
        if len(eligible) < per:
            why = "；".join(f"{i['badge']} {r}" for i in roster for r in _recusals(i, f, last)) or "名录人数不足"
            raise ZjError(f"无法为“{f.get('name') or f['key']}”安排 {per} 名执法人员：符合条件的只有 {len(eligible)} 名"
                          f"（{why}）。未保存任何抽取结果。",
                          hint="请补充执法人员名录，或调整回避设置后重新抽取。")
        eligible.sort(key=lambda i: (load[i["badge"]], rank(seed, f"insp|{f['key']}|{i['badge']}")))
        chosen = [i["badge"] for i in eligible[:per]]
        for b in chosen:
            load[b] += 1
        out[s["key"]] = chosen
    return out


def _recusals(inspector: dict, ent: dict, last: dict[str, list[str]]) -> list[str]:
    """The 回避 reasons (data/sample.toml) that bar this inspector from this enterprise."""
    labels = {r["rule"]: r["label"] for r in refdata.load_toml("sample.toml")["recusal"]}
    out = []
    if "same-township" in labels and inspector.get("township") and inspector["township"] == ent.get("township"):
        out.append(labels["same-township"])
    if "listed-relation" in labels and ent.get("uscc") and ent["uscc"] in inspector.get("conflicts", []):
        out.append(labels["listed-relation"])
    if "inspected-last-draw" in labels and inspector["badge"] in last.get(ent["key"], []):
        out.append(labels["inspected-last-draw"])
    certified = inspector.get("certified") or []
    if certified and not set(certified) & set(ent.get("sectors") or []):
        out.append("无该行业领域的执法资格")
    return out


def entry_hash(row: dict) -> str:
    """Hash of a log entry: its parameters, frame fingerprint, result, reason and predecessor."""
    body = {"params": json.loads(row["params_json"]), "frame_sha256": row["frame_sha256"],
            "result": json.loads(row["result_json"]), "previous_hash": row["previous_hash"],
            "reason": row["reason"], "supersedes": row["supersedes"]}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()
