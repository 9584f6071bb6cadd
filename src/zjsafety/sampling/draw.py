"""A supervision draw (四(二)2, 双随机、一公开), and the plan that may precede it.

A draw reads the frame from the database (sampling.frame), selects (sampling.algorithm),
assigns inspectors (sampling.inspectors) and appends one entry to the draw log — all inside one
write transaction, so that concurrent draws take turns and each chains to the one before. Its
papers are written to temporary files before the entry commits and renamed after: a draw is
never stored without its papers, nor its papers left half-written.

A plan (`plan`) publishes the frame and a commitment to the seed before anyone knows the seed:
the draw made from it uses that frame and refuses a seed that does not match."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from zjsafety.core import labels, refdata
from zjsafety.core.clock import beijing_today, utc_now
from zjsafety.core.errors import DataMissing, MachineError, UsageError
from zjsafety.core.normalize import CellError, canonical_sector, unknown_chunks
from zjsafety.core.paths import Staged
from zjsafety.core.plans import AUTO
from zjsafety.rules.pack import load_pack, rule_of_type
from zjsafety.rules.scope import Scope
from zjsafety.sampling.algorithm import ALGORITHM, canonical, entry_hash, fingerprint, quota, select
from zjsafety.sampling.frame import build_frame
from zjsafety.sampling.inspectors import assign, roster_entry
from zjsafety.store import sample_sql
from zjsafety.store.connection import transaction

LEVELS = ("county", "city", "province")


def compute(frame: list[dict], params: dict) -> dict:
    """The whole result of a draw from its stored frame and parameters: the enterprises, then
    their inspectors. What `verify` recomputes."""
    result = select(frame, params)
    result["assignments"] = assign(result["selected"], frame, params)
    return result


@dataclass
class Draw:
    """An entry of the draw log (a draw or a plan), as stored."""

    row: dict
    params: dict = field(init=False)
    frame: list[dict] = field(init=False)
    result: dict = field(init=False)
    reused: bool = False  # an identical earlier draw returned instead of a new one
    papers: list = field(default_factory=list)  # where its task list, notices and record went

    def __post_init__(self) -> None:
        self.params = json.loads(self.row["params_json"])
        self.frame = json.loads(self.row["frame_json"])
        self.result = json.loads(self.row["result_json"])

    @property
    def id(self) -> int:
        return self.row["id"]

    def to_dict(self) -> dict:
        info = {f["key"]: f for f in self.frame}
        names = {i["badge"]: i.get("name") for i in self.params.get("roster", [])}

        def ent(s: dict, inspectors: bool) -> dict:
            f = info[s["key"]]
            d = {"key": s["key"], "uscc": f.get("uscc"), "name": f.get("name"), "stratum": s["stratum"]}
            if "reason" in s:
                d["reason"], d["probability"] = s["reason"], s.get("probability")
            if inspectors:
                d["inspectors"] = [{"badge": b, "name": names.get(b)}
                                   for b in self.result.get("assignments", {}).get(s["key"], [])]
            return d
        r = self.row
        out = {k: r[k] for k in ("id", "kind", "level", "scope", "year", "seed", "frame_size", "frame_sha256", "quota",
                                 "previous_hash", "hash", "reason", "supersedes", "created_at", "commitment", "plan_id")}
        out.update(algorithm=self.params["algorithm"], rate=self.params["rate"], reused=self.reused)
        if r["kind"] == "draw":
            res = self.result
            out.update(covered=res["covered"], remaining=res["remaining"], must=res["must"],
                       random=res["random"], overflow=res["overflow"], shortfall=res["shortfall"],
                       selected=[ent(s, True) for s in res["selected"]], spares=[ent(s, False) for s in res["spares"]])
        return out


def load(row: dict) -> Draw:
    return Draw(dict(row))


def get(conn, draw_id: int) -> Draw:
    row = sample_sql.draw(conn, draw_id)
    if row is None:
        raise UsageError(f"没有编号为 {draw_id} 的抽取记录（zjsafety sample list 查看全部）。")
    return load(row)


# ---------------------------------------------------------------- what is asked

@dataclass
class Request:
    level: str
    scope: Scope
    year: int
    as_of: date
    rate: str  # a decimal as text: "0.30"
    spares: int = 0
    exclude_months: int | None = None
    risk_weighted: bool = False
    sectors: list[str] | None = None
    inspectors: bool = True
    plan: str | None = None  # the rule pack (its repeat-hazard window starts the watch list)
    allow_unknown_conflicts: bool = False  # draw although a 回避 entry names no enterprise we know


def request(*, level: str, scope: str, year: int, as_of: date | None = None, rate: float | str | None = None,
            spares: int = 0, exclude_months: int | None = None, risk_weighted: bool = False,
            sectors: list[str] | None = None, inspectors: bool = True, plan: str | None = None,
            allow_unknown_conflicts: bool = False) -> Request:
    """The parameters of a draw, checked: any that do not fit are a usage error."""
    if level not in LEVELS:
        raise UsageError(f"--level 应为 县级（county）、市级（city）或 省级（province），而不是“{level}”。")
    as_of = as_of or date.today()
    sc = Scope.of(scope, as_of)
    rate_text = refdata.load_toml("sample.toml")["rates"][level] if rate is None else rate
    rate_text = f"{rate_text:.6g}" if isinstance(rate_text, float) else str(rate_text)
    try:
        value = float(rate_text)
    except ValueError:
        raise UsageError(f"--rate 应为数字（0 与 1 之间，如 0.3），而不是“{rate_text}”。") from None
    if not 0 < value <= 1:
        raise UsageError(f"--rate 应在 0 与 1 之间，如 0.3，而不是 {rate_text}。")
    if spares < 0 or (exclude_months is not None and exclude_months < 0):
        raise UsageError("--spares 和 --exclude-months 不能是负数。")
    if sectors:
        try:
            sectors = sorted({canonical_sector(s) for s in sectors})
        except CellError as e:
            raise UsageError(f"--sector：{e.message}") from None
    return Request(level, sc, year, as_of, rate_text, spares, exclude_months, risk_weighted, sectors, inspectors, plan,
                   allow_unknown_conflicts)


def _watch_rule(plan, as_of: date):
    """The repeat-hazard rule of the pack in force, whose window the frame's watch list uses;
    None between plans (a draw does not need a plan in force) or when the pack has none."""
    try:
        return rule_of_type(load_pack(plan, as_of), "repeat_hazards")
    except UsageError:
        if plan and plan != AUTO:
            raise  # a pack named and not loadable is the user's to fix
        return None


def _frame_and_params(conn, req: Request, seed: str, replacing: int | None) -> tuple[list[dict], dict]:
    watch = _watch_rule(req.plan, req.as_of)
    frame = build_frame(conn, req.scope, level=req.level, year=req.year, as_of=req.as_of, sectors=req.sectors,
                        exclude_months=req.exclude_months, risk_weighted=req.risk_weighted,
                        watch_start=watch.p.window_start if watch else date(req.as_of.year, 1, 1), replacing=replacing)
    if not frame:
        raise DataMissing(f"{req.scope.name}没有可抽取的企业（未关闭的企业为0），请先导入企业基本信息台账。")
    params = {"algorithm": ALGORITHM, "level": req.level, "scope": req.scope.code, "year": req.year, "seed": seed,
              "rate": req.rate, "as_of": req.as_of.isoformat(), "spares": req.spares,
              "exclude_months": req.exclude_months, "risk_weighted": req.risk_weighted, "sectors": req.sectors,
              "inspectors_per": refdata.load_toml("sample.toml")["inspectors"]["per_enterprise"],
              "roster": [], "last_assignments": {}}
    if req.inspectors:
        people = sample_sql.roster(conn, req.scope)
        params["roster"] = [roster_entry(i) for i in people]
        if not params["roster"]:
            raise DataMissing("没有执法人员名录，无法随机选派检查人员。请先导入执法人员名录，或加 --no-inspectors 只抽企业。")
        unknown = _unknown_conflicts(conn, params["roster"], {i["badge"]: i["conflicts"] for i in people})
        if unknown and not req.allow_unknown_conflicts:
            listed = "；".join(f"{u['badge']} {u['name']}：“{u['entry']}”" for u in unknown[:20])
            raise DataMissing(f"执法人员名录中有 {len(unknown)} 项回避企业在数据库中找不到，回避无法保证：{listed}"
                              f"{'……' if len(unknown) > 20 else ''}。未抽取。",
                              hint="请改正执法人员名录的“回避企业”（名称或信用代码须与企业台账一致）后重新导入；"
                                   "确认无误仍要抽取的，加 --allow-unknown-conflicts（抽查过程记录会列出这些项）。")
        if unknown:
            params["unknown_conflicts"] = unknown  # said in the draw record
        # the previous draw: the latest standing draw of this level and scope before this one
        prev = sample_sql.previous_of_level(conn, req.level, req.scope.code, replacing)
        if prev:
            params["last_assignments"] = json.loads(prev["result_json"]).get("assignments", {})
    return frame, params


def _unknown_conflicts(conn, roster: list[dict], cells: dict[str, str | None]) -> list[dict]:
    """回避 entries that name no enterprise we know: they bar nobody, so a draw cannot rely on them."""
    entries = {e for i in roster for e in i["conflicts"]}
    known = sample_sql.known_entries(conn, entries) if entries else set()
    return [{"badge": i["badge"], "name": i["name"], "entry": e}
            for i in roster for e in unknown_chunks(cells[i["badge"]], known)]


# ---------------------------------------------------------------- the log

def _append(conn, row: dict) -> dict:
    """Chain the entry to the log's head and insert it (inside the caller's transaction)."""
    head = sample_sql.head(conn)
    row = {**{c: None for c in sample_sql.COLUMNS}, **row, "id": sample_sql.next_id(conn),
           "previous_hash": head["hash"] if head else None, "created_at": utc_now()}
    row["hash"] = entry_hash({k: row[k] for k in sample_sql.COLUMNS})
    sample_sql.insert_entry(conn, row)
    return row


def _commitment(seed_text: str | None, sha: str | None, public: str | None, public_date: date | None) -> str:
    given = [x for x in (seed_text, sha, public) if x]
    if len(given) != 1:
        raise UsageError("请给出一种种子承诺：--commit-seed（由本程序计算其 SHA-256，种子本身不保存）、"
                         "--commit-sha256（种子的 SHA-256），或 --commit-public（公开的随机数来源）加 --public-date。")
    if seed_text:
        return "sha256:" + hashlib.sha256(seed_text.encode("utf-8")).hexdigest()
    if sha:
        h = sha.strip().lower()
        if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise UsageError("--commit-sha256 应为 64 位十六进制的 SHA-256 值。")
        return "sha256:" + h
    if public_date is None:
        raise UsageError("--commit-public 需要同时用 --public-date 给出该随机数公布的日期。")
    return f"public:{public_date.isoformat()}:{public.strip()}"


def plan(conn, req: Request, *, commit_seed: str | None = None, commit_sha256: str | None = None,
         commit_public: str | None = None, public_date: date | None = None) -> Draw:
    """Record, before the draw, the frame and a commitment to the seed (its SHA-256, or a named
    future public random value), chained in the log: the 抽查计划公告 publishes both."""
    commitment = _commitment(commit_seed, commit_sha256, commit_public, public_date)
    with transaction(conn):
        frame, params = _frame_and_params(conn, req, "", None)
        row = _append(conn, {"kind": "plan", "level": req.level, "scope": req.scope.code, "year": req.year, "seed": "",
                             "params_json": canonical(params), "frame_size": len(frame),
                             "frame_sha256": fingerprint(frame), "frame_json": canonical(frame),
                             "quota": quota(req.rate, len(frame)), "result_json": "{}", "commitment": commitment})
    return load(row)


def check_seed(plan_row: dict, seed: str, on: date) -> None:
    """The revealed seed against the plan's commitment: a mismatch is refused."""
    c = plan_row["commitment"] or ""
    if c.startswith("sha256:"):
        if hashlib.sha256(seed.encode("utf-8")).hexdigest() != c[7:]:
            raise UsageError(f"种子与抽查计划（编号 {plan_row['id']}）公布的承诺不符：SHA-256(种子) 应为 {c[7:]}。",
                             hint="请核对种子的每一个字符（全角/半角、空格），它必须与承诺时完全相同。")
    elif c.startswith("public:"):
        day = date.fromisoformat(c.split(":")[1])
        if on < day:
            raise UsageError(f"抽查计划（编号 {plan_row['id']}）约定的公开随机数要到 {day} 才公布，不能在此之前抽取。")


def draw(conn, *, level: str, scope: str, year: int, seed: str, rate: float | str | None = None, spares: int = 0,
         exclude_months: int | None = None, risk_weighted: bool = False, sectors: list[str] | None = None,
         reason: str | None = None, as_of: date | None = None, inspectors: bool = True, plan: str | None = None,
         plan_id: int | None = None, stage: Callable[[Draw], list[Staged]] | None = None,
         allow_unknown_conflicts: bool = False) -> Draw:
    """Draw, store (append-only, chained) and return a sample. `plan_id`: draw from a plan (its
    frame and parameters; the seed must match its commitment). `stage`: writes the draw's
    papers to temporary files before the draw commits; they are renamed after."""
    if not seed or not seed.strip():
        raise UsageError("请用 --seed 给出随机种子（如“2019-县级-第1批”），抽取结果由种子和名录唯一确定。")
    staged: list[Staged] = []
    try:
        with transaction(conn):  # the chain head is read and the entry appended in one transaction
            if plan_id is not None:
                row = _from_plan(conn, plan_id, seed, reason, as_of)
            else:
                req = request(level=level, scope=scope, year=year, as_of=as_of, rate=rate, spares=spares,
                              exclude_months=exclude_months, risk_weighted=risk_weighted, sectors=sectors,
                              inspectors=inspectors, plan=plan, allow_unknown_conflicts=allow_unknown_conflicts)
                row = _new_draw(conn, req, seed, reason)
            reused = row.pop("_reused", False)
            d = load(row)
            if reused:
                d.reused = True
                return d
            if stage and d.result.get("selected"):  # a draw that selects nothing has no papers to write
                staged = stage(d)  # raises: nothing is stored, the temporary files go
    except BaseException:
        for s in staged:
            s.discard()
        raise
    _publish(staged, d)
    d.papers = [s.final for s in staged]
    return d


def _new_draw(conn, req: Request, seed: str, reason: str | None) -> dict:
    previous = sample_sql.same_batch(conn, req.level, req.scope.code, req.year, seed)
    frame, params = _frame_and_params(conn, req, seed, previous["id"] if previous else None)
    result = compute(frame, params)  # raises before anything is stored if inspectors cannot be assigned
    if previous and not reason:
        same = previous["frame_sha256"] == fingerprint(frame) and previous["result_json"] == canonical(result) \
            and json.loads(previous["params_json"]) == params
        if same:  # the same request again (or twice at once): one draw
            return {**previous, "_reused": True}
        raise UsageError(f"本批次（{labels.level(req.level)} {req.scope.name} {req.year}年 种子“{seed}”）已于 "
                         f"{previous['created_at']} 抽取过（编号 {previous['id']}），名录或参数已有变化。"
                         f"重新抽取须用 --reason 说明原因，原结果会保留。")
    return _append(conn, {"kind": "draw", "level": req.level, "scope": req.scope.code, "year": req.year, "seed": seed,
                          "params_json": canonical(params), "frame_size": len(frame), "frame_sha256": fingerprint(frame),
                          "frame_json": canonical(frame), "quota": quota(req.rate, len(frame)),
                          "result_json": canonical(result), "reason": reason,
                          "supersedes": previous["id"] if previous else None})


def _from_plan(conn, plan_id: int, seed: str, reason: str | None, as_of: date | None) -> dict:
    p = sample_sql.draw(conn, plan_id)
    if p is None or p["kind"] != "plan":
        raise UsageError(f"没有编号为 {plan_id} 的抽查计划（zjsafety sample list 查看全部）。")
    check_seed(p, seed, beijing_today())  # the clock decides, never a date the user types
    done = conn.execute("SELECT * FROM sample_draw WHERE plan_id = ? ORDER BY id DESC LIMIT 1", (plan_id,)).fetchone()
    params = {**json.loads(p["params_json"]), "seed": seed, "plan_id": plan_id}
    frame = json.loads(p["frame_json"])
    _check_fresh(conn, p, params, frame, done["id"] if done is not None else None)
    result = compute(frame, params)
    if done is not None and not reason:
        if dict(done)["result_json"] == canonical(result):
            return {**dict(done), "_reused": True}
        raise UsageError(f"抽查计划 {plan_id} 已抽取过（编号 {done['id']}）；重新抽取须用 --reason 说明原因。")
    return _append(conn, {"kind": "draw", "level": p["level"], "scope": p["scope"], "year": p["year"], "seed": seed,
                          "params_json": canonical(params), "frame_size": p["frame_size"],
                          "frame_sha256": p["frame_sha256"], "frame_json": p["frame_json"], "quota": p["quota"],
                          "result_json": canonical(result), "reason": reason, "plan_id": plan_id,
                          "commitment": p["commitment"], "supersedes": done["id"] if done is not None else None})


def _check_fresh(conn, p: dict, params: dict, frame: list[dict], replacing: int | None) -> None:
    """A plan whose year gained a standing draw or inspections after it was made is stale: its
    frame says those enterprises are still to cover, and a draw from it would cover them twice."""
    later = sample_sql.draws_after(conn, p["level"], p["scope"], p["year"], p["id"], p["id"])
    req = Request(p["level"], Scope.of(p["scope"], date.fromisoformat(params["as_of"])), p["year"],
                  date.fromisoformat(params["as_of"]), params["rate"], params["spares"], params["exclude_months"],
                  params["risk_weighted"], params["sectors"], bool(params.get("roster")))
    watch = _watch_rule(None, req.as_of)
    now = build_frame(conn, req.scope, level=req.level, year=req.year, as_of=req.as_of, sectors=req.sectors,
                      exclude_months=req.exclude_months, risk_weighted=req.risk_weighted,
                      watch_start=watch.p.window_start if watch else date(req.year, 1, 1), replacing=replacing)
    was = {f["key"] for f in frame if f.get("covered")}
    newly = [f for f in now if f.get("covered") and f["key"] not in was]
    if later or newly:
        why = (f"其后又有第 {'、'.join(map(str, later))} 号抽取" if later else "其后又导入了本年度的督查记录")
        raise UsageError(f"抽查计划 {p['id']} 已过时：{why}，计划名录中有 {len(newly)} 家企业已被覆盖，"
                         f"按计划抽取会重复督查。未抽取。",
                         hint="请重新公布一份抽查计划（zjsafety sample plan …），按新计划抽取。")


def _publish(staged: list[Staged], d: Draw) -> None:
    try:
        for s in staged:
            s.publish()
    except (MachineError, KeyboardInterrupt) as exc:
        for s in staged:
            s.discard()
        why = exc.message if isinstance(exc, MachineError) else "已中断"
        raise MachineError(f"抽取已保存（编号 {d.id}），但文件未能全部写出：{why}",
                           hint=f"可用 zjsafety sample export {d.id} --dir 文件夹 重新写出任务清单、公告和记录。") from None
