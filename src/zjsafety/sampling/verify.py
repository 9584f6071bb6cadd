"""Checking a stored draw: recompute it from its seed, frame and parameters, and walk the
log's hash chain up to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from zjsafety.core.errors import ZjError
from zjsafety.sampling.algorithm import canonical, draw_hash, fingerprint
from zjsafety.sampling.draw import compute, get
from zjsafety.store import sample_sql


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
