"""Inspectors for the selected enterprises (双随机: the second draw): each enterprise gets the
configured number (data/sample.toml), none who must withdraw (回避), workloads kept even."""

from __future__ import annotations

from zjsafety.core import refdata
from zjsafety.core.errors import ZjError
from zjsafety.core.normalize import conflict_entries, norm_name
from zjsafety.sampling.algorithm import rank

def roster_entry(i: dict) -> dict:
    """An inspector as the draw records it."""
    return {"badge": i["badge"], "name": i["name"], "township": i["residence_township"] or "",
            "certified": sorted(s for s in (i["certified_sectors"] or "").split("、") if s),
            "conflicts": conflict_entries(i["conflicts"])}


def recusals(inspector: dict, ent: dict, last: dict[str, list[str]]) -> list[str]:
    """The 回避 reasons (data/sample.toml) that bar this inspector from this enterprise."""
    labels = {r["rule"]: r["label"] for r in refdata.load_toml("sample.toml")["recusal"]}
    out = []
    if "same-township" in labels and inspector.get("township") and inspector["township"] == ent.get("township"):
        out.append(labels["same-township"])
    conflicts = set(inspector.get("conflicts") or [])
    if "listed-relation" in labels and conflicts and (
            (ent.get("uscc") and ent["uscc"] in conflicts) or (ent.get("name") and norm_name(ent["name"]) in conflicts)):
        out.append(labels["listed-relation"])
    if "inspected-last-draw" in labels and inspector["badge"] in last.get(ent["key"], []):
        out.append(labels["inspected-last-draw"])
    certified = inspector.get("certified") or []
    if certified and not set(certified) & set(ent.get("sectors") or []):
        out.append("无该行业领域的执法资格")
    return out


def assign(selected: list[dict], frame: list[dict], params: dict) -> dict[str, list[str]]:
    """Badges per selected enterprise, in the order enterprises were selected: of those not
    recused, the ones with the least work in this draw so far, then the lowest
    rank(seed, "insp|" + key + "|" + badge)."""
    roster = sorted(params.get("roster") or [], key=lambda i: i["badge"])
    if not roster:
        return {}
    per, seed = int(params["inspectors_per"]), params["seed"]
    info = {f["key"]: f for f in frame}
    last = params.get("last_assignments") or {}
    load = {i["badge"]: 0 for i in roster}
    out: dict[str, list[str]] = {}
    for s in selected:
        f = info[s["key"]]
        eligible = [i for i in roster if not recusals(i, f, last)]
        if len(eligible) < per:
            why = "；".join(f"{i['badge']} {r}" for i in roster for r in recusals(i, f, last)) or "名录人数不足"
            raise ZjError(f"无法为“{f.get('name') or f['key']}”安排 {per} 名执法人员：符合条件的只有 {len(eligible)} 名"
                          f"（{why}）。未保存任何抽取结果。",
                          hint="请补充执法人员名录，或调整回避设置后重新抽取。")
        eligible.sort(key=lambda i: (load[i["badge"]], rank(seed, f"insp|{f['key']}|{i['badge']}")))
        chosen = [i["badge"] for i in eligible[:per]]
        for b in chosen:
            load[b] += 1
        out[s["key"]] = chosen
    return out
