"""Rule packs: a plan's checkable targets as data (data/rules/<plan>.toml).

A pack names its plan, its years, the rules (each a rule type of this package with the plan's
thresholds, windows, deadlines and clause) and how reports lay them out. A new plan is a new
pack, not new code; a pack that lacks a setting a rule type needs is refused, naming it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zjsafety.core import refdata
from zjsafety.core.errors import UsageError
from zjsafety.core.plans import AUTO, available, default_plan, pack_for
from zjsafety.rules.base import REGISTRY, Rule

REQUIRED = ("plan", "title", "milestones", "base_year", "first_year", "last_year", "rule", "section")


def load_pack(plan: str | Path | None = None, as_of: date | None = None) -> dict[str, Any]:
    """A rule pack by name (data/rules/<name>.toml) or by path to a TOML file; without one (or
    "auto"), the shipped pack in force on `as_of` (today when not given)."""
    plan = plan or default_plan()
    if str(plan) == AUTO:
        plan = pack_for(as_of or date.today())
    p = Path(plan)
    if not p.suffix:
        p = refdata.data_dir() / "rules" / f"{plan}.toml"
    pack = refdata.read_user_toml(p, "规则包", f"可用：{'、'.join(available())}")
    missing = [k for k in REQUIRED if k not in pack]
    if "progress_rules" not in pack.get("report", {}):
        missing.append("report.progress_rules")
    if missing:
        raise UsageError(f"规则包“{p.name}”缺少设置：{'、'.join(missing)}")
    pack["_path"] = str(p)
    pack["report"] = _report_wording(pack["report"])
    ids = {r.p.id for r in build_rules(pack)}  # every rule's settings checked now, not when a command reaches it
    named = [x for sec in pack["section"] for x in sec.get("rules", [])] + list(pack["report"]["progress_rules"])
    unknown = sorted(set(named) - ids)
    if unknown:
        raise UsageError(f"规则包“{p.name}”的 section 或 report 中提到的规则不存在：{'、'.join(unknown)}")
    return pack


def _report_wording(own: dict[str, Any]) -> dict[str, Any]:
    """The report's wording: data/report.toml, overridden key by key by the pack's [report]."""
    base = refdata.load_toml("report.toml")
    merged = {**base, **own}
    merged["attachments"] = {**base["attachments"], **own.get("attachments", {})}
    merged.setdefault("next", {})
    return merged


def build_rules(pack: dict[str, Any]) -> list[Rule]:
    rules = []
    for entry in pack.get("rule", []):
        cls = REGISTRY.get(entry.get("type"))
        if cls is None:
            raise UsageError(f"规则包中的规则类型“{entry.get('type')}”不存在，可用：{'、'.join(REGISTRY)}")
        try:
            rules.append(cls(cls.Params(**entry)))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(x) for x in err["loc"])
            what = "缺少设置" if err["type"] == "missing" else "设置不对"
            raise UsageError(f"规则包中规则“{entry.get('id')}”{what}“{key}”：{err['msg']}") from None
    return rules


def rule_of_type(pack: dict[str, Any], rule_type: str) -> Rule | None:
    """The pack's (first) rule of a type: other stages take settings from it (the sampling
    frame's watch list uses the repeat-hazard rule's window)."""
    return next((r for r in build_rules(pack) if r.type == rule_type), None)
