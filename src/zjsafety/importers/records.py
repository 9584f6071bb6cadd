"""From a validated row to the record stored: natural key, column values, and the cross-field
checks that need more than one cell. One builder per kind.

A value the row does not give is None: the store keeps what it holds for it (or, for a new
record, the table's default: a hazard is 一般 and 未整改, an enterprise 在营 until a ledger says
otherwise). Identity: see README, "Import — identity of a record"."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

from zjsafety.core.normalize import fold, industry_sector_hint, norm_name


@dataclass(slots=True)
class Built:
    key: str
    values: dict[str, Any]
    sectors: list[str] | tuple = ()  # enterprise only
    problems: list[tuple[str, str, str, str]] | None = None  # (field, slug, msg, severity); most rows: none
    # columns whose value was inferred (county from --county or the USCC, status from dates,
    # sectors from an industry code), not stated: they only fill what the store holds empty
    inferred: frozenset = frozenset()

    def add(self, fld: str, slug: str, msg: str, severity: str) -> None:
        if self.problems is None:
            self.problems = []
        self.problems.append((fld, slug, msg, severity))

    @property
    def rejected(self) -> bool:
        return any(p[3] == "error" for p in self.problems or ())


@dataclass
class EntMatch:
    id: int
    key: str
    county: str | None
    by: str  # uscc / name


def stable_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


def _d(v):  # dates stored as ISO text
    return v.isoformat() if v is not None else None


def _b(v):
    return None if v is None else int(v)


def enterprise_key(uscc: str | None, org_code: str | None, name: str | None, county: str | None) -> str | None:
    """An enterprise is its USCC; lacking one, its organisation code; lacking both, its
    normalised name within its county."""
    if uscc:
        return "U:" + uscc
    if org_code:
        return "O:" + org_code
    if name and county:
        return f"N:{county}:{norm_name(name)}"
    return None


def build_enterprise(m, county: str | None, ent: EntMatch | None) -> Built:
    key = enterprise_key(m.uscc, m.org_code, m.name, county)
    sectors = list(m.sector)
    guessed = not sectors and (h := industry_sector_hint(m.industry_code))
    if guessed:
        sectors = [h]
    status = m.enterprise_status or ("关闭" if m.closed_on else None)
    return Built(key or "", inferred=frozenset({"sectors"}) if guessed else frozenset(), values=dict(
        uscc=m.uscc, org_code=m.org_code, reg_no=m.reg_no, name=m.name, name_norm=norm_name(m.name),
        county_code=county, township=m.township, industry_code=m.industry_code,
        above_scale=_b(m.above_scale), status=status, closed_on=_d(m.closed_on),
        address=m.address, contact=m.contact, phone=m.phone, entered=_b(m.entered)), sectors=sectors)


def build_screening(m, county, ent: EntMatch) -> Built:
    sector = m.sector[0] if m.sector else None
    key = "S-" + stable_hash(ent.key, m.screened_on, fold(m.campaign or ""), sector)
    return Built(key, dict(
        enterprise_id=ent.id, county_code=county, sector=sector, screened_on=_d(m.screened_on),
        campaign=m.campaign, major_hazard_campaign=_b(m.major_hazard_campaign), screener=m.screener,
        hazards_found=m.hazards_found, result=m.screening_result, matched_by=ent.by))


def hazard_key(ent_key: str, number: str | None, found, description: str | None) -> str:
    """A hazard is its ledger number within its enterprise (numbers are issued per township or
    enterprise, so the same number elsewhere is another hazard); without a number, its
    enterprise, date found and description."""
    if number:
        return f"H:{ent_key}:{number}"
    return "H-" + stable_hash(ent_key, found, fold(description or ""))


_STATUS_INFERRED = frozenset({"status"})


def build_hazard(m, county, ent: EntMatch) -> Built:
    # the hot path of a large import: plain locals, no helper calls per field
    found, deadline, rectified, closed = m.found_on, m.deadline, m.rectified_on, m.closed_on
    status = m.rectify_status or ("已销号" if closed else "已整改" if rectified else None)
    listed, rd, rw, level = m.listed, m.report_dept, m.report_workers, m.hazard_level
    b = Built(hazard_key(ent.key, m.hazard_no, found, m.description), {
        "hazard_no": m.hazard_no, "enterprise_id": ent.id, "county_code": county,
        "sector": m.sector[0] if m.sector else None,
        "found_on": found.isoformat() if found else None, "description": m.description,
        "hazard_type": m.hazard_type, "is_major": None if level is None else int(level), "source": m.source,
        "status": status, "deadline": deadline.isoformat() if deadline else None,
        "rectified_on": rectified.isoformat() if rectified else None,
        "closed_on": closed.isoformat() if closed else None, "matched_by": ent.by,
        "listed": None if listed is None else int(listed), "listing_level": m.listing_level,
        "listed_on": m.listed_on.isoformat() if m.listed_on else None,
        "report_dept": None if rd is None else int(rd), "report_workers": None if rw is None else int(rw)})
    if status is not None and m.rectify_status is None:  # from its dates: moves a stored status forward only
        b.inferred = _STATUS_INFERRED
    if listed is None and m.listing_level:  # a 挂牌督办 level says it is listed (fills only what is empty)
        b.values["listed"] = 1
        b.inferred = b.inferred | {"listed"}
    if found and rectified and rectified < found:
        b.add("rectified_on", "date_order", f"整改完成日期 {rectified} 早于发现日期 {found}", "error")
    if found and deadline and deadline < found:
        b.add("deadline", "date_order", f"整改期限 {deadline} 早于发现日期 {found}", "error")
    if level and not deadline and status in ("未整改", "整改中", None):
        b.add("deadline", "major_without_deadline", "重大隐患未填整改期限", "warning")
    return b


def build_register(m, county, ent: EntMatch | None) -> Built:
    return Built(f"R:{ent.key if ent else ''}:{m.hazard_no}", dict(
        hazard_no=m.hazard_no, register_no=m.register_no, registered_on=_d(m.registered_on),
        county_code=county, enterprise_id=ent.id if ent else None, description=m.description))


def build_major_risk(m, county, ent: EntMatch) -> Built:
    # a risk number, like a hazard's, names a risk within its enterprise
    key = f"K:{ent.key}:{m.risk_no}" if m.risk_no else "K:" + stable_hash(ent.key, fold(m.risk_name or ""))
    registered = m.registered if m.registered is not None else (True if m.registered_on else None)
    return Built(key, dict(
        risk_no=m.risk_no, enterprise_id=ent.id, county_code=county, sector=m.sector[0] if m.sector else None,
        risk_name=m.risk_name, risk_kind=m.risk_kind, risk_level=m.risk_level,
        identified_on=_d(m.identified_on), registered=_b(registered),
        registered_on=_d(m.registered_on), grid=m.grid, responsible_gov=m.responsible_gov,
        responsible_dept=m.responsible_dept, matched_by=ent.by))


def build_inspection(m, county, ent: EntMatch) -> Built:
    key = "I-" + stable_hash(ent.key, m.inspected_on, m.inspection_level, fold(m.department or ""))
    return Built(key, dict(
        enterprise_id=ent.id, county_code=county, inspected_on=_d(m.inspected_on),
        level=m.inspection_level, department=m.department, inspectors=m.inspectors,
        result=m.inspection_result, hazards_found=m.hazards_found, draw_ref=m.draw_ref, matched_by=ent.by))


def build_penalty(m, county, ent: EntMatch) -> Built:
    # a case number within the enterprise: two departments' 〔2018〕12号 are two decisions
    key = (f"P:{ent.key}:{fold(m.case_no)}" if m.case_no
           else "P:" + stable_hash(ent.key, m.decided_on, fold(m.violation or "")))
    return Built(key, dict(
        case_no=m.case_no, enterprise_id=ent.id, county_code=county, decided_on=_d(m.decided_on),
        accident_related=_b(m.accident_related), amount=m.amount, department=m.department,
        violation=m.violation, matched_by=ent.by))


def build_training(m, county, ent: EntMatch) -> Built:
    # a certificate number names a training; else the person and the day
    key = (f"T:{ent.key}:{m.certificate_no}" if m.certificate_no
           else "T:" + stable_hash(ent.key, m.trained_on, fold(m.person_name or "")))
    return Built(key, dict(
        enterprise_id=ent.id, county_code=county, person_name=m.person_name, role=m.role,
        trained_on=_d(m.trained_on), course=m.course, certificate_no=m.certificate_no, matched_by=ent.by))


def build_accident_stat(m, county, ent) -> Built:
    return Built(f"A:{county}:{m.year}", dict(county_code=county, year=m.year, accidents=m.accidents,
                                              deaths=m.deaths, gdp=m.gdp))


def build_above_scale(m, county, ent) -> Built:
    ident = m.uscc or norm_name(m.name)
    return Built(f"L:{m.list_year or ''}:{ident}", dict(
        uscc=m.uscc, name=m.name, name_norm=norm_name(m.name), county_code=county,
        list_year=m.list_year, revenue=m.revenue))


def build_inspector(m, county, ent) -> Built:
    ident = m.badge_no or (("ID:" + stable_hash(m.id_no)) if m.id_no else f"{fold(m.unit or '')}:{m.person_name}")
    return Built("E:" + ident, dict(
        badge_no=m.badge_no, name=m.person_name, county_code=county, unit=m.unit, level=m.inspector_level,
        residence_township=m.residence_township, certified_sectors="、".join(m.certified_sectors) or None,
        phone=m.phone, id_no=m.id_no, conflicts=m.conflicts))


def plan_task_key(county: str | None, code: str | None, title: str | None) -> str:
    return f"T:{county or ''}:{code or fold(title or '')}"


def build_plan_task(m, county, ent) -> Built:
    return Built(plan_task_key(county, m.task_code, m.task_title), dict(
        task_code=m.task_code, title=m.task_title, clause=m.clause, county_code=county,
        deadline=_d(m.task_deadline), completed_on=_d(m.completed_on), status=m.task_status,
        responsible=m.responsible))


@dataclass(frozen=True)
class KindSpec:
    table: str
    build: Callable[..., Built]
    needs_enterprise: bool  # rows must name an enterprise already in the database
    needs_county: bool
    required: tuple[str, ...]  # fields that must hold a value
    # a field whose value is stored under another column name, or feeds a derived one
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # what a new record holds where its ledger says nothing
    defaults: dict[str, Any] = field(default_factory=dict)

    def stored_columns(self, fields: set[str]) -> set[str]:
        """The table columns a ledger with these fields gives values for."""
        out: set[str] = set()
        for f in fields:
            out.update(self.columns.get(f, (f,)))
        return out


_COUNTY = {"county": ("county_code",)}
SPECS: dict[str, KindSpec] = {
    "enterprise": KindSpec("enterprise", build_enterprise, False, True, ("name",),
                           {**_COUNTY, "name": ("name", "name_norm"), "enterprise_status": ("status",),
                            "closed_on": ("closed_on", "status")}, {"status": "在营"}),
    "screening": KindSpec("screening", build_screening, True, True, ("screened_on",),
                          {**_COUNTY, "screening_result": ("result",)}),
    "hazard": KindSpec("hazard", build_hazard, True, True, ("found_on", "description"),
                       {**_COUNTY, "hazard_level": ("is_major",), "rectify_status": ("status",),
                        "rectified_on": ("rectified_on", "status"), "closed_on": ("closed_on", "status")},
                       {"is_major": 0, "status": "未整改"}),
    "major_hazard_register": KindSpec("major_hazard_register", build_register, False, False,
                                      ("hazard_no", "registered_on"), _COUNTY),
    "major_risk": KindSpec("major_risk", build_major_risk, True, True, ("risk_name",),
                           {**_COUNTY, "registered_on": ("registered_on", "registered")}),
    # a missing level is taken from the department (杭州市应急管理局 -> city) in the loader
    "inspection": KindSpec("inspection", build_inspection, True, True, ("inspected_on",),
                           {**_COUNTY, "inspection_level": ("level",), "inspection_result": ("result",)}),
    "penalty": KindSpec("penalty", build_penalty, True, True, ("decided_on",), _COUNTY),
    "training": KindSpec("training", build_training, True, True, ("trained_on",), _COUNTY),
    "accident_stat": KindSpec("accident_stat", build_accident_stat, False, True, ("year",), _COUNTY),
    "above_scale_list": KindSpec("above_scale_list", build_above_scale, False, False, ("name",),
                                 {**_COUNTY, "name": ("name", "name_norm")}),
    "inspector": KindSpec("inspector", build_inspector, False, False, ("person_name",),
                          {**_COUNTY, "person_name": ("name",), "inspector_level": ("level",)}),
    "plan_task": KindSpec("plan_task", build_plan_task, False, False, ("task_title",),
                          {**_COUNTY, "task_title": ("title",), "task_deadline": ("deadline",),
                           "task_status": ("status",)}),
}
