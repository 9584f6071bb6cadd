"""A supervision draw (四(二)2, 双随机、一公开): the frame from the database, the quota, the
selection (sampling.algorithm), the inspectors (sampling.inspectors), and the record appended
to the chained, append-only log."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date

from zjsafety.core import refdata
from zjsafety.core.errors import DataMissing, UsageError
from zjsafety.core.normalize import CellError, canonical_sector, norm_code
from zjsafety.rules.pack import load_pack, rule_of_type
from zjsafety.rules.scope import Scope
from zjsafety.sampling.algorithm import ALGORITHM, canonical, draw_hash, fingerprint, select
from zjsafety.sampling.frame import build_frame
from zjsafety.sampling.inspectors import assign_inspectors
from zjsafety.store import sample_sql
from zjsafety.store.connection import transaction

LEVELS = ("county", "city", "province")


def compute(frame: list[dict], params: dict) -> dict:
    """The whole result of a draw from its stored frame and parameters: the enterprises, then
    their inspectors. What `verify` recomputes."""
    result = select(frame, params)
    result["assignments"] = assign_inspectors(result["selected"], frame, params)
    return result


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


def load(row: dict) -> Draw:
    return Draw(row["id"], row, json.loads(row["params_json"]), json.loads(row["frame_json"]),
                json.loads(row["result_json"]))


def draw(conn, *, level: str, scope: str, year: int, seed: str, rate: float | None = None, spares: int = 0,
         exclude_months: int | None = None, risk_weighted: bool = False, sectors: list[str] | None = None,
         reason: str | None = None, as_of: date | None = None, inspectors: bool = True,
         plan: str | None = None) -> Draw:
    """Draw, store (append-only, chained) and return a sample."""
    if level not in LEVELS:
        raise UsageError(f"--level 应为 county、city 或 province，而不是“{level}”。")
    if not seed or not seed.strip():
        raise UsageError("请用 --seed 给出随机种子（如“2019-县级-第1批”），抽取结果由种子和名录唯一确定。")
    code = Scope.of(scope, as_of or date.today()).code
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
    scope_ = Scope(code, as_of.year)
    watch = rule_of_type(load_pack(plan), "repeat_hazards")
    frame, _covered = build_frame(conn, scope_, level=level, year=year, as_of=as_of, sectors=sectors,
                                  exclude_months=exclude_months, risk_weighted=risk_weighted,
                                  watch_start=watch.p.window_start if watch else date(as_of.year, 1, 1))
    if not frame:
        raise DataMissing(f"{Scope(code, as_of.year).name}没有可抽取的企业（未关闭的企业为0），请先导入企业基本信息台账。")
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
                  for i in sample_sql.roster(conn, scope_)]
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
    with transaction(conn):
        draw_id = sample_sql.insert_draw(conn, row)
    return load(sample_sql.draw(conn, draw_id))


def get(conn, draw_id: int) -> Draw:
    row = sample_sql.draw(conn, draw_id)
    if row is None:
        raise UsageError(f"没有编号为 {draw_id} 的抽取记录（zjsafety sample list 查看全部）。")
    return load(row)
