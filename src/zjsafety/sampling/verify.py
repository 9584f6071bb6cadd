"""Checking the draw log: an entry's content against its hash, its frame against its
fingerprint, its result recomputed from frame, parameters and seed, its seed against its plan's
commitment, the chain up to it (or the whole log), the log's head against a published hash, and a
published frame file against the fingerprint."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from zjsafety.core.clock import beijing_date
from zjsafety.core.errors import UsageError, ZjError
from zjsafety.rules.scope import Scope
from zjsafety.sampling import legacy
from zjsafety.sampling.algorithm import canonical, entry_hash, fingerprint
from zjsafety.sampling.draw import check_seed, compute, get
from zjsafety.store import sample_sql


@dataclass
class Verification:
    draw_id: int | None
    ok: bool = True
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # (what, passed, detail)
    changes: list[str] = field(default_factory=list)  # the database since the draw: said, not judged

    def add(self, what: str, ok: bool, detail: str) -> None:
        self.checks.append((what, ok, detail))
        self.ok = self.ok and ok

    def to_dict(self) -> dict:
        return {"id": self.draw_id, "ok": self.ok, "changes": self.changes,
                "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in self.checks]}


def _hash_ok(row: dict) -> bool:
    if json.loads(row["params_json"]).get("algorithm") == legacy.ALGORITHM:
        return legacy.entry_hash(row) == row["hash"]
    return entry_hash({k: row.get(k) for k in sample_sql.COLUMNS}) == row["hash"]


def _chain(rows: list[dict], upto: int | None) -> tuple[bool, str]:
    prev = None
    for row in rows:
        if upto is not None and row["id"] > upto:
            break
        if row["previous_hash"] != (prev["hash"] if prev else None):
            return False, f"第 {row['id']} 条记录的前序哈希与它前面的第 {prev['id'] if prev else '—'} 条不符（有记录被删除、插入或改写）"
        if not _hash_ok(row):
            return False, f"第 {row['id']} 条记录的内容与其哈希不符（记录被改动）"
        prev = row
    last = prev["id"] if prev else 0
    return True, f"第 1—{last} 条记录的哈希链完整"


def check_head(expect_head: str | None) -> str | None:
    """A published head hash, whole or as the prefix the screen and notices show (8 or more
    hexadecimal characters); anything else is a usage error, never reported as tampering."""
    if expect_head is None:
        return None
    h = expect_head.strip().lower()
    if len(h) < 8 or len(h) > 64 or any(c not in "0123456789abcdef" for c in h):
        raise UsageError(f"--expect-head 应为公布的记录哈希（64 位十六进制，或其前 8 位以上），而不是“{expect_head}”。")
    return h


def _head(v: Verification, rows: list[dict], expect_head: str | None) -> None:
    h = check_head(expect_head)
    if h:
        head = rows[-1]["hash"] if rows else None
        ok = bool(head) and head.startswith(h)
        v.add("链头", ok, "与公布的最后一条记录的哈希一致" if ok else
              f"记录链的末端（{(head or '空')[:16]}…）与公布的哈希（{h[:16]}…）不符：最后的记录可能被删除或改写")


def verify(conn, draw_id: int, *, expect_head: str | None = None, frame_file: Path | None = None) -> Verification:
    """One entry, and the chain up to it. A log row or a published frame that cannot even be
    read does not verify (exit 1): that is what tampering looks like, never an internal error."""
    try:
        return _verify(conn, draw_id, expect_head=expect_head, frame_file=frame_file)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSON that is not ours, fields gone
        v = Verification(draw_id)
        v.add("记录内容", False, f"记录或名录无法按 zjsafety 的格式读出（{type(exc).__name__}）：可能已被改动或损坏")
        return v


def _verify(conn, draw_id: int, *, expect_head: str | None = None, frame_file: Path | None = None) -> Verification:
    d = get(conn, draw_id)
    row, v = d.row, Verification(draw_id)
    v.add("记录内容", _hash_ok(row), "所有字段与记录哈希一致" if _hash_ok(row) else "记录的字段与其哈希不符（记录被改动）")
    legacy_row = d.params.get("algorithm") == legacy.ALGORITHM
    fp = (legacy.fingerprint if legacy_row else fingerprint)(d.frame)
    v.add("名录指纹", fp == row["frame_sha256"], "与保存的指纹一致" if fp == row["frame_sha256"] else
          f"名录已被改动：重算 {fp[:16]}…，保存 {row['frame_sha256'][:16]}…")
    if row["kind"] == "draw":
        try:
            again = (legacy.compute if legacy_row else compute)(d.frame, d.params)
            same = canonical(again) == canonical(d.result)
            detail = "由种子和名录重算，结果一致" if same else "由种子和名录重算的结果与保存的结果不一致"
        except ZjError as exc:
            same, detail = False, f"无法重算：{exc.message}"
        v.add("抽取结果", same, detail)
        if row.get("plan_id"):
            plan = sample_sql.draw(conn, row["plan_id"])
            try:
                check_seed(plan, row["seed"], beijing_date(row["created_at"]))  # the day it was drawn
                ok = plan["frame_sha256"] == row["frame_sha256"]
                v.add("种子承诺", ok, f"种子与计划 {plan['id']} 的承诺相符，名录与计划公布的一致" if ok else "名录与计划公布的不一致")
            except UsageError as exc:
                v.add("种子承诺", False, exc.message)
    rows = sample_sql.draws(conn)
    ok, detail = _chain(rows, draw_id)
    v.add("记录链", ok, detail)
    _head(v, rows, expect_head)
    if frame_file is not None:
        from zjsafety.sampling.export import read_frame
        published = fingerprint(read_frame(frame_file))
        v.add("公布的名录", published == row["frame_sha256"], "与记录的名录指纹一致" if published == row["frame_sha256"]
              else f"公布的名录（{published[:16]}…）与记录的名录指纹（{row['frame_sha256'][:16]}…）不符")
    v.changes = changed_since(conn, d)
    return v


def verify_papers(folder: Path, draw_id: int) -> Verification:
    """A draw checked from its exported papers alone, no database: the entry's hash over its
    columns, the published frame (名录.jsonl) against the fingerprint, and the selection, order,
    spares and inspectors recomputed from the frame and the exported parameters (roster included)."""
    from zjsafety.sampling.export import read_entry, read_frame
    row = read_entry(folder, draw_id)
    v = Verification(draw_id)
    try:
        params, frame, stored = (json.loads(row["params_json"]), json.loads(row["frame_json"]),
                                 json.loads(row["result_json"]))
    except (KeyError, TypeError, ValueError):
        v.add("记录内容", False, "导出的抽取记录缺少字段或已损坏")
        return v
    v.add("记录内容", _hash_ok(row), "所有字段与记录哈希一致" if _hash_ok(row) else "记录的字段与其哈希不符（记录被改动）")
    legacy_row = params.get("algorithm") == legacy.ALGORITHM
    fp = (legacy.fingerprint if legacy_row else fingerprint)(frame)
    v.add("名录指纹", fp == row.get("frame_sha256"), "记录中的名录与其指纹一致" if fp == row.get("frame_sha256")
          else "记录中的名录与其指纹不符")
    published = sorted(Path(folder).glob("抽查名录_*.jsonl"))
    if published:
        pf = fingerprint(read_frame(published[0]))
        v.add("公布的名录", pf == row.get("frame_sha256"), f"{published[0].name} 与记录的名录指纹一致"
              if pf == row.get("frame_sha256") else f"{published[0].name} 与记录的名录指纹不符")
    if row.get("kind") == "draw":
        try:
            again = (legacy.compute if legacy_row else compute)(frame, params)
        except ZjError as e:
            v.add("抽取结果", False, f"无法按导出的参数重算：{e.message}")
            return v
        keys = ("selected", "spares", "assignments", "covered", "remaining")
        same = all(again.get(k) == stored.get(k) for k in keys)
        v.add("抽取结果", same, "由种子、名录和导出的参数（含执法人员名录）重算，企业与执法人员一致" if same
              else "按导出的参数重算的结果与记录不一致")
    return v


def verify_all(conn, *, expect_head: str | None = None) -> Verification:
    """Every entry of the log: each one's content and result, and the whole chain."""
    v = Verification(None)
    rows = sample_sql.draws(conn)
    for row in rows:
        one = verify(conn, row["id"])
        bad = [c for c in one.checks if not c[1]]
        v.add(f"第 {row['id']} 条", not bad, "通过" if not bad else "；".join(f"{c[0]}：{c[2]}" for c in bad))
    ok, detail = _chain(rows, None)
    v.add("记录链", ok, detail if rows else "还没有抽取记录")
    _head(v, rows, expect_head)
    return v


def changed_since(conn, d) -> list[str]:
    """What the database says now of the frame's enterprises (information, not a failure)."""
    if d.row["kind"] != "draw" and d.row["kind"] != "plan":
        return []
    scope = Scope(d.row["scope"], int(d.params["as_of"][:4]) if "as_of" in d.params else d.row["year"])
    sectors = d.params.get("sectors")
    now = {r["key"]: r for r in sample_sql.frame(conn, scope, json.dumps(sectors, ensure_ascii=False) if sectors else None)}
    out = []
    for f in d.frame:
        r = now.pop(f["key"], None)
        if r is None:
            out.append(f"{f.get('name') or f['key']}：现已关闭或不在范围内")
        elif (r["name"], r["township"]) != (f.get("name"), f.get("township")):
            out.append(f"{f.get('name') or f['key']}：名称或乡镇已改为 {r['name']} / {r['township'] or '未注明'}")
    out += [f"{r['name']}：抽取后新增的企业" for r in now.values()]
    return out
