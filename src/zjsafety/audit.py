"""Audit: run a plan's rule pack over the database for a scope and an as-of date.

    from zjsafety.audit import run
    report = run(conn, scope="330106", as_of=date(2018, 12, 31))
    report.to_dict()["results"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import divisions, refdata
from .errors import UsageError
from .normalize import CellError
from .rules import REGISTRY, Context, Result, Rule
from .store import audit_sql

DEFAULT_PLAN = "zj-2017-2020"


def load_pack(plan: str | Path = DEFAULT_PLAN) -> dict[str, Any]:
    """A rule pack by name (data/rules/<name>.toml) or by path to a TOML file."""
    p = Path(plan)
    if not p.suffix:
        p = refdata.data_dir() / "rules" / f"{plan}.toml"
    try:
        with open(p, "rb") as fh:
            pack = tomllib.load(fh)
    except FileNotFoundError:
        avail = "、".join(x.stem for x in (refdata.data_dir() / "rules").glob("*.toml"))
        raise UsageError(f"找不到规则包“{plan}”，可用：{avail}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"规则包“{p}”格式不对：{exc}") from None
    pack["_path"] = str(p)
    return pack


def build_rules(pack: dict[str, Any]) -> list[Rule]:
    rules = []
    for entry in pack.get("rule", []):
        cls = REGISTRY.get(entry.get("type"))
        if cls is None:
            raise UsageError(f"规则包中的规则类型“{entry.get('type')}”不存在，可用：{'、'.join(REGISTRY)}")
        try:
            rules.append(cls(cls.Params(**entry)))
        except ValidationError as exc:
            raise UsageError(f"规则包中规则“{entry.get('id')}”的参数不对：{exc.errors()[0]['loc']} "
                             f"{exc.errors()[0]['msg']}") from None
    return rules


def resolve_scope(scope: str | None) -> str:
    """'330106', '西湖区', '3301', '杭州市', '330000' -> a division code (6 digits)."""
    if not scope:
        raise UsageError("请用 --scope 指定范围（县、市或省的代码或名称，如 330106、杭州市、330000）。")
    try:
        code = divisions.resolve(scope)
    except CellError as e:
        raise UsageError(f"--scope：{e.message}") from None
    return code


@dataclass
class AuditReport:
    plan: str
    plan_title: str
    as_of: date
    scope: str
    results: list[Result]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status == "fail" for r in self.results) else 0

    def to_dict(self) -> dict:
        return {"plan": self.plan, "plan_title": self.plan_title, "as_of": self.as_of.isoformat(),
                "scope": self.scope, "scope_name": divisions.full_name(self.scope), "settings": self.settings,
                "results": [r.to_dict() for r in self.results]}


def _context(conn, scope: str, as_of: date, year: int | None, pack) -> Context:
    code = resolve_scope(scope)
    prefix = divisions.scope_prefix(code)
    counties = audit_sql.prepare_scope(conn, prefix, as_of)
    return Context(conn=conn, scope=prefix, as_of=as_of, year=year, pack=pack, counties=counties)


def run(conn, scope: str, as_of: date | None = None, *, year: int | None = None,
        plan: str | Path = DEFAULT_PLAN, rules: list[str] | None = None) -> AuditReport:
    """Every rule of the pack (or those named) for the scope; rolls up when the scope is a city
    or the province, showing each county too."""
    as_of = as_of or date.today()
    pack = load_pack(plan)
    ctx = _context(conn, scope, as_of, year, pack)
    selected = build_rules(pack)
    if rules:
        unknown = set(rules) - {r.p.id for r in selected}
        if unknown:
            raise UsageError(f"规则包中没有规则：{'、'.join(sorted(unknown))}")
        selected = [r for r in selected if r.p.id in rules]
    results: list[Result] = []
    for rule in selected:
        results.extend(rule.run(ctx))
    settings = {r.p.id: r.p.model_dump(exclude={"id", "type", "title", "clause"}, mode="json") for r in selected}
    return AuditReport(pack["plan"], pack.get("title", pack["plan"]), as_of, ctx.scope_code, results, settings)


def explain(conn, rule_id: str, scope: str, as_of: date | None = None, *, sector: str | None = None,
            year: int | None = None, level: str | None = None, plan: str | Path = DEFAULT_PLAN) -> list[dict]:
    """The items behind one rule's figure that miss it, with the file and row each came from."""
    as_of = as_of or date.today()
    pack = load_pack(plan)
    ctx = _context(conn, scope, as_of, year, pack)
    rule = next((r for r in build_rules(pack) if r.p.id == rule_id), None)
    if rule is None:
        raise UsageError(f"规则包中没有规则“{rule_id}”，可用：{'、'.join(r.p.id for r in build_rules(pack))}")
    if sector:
        from .normalize import canonical_sector
        try:
            sector = canonical_sector(sector)
        except CellError as e:
            raise UsageError(f"--sector：{e.message}") from None
    county = None if not ctx.single_county else ctx.scope_code
    if level is not None and rule.type == "supervision_quota":
        return rule.explain(ctx, county, sector, level=level, year=year)
    return rule.explain(ctx, county, sector)


def demo_stage(conn, folder: Path, say) -> dict:
    """The demo's audit: the county at the end of 2018, with its workbook."""
    from .audit_xlsx import write_audit_xlsx
    report = run(conn, "330106", date(2018, 12, 31))
    path = write_audit_xlsx(report, conn, folder / "核查结果_西湖区_2018.xlsx")
    counts = {s: sum(1 for r in report.results if r.status == s) for s in ("pass", "fail", "amber", "n/a")}
    say(f"核查（截至 2018-12-31）：通过 {counts['pass']}，不合格 {counts['fail']}，预警 {counts['amber']}，"
        f"无数据 {counts['n/a']}；工作簿：{path}")
    return {"audit": counts, "audit_xlsx": str(path)}
