"""Progress reports for the city and the province: every figure is an audit result.

    from zjsafety.report import build, write
    data = build(conn, "3301", date(2019, 6, 30))
    write(data, Path("杭州市三年行动进展.xlsx"))     # or .docx / .md / .html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import divisions, refdata
from .audit import AuditReport, load_pack, run
from .errors import UsageError
from .paths import check_output
from .rules import Result
from .store import audit_sql, report_sql

FORMATS = (".xlsx", ".docx", ".md", ".html")
STATUS_CN = {"pass": "达标", "fail": "未达标", "amber": "预警", "n/a": "无数据"}

# The plan's parts, in the order a report follows them, with the rules each part reports.
SECTIONS = [
    ("全面清查", "四(二)1", ["screening-coverage", "above-scale-entry", "major-hazard-registration",
                           "major-risk-registration"]),
    ("重点攻坚", "四(二)2", ["supervision-quota", "non-accident-penalty-growth", "repeat-hazards"]),
    ("遏制重特大事故", "四(三)", ["annual-major-hazard-screening", "listed-supervision", "dual-report", "risk-grid"]),
    ("事故总量下降", "二", ["accident-reduction"]),
    ("节点任务", "六、七", ["milestones"]),
]


@dataclass
class ReportData:
    scope: str
    as_of: date
    audit: AuditReport
    phase: dict | None
    sources: list[dict]
    trend: list[Result]  # accident-reduction results, one audit per year
    milestones: str = "zj-2017-2020"  # the plan file of dated tasks (data/plan/<name>.toml)
    since: date | None = None
    before: AuditReport | None = None
    changes: dict[str, dict] = field(default_factory=dict)

    @property
    def scope_name(self) -> str:
        return divisions.full_name(self.scope)

    @property
    def title(self) -> str:
        return f"{self.scope_name}安全生产综合治理三年行动进展情况报告"

    def results(self, rule: str) -> list[Result]:
        return [r for r in self.audit.results if r.rule == rule]

    def county_rows(self) -> list[Result]:
        """The results of single counties (the roll-up rows left out), for 'below target' lists."""
        single = divisions.get(self.scope) is not None and divisions.get(self.scope).level == "county"
        return [r for r in self.audit.results if single or r.scope != self.audit.scope]

    def coverage_by_county(self) -> list[tuple[str, int, int]]:
        """(county, screened, enterprises) over the four sectors, summed from the audit's rows."""
        acc: dict[str, list[int]] = {}
        for r in self.results("screening-coverage"):
            if r.denominator is None:
                continue
            a = acc.setdefault(r.scope, [0, 0])
            a[0] += int(r.numerator)
            a[1] += int(r.denominator)
        return [(c, n, d) for c, (n, d) in sorted(acc.items())]

    def below_target(self) -> list[Result]:
        return [r for r in self.county_rows() if r.status == "fail"]

    def overdue_milestones(self) -> list[tuple[str, str, str]]:
        """(county, code, title) of milestones past their deadline without completion."""
        plan = refdata.plan(self.milestones)
        titles = {m["code"]: m["title"] for m in plan["milestone"]}
        return [(r.scope, code, titles.get(code, "")) for r in self.results("milestones") for code in r.missing]


def phase_at(day: date, plan_name: str = "zj-2017-2020") -> dict | None:
    for p in refdata.plan(plan_name)["phase"]:
        if p["start"] <= day <= p["end"]:
            return p
    return None


def build(conn, scope: str, as_of: date, *, since: date | None = None, plan: str = "zj-2017-2020") -> ReportData:
    """Everything a report shows. Figures: the audit at as_of (and at since, for progress), and
    the accident rule audited for each year from the plan's first year."""
    audit = run(conn, scope, as_of, plan=plan)
    pack = load_pack(plan)
    trend: list[Result] = []
    last_year = as_of.year if as_of >= date(as_of.year, 12, 31) else as_of.year - 1
    for y in range(pack.get("first_year", 2017), last_year + 1):
        trend.extend(r for r in run(conn, scope, as_of, year=y, plan=plan, rules=["accident-reduction"]).results
                     if r.scope == audit.scope)
    milestones = pack.get("milestones", pack["plan"])
    data = ReportData(audit.scope, as_of, audit, phase_at(as_of, milestones), report_sql.sources(conn), trend,
                      milestones=milestones)
    if since:
        if since >= as_of:
            raise UsageError("--since 应早于 --as-of。")
        data.since = since
        data.before = run(conn, scope, since, plan=plan)
        audit_sql.prepare_scope(conn, divisions.scope_prefix(audit.scope), as_of)
        data.changes = report_sql.changes(conn, since.isoformat(), as_of.isoformat())
    return data


def write(data: ReportData, path: Path, *, public: bool = False) -> Path:
    """Write the report; the format follows the extension."""
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise UsageError(f"不支持的报告格式“{ext or path.name}”，可用：{'、'.join(FORMATS)}")
    check_output(path)
    if ext == ".xlsx":
        from .report_xlsx import write_xlsx
        writer = write_xlsx
    else:
        from . import report_text
        writer = {".docx": report_text.write_docx, ".md": report_text.write_md, ".html": report_text.write_html}[ext]
    try:
        writer(data, path, public=public)
    except PermissionError as exc:
        raise UsageError(f"无法写入“{path}”：{exc}（文件是否正在 Excel/Word 中打开？）") from None
    return path


def fmt_ratio(x: Any) -> str:
    return "—" if x is None else f"{x:.1%}"


def fmt_num(x: Any) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


def demo_stage(conn, folder: Path, say) -> dict:
    data = build(conn, "330106", date(2019, 6, 30), since=date(2018, 12, 31))
    paths = [write(data, folder / f"西湖区三年行动进展_2019上半年{ext}") for ext in (".xlsx", ".docx", ".html")]
    say("报告：" + "、".join(str(p) for p in paths))
    return {"reports": [str(p) for p in paths]}
