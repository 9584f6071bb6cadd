"""Supervision draws (四(二)2, 双随机、一公开) that anyone can recompute and verify.

The algorithm (zjsafety-sample-v1) maps (seed, frame) to a sample with no random-number
generator state, so that the seed and the published frame are all one needs to check it:

1. rank(x) = SHA-256 of the UTF-8 text  seed + "|" + x, read as a big-endian integer.
2. Must-include enterprises (reasons in data/sample.toml) are all selected.
3. The rest of the quota is allocated over strata (sector × township) in proportion to their
   size, each non-empty stratum getting at least one (see `allocate`).
4. Within a stratum, enterprises are taken in ascending rank(key); with risk weighting the
   order is ascending  -ln(u) / w  where u = (rank(key) + 1) / (2^256 + 1) and w the weight.
5. Spares are the remaining pool in ascending rank(key).
6. Inspectors: for each selected enterprise in order, the eligible inspectors (no 回避) are
   taken by ascending (current workload, rank("insp|" + key + "|" + badge)).

README.md spells this out for reimplementation.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import divisions, refdata
from .errors import DataMissing, UsageError, ZjError
from .normalize import CellError, canonical_sector, norm_code
from .store import audit_sql, sample_sql

ALGORITHM = "zjsafety-sample-v1"
LEVELS = ("county", "city", "province")


# ---------------------------------------------------------------- pure algorithm

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
    result["assignments"] = assign_inspectors(selected, frame, params)
    return result


def assign_inspectors(selected: list[dict], frame: list[dict], params: dict) -> dict[str, list[str]]:
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


def recusals(inspector: dict, ent: dict, last: dict[str, list[str]]) -> list[str]:
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


def draw_hash(row: dict) -> str:
    """Hash of a log entry: its parameters, frame fingerprint, result, reason and predecessor."""
    body = {"params": json.loads(row["params_json"]), "frame_sha256": row["frame_sha256"],
            "result": json.loads(row["result_json"]), "previous_hash": row["previous_hash"],
            "reason": row["reason"], "supersedes": row["supersedes"]}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- drawing from the database

@dataclass
class Draw:
    id: int
    row: dict
    params: dict
    frame: list[dict]
    result: dict

    def to_dict(self) -> dict:
        info = {f["key"]: f for f in self.frame}
        badge_names = {i["badge"]: i.get("name") for i in self.params.get("roster", [])}

        def ent(s: dict, with_insp: bool) -> dict:
            f = info[s["key"]]
            d = {"uscc": f.get("uscc") or f["key"], "name": f.get("name"), "stratum": s["stratum"]}
            if "reason" in s:
                d["reason"] = s["reason"]
            if with_insp:
                d["inspectors"] = [{"badge": b, "name": badge_names.get(b)}
                                   for b in self.result.get("assignments", {}).get(s["key"], [])]
            return d

        return {"id": self.id, "level": self.row["level"], "scope": self.row["scope"], "year": self.row["year"],
                "seed": self.row["seed"], "frame_size": self.row["frame_size"],
                "frame_sha256": self.row["frame_sha256"], "quota": self.row["quota"],
                "covered_before": self.params["covered"], "remaining": self.params["remaining"],
                "overflow": self.result["overflow"], "shortfall": self.result["shortfall"],
                "selected": [ent(s, True) for s in self.result["selected"]],
                "spares": [ent(s, False) for s in self.result["spares"]],
                "previous_hash": self.row["previous_hash"], "hash": self.row["hash"],
                "reason": self.row["reason"], "supersedes": self.row["supersedes"],
                "created_at": self.row["created_at"], "algorithm": self.params["algorithm"]}


def _load(row: dict) -> Draw:
    return Draw(row["id"], row, json.loads(row["params_json"]), json.loads(row["frame_json"]),
                json.loads(row["result_json"]))


def build_frame(conn, *, level: str, scope: str, year: int, as_of: date, sectors: list[str] | None,
                exclude_months: int | None, risk_weighted: bool) -> tuple[list[dict], dict]:
    """The frame as the algorithm sees it, and facts about it (coverage so far)."""
    settings = refdata.load_toml("sample.toml")
    rows = sample_sql.frame(conn, json.dumps(sectors, ensure_ascii=False) if sectors else None)
    start, end = date(year, 1, 1).isoformat(), min(as_of, date(year, 12, 31)).isoformat()
    must: dict[int, list[str]] = {}
    for m in settings["must_include"]:
        for eid in sample_sql.must_include(conn, m["reason"], as_of.isoformat(), "2017-07-01"):
            must.setdefault(eid, []).append(m["reason"])
    covered_ids = sample_sql.covered_this_year(conn, level, start, end)
    recent: set[int] = set()
    if exclude_months:
        since = _months_before(as_of, exclude_months)
        recent = sample_sql.recently_inspected(conn, since.isoformat(), as_of.isoformat())
    weights = sample_sql.hazard_weights(conn, f"{as_of.year - 1}-{as_of:%m-%d}", as_of.isoformat()) \
        if risk_weighted else {}
    frame = []
    for r in rows:
        f = {"key": r["key"], "uscc": r["uscc"], "name": r["name"], "county": r["county"], "township": r["township"],
             "sectors": (r["sectors"] or "").split("、") if r["sectors"] else [],
             "stratum": f"{r['sector']}|{r['township'] or '未注明'}", "must": must.get(r["id"], []),
             "excluded": "已督查" if r["id"] in covered_ids else ("近期已检查" if r["id"] in recent else None)}
        if risk_weighted:
            f["weight"] = 1 + weights.get(r["id"], 0)
        frame.append(f)
    return frame, {"covered_ids": covered_ids}


def _months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, 28))


def draw(conn, *, level: str, scope: str, year: int, seed: str, rate: float | None = None, spares: int = 0,
         exclude_months: int | None = None, risk_weighted: bool = False, sectors: list[str] | None = None,
         reason: str | None = None, as_of: date | None = None, inspectors: bool = True) -> Draw:
    """Draw, store (append-only, chained) and return a sample."""
    if level not in LEVELS:
        raise UsageError(f"--level 应为 county、city 或 province，而不是“{level}”。")
    if not seed or not seed.strip():
        raise UsageError("请用 --seed 给出随机种子（如“2019-县级-第1批”），抽取结果由种子和名录唯一确定。")
    try:
        code = divisions.resolve(scope)
    except CellError as e:
        raise UsageError(f"--scope：{e.message}") from None
    if code is None:
        raise UsageError("请用 --scope 指定范围。")
    rates = refdata.load_toml("sample.toml")["rates"]
    rate = rates[level] if rate is None else rate
    if not 0 < rate <= 1:
        raise UsageError("--rate 应在 0 与 1 之间，如 0.3。")
    if sectors:
        try:
            sectors = [canonical_sector(s) for s in sectors]
        except CellError as e:
            raise UsageError(f"--sector：{e.message}") from None
    as_of = as_of or date.today()
    prefix = divisions.scope_prefix(code)
    audit_sql.prepare_scope(conn, prefix, as_of)
    frame, facts = build_frame(conn, level=level, scope=prefix, year=year, as_of=as_of, sectors=sectors,
                               exclude_months=exclude_months, risk_weighted=risk_weighted)
    if not frame:
        raise DataMissing(f"{divisions.full_name(code)}没有可抽取的企业（未关闭的企业为0），请先导入企业基本信息台账。")
    previous = sample_sql.same_batch(conn, level, code, year, seed)
    if previous and not reason:
        raise UsageError(f"本批次（{level} {code} {year} 种子“{seed}”）已于 {previous['created_at']} 抽取过"
                         f"（编号 {previous['id']}）。重新抽取须用 --reason 说明原因，原结果会保留。")
    earlier = sample_sql.earlier_selected(conn, level, code, year) - (
        {x["key"] for x in json.loads(previous["result_json"])["selected"]} if previous else set())
    keys = {f["key"] for f in frame}
    covered = len([f for f in frame if f["excluded"] == "已督查"]) + len(earlier & keys)
    for f in frame:
        if f["key"] in earlier and not f["excluded"]:
            f["excluded"] = "本年度前批次已抽中"
    quota = math.ceil(rate * len(frame) - 1e-9)
    roster = []
    last_assign: dict[str, list[str]] = {}
    if inspectors:
        roster = [{"badge": i["badge"], "name": i["name"], "township": i["residence_township"],
                   "certified": [s for s in (i["certified_sectors"] or "").split("、") if s],
                   "conflicts": [c for c in (norm_code(x) for x in
                                             (i["conflicts"] or "").replace("，", ",").replace("、", ",").split(","))
                                 if c]}
                  for i in sample_sql.roster(conn)]
        if not roster:
            raise DataMissing("没有执法人员名录，无法随机选派检查人员。请先导入执法人员名录，或加 --no-inspectors 只抽企业。")
        # the last draw before this one (for a redraw: before the draw it replaces)
        prev = sample_sql.previous_of_level(conn, level, code, previous["id"] if previous else None)
        if prev:
            last_assign = json.loads(prev["result_json"]).get("assignments", {})
    params = {"algorithm": ALGORITHM, "level": level, "scope": code, "year": year, "seed": seed, "rate": rate,
              "quota": quota, "covered": covered, "remaining": max(0, quota - covered), "as_of": as_of.isoformat(),
              "spares": spares, "exclude_months": exclude_months, "risk_weighted": risk_weighted, "sectors": sectors,
              "inspectors_per": refdata.load_toml("sample.toml")["inspectors"]["per_enterprise"],
              "roster": roster, "last_assignments": last_assign}
    result = compute(frame, params)  # raises before anything is stored if inspectors cannot be assigned
    last = sample_sql.last_draw(conn)
    row = {"level": level, "scope": code, "year": year, "seed": seed, "params_json": canonical(params),
           "frame_size": len(frame), "frame_sha256": fingerprint(frame), "frame_json": canonical(frame),
           "quota": quota, "result_json": canonical(result), "previous_hash": last["hash"] if last else None,
           "reason": reason, "supersedes": previous["id"] if previous else None}
    row["hash"] = draw_hash(row)
    from .store import transaction
    with transaction(conn):
        draw_id = sample_sql.insert_draw(conn, row)
    return _load(sample_sql.draw(conn, draw_id))


def get(conn, draw_id: int) -> Draw:
    row = sample_sql.draw(conn, draw_id)
    if row is None:
        raise UsageError(f"没有编号为 {draw_id} 的抽取记录（zjsafety sample list 查看全部）。")
    return _load(row)


@dataclass
class Verification:
    draw_id: int
    ok: bool
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # (what, passed, detail)

    def to_dict(self) -> dict:
        return {"id": self.draw_id, "ok": self.ok,
                "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in self.checks]}


def verify(conn, draw_id: int) -> Verification:
    """Recompute a stored draw from its seed and frame, and check the log's chain up to it."""
    d = get(conn, draw_id)
    checks = []
    fp = fingerprint(d.frame)
    checks.append(("名录指纹", fp == d.row["frame_sha256"],
                   "与保存的指纹一致" if fp == d.row["frame_sha256"] else f"名录已被改动：重算 {fp[:16]}…，保存 "
                   f"{d.row['frame_sha256'][:16]}…"))
    try:
        again = compute(d.frame, d.params)
        same = canonical(again) == canonical(d.result)
        detail = "由种子和名录重算，结果一致" if same else "由种子和名录重算的结果与保存的结果不一致"
    except ZjError as exc:
        same, detail = False, f"无法重算：{exc.message}"
    checks.append(("抽取结果", same, detail))
    rows = sample_sql.draws(conn)
    prev_hash, chain_ok, bad = None, True, ""
    for row in rows:
        if row["id"] > draw_id:
            break
        if row["previous_hash"] != prev_hash:
            chain_ok, bad = False, f"第 {row['id']} 条记录的前序哈希与第 {row['id'] - 1} 条不符"
            break
        if draw_hash(row) != row["hash"]:
            chain_ok, bad = False, f"第 {row['id']} 条记录的内容与其哈希不符（记录被改动）"
            break
        prev_hash = row["hash"]
    checks.append(("记录链", chain_ok, bad or f"第 1—{draw_id} 条记录的哈希链完整"))
    return Verification(draw_id, all(c[1] for c in checks), checks)


def listing(conn) -> list[dict]:
    """Every draw, with redraws marked and how many of the selected were inspected since."""
    out = []
    rows = sample_sql.draws(conn)
    superseded = {r["supersedes"] for r in rows if r["supersedes"]}
    for row in rows:
        d = _load(row)
        keys = [s["key"] for s in d.result["selected"]]
        done = sample_sql.results_for(conn, keys, row["level"], d.params["as_of"])
        out.append({"id": row["id"], "level": row["level"], "scope": row["scope"], "year": row["year"],
                    "seed": row["seed"], "created_at": row["created_at"], "frame_size": row["frame_size"],
                    "quota": row["quota"], "selected": len(keys), "inspected": sum(1 for k in keys if k in done),
                    "reason": row["reason"], "supersedes": row["supersedes"],
                    "superseded": row["id"] in superseded, "hash": row["hash"]})
    return out


def demo_stage(conn, folder: Path, say) -> dict:
    d = draw(conn, level="county", scope="330106", year=2019, seed="2019-县级-第1批", spares=3,
             as_of=date(2019, 1, 15))
    from .sample_docs import write_notices, write_task_xlsx
    x = write_task_xlsx(conn, d, folder / "抽查任务_2019_县级_第1批.xlsx")
    notices = write_notices(conn, d, folder / "公告")
    v = verify(conn, d.id)
    say(f"抽查：从 {d.row['frame_size']} 家企业中抽取 {len(d.result['selected'])} 家（配额 {d.row['quota']}，"
        f"本年已覆盖 {d.params['covered']}），复核{'通过' if v.ok else '未通过'}；任务清单：{x}")
    return {"sample": {"id": d.id, "selected": len(d.result["selected"]), "verified": v.ok},
            "sample_xlsx": str(x), "notices": [str(p) for p in notices]}
