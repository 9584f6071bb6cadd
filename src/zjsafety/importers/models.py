"""One pydantic model per ledger kind: the fields a row may carry, each typed by what it
must normalise to. Field names are those of data/columns.toml.

Every field is a normaliser wrapped as one pydantic PlainValidator (importers.fields): its
result is the value, with no check of pydantic's own after it. Imports therefore validate a
batch column by column — each column mapped through its field's normaliser (`validate`) —
which gives what pydantic gives cell by cell, and build each row as the kind's `row_type`, a
NamedTuple with the model's fields in order (the cells need no dict of their own)."""

from __future__ import annotations

from typing import Annotated, Any, Callable, NamedTuple

from pydantic import BaseModel, ConfigDict, PlainValidator

from zjsafety.importers.fields import (CELL_FAULTS, AccidentRelated, Amount, Code, Count, County, Day, EnterpriseStatus, Flag, FreeText, HazardStatus, Level, Major, MonthDay, OrgCode, RowCode, Sectors, Text, Uscc, Year)


class _Row(BaseModel):
    # built on first use: imports validate with the row types below, only templates read the models
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class _Names(_Row):
    uscc: Uscc = None
    name: Text = None
    county: County = None


class EnterpriseRow(_Names):
    org_code: OrgCode = None
    reg_no: Code = None
    township: Text = None
    sector: Sectors = []
    industry_code: Code = None
    above_scale: Flag = None
    enterprise_status: EnterpriseStatus = None
    closed_on: Day = None
    address: FreeText = None
    contact: Text = None
    phone: Text = None
    entered: Flag = None  # 是否已入库: in the provincial enterprise safety database (四(二)1)


class ScreeningRow(_Names):
    township: Text = None
    sector: Sectors = []
    screened_on: MonthDay = None
    campaign: Text = None
    major_hazard_campaign: Flag = None
    screener: Text = None
    hazards_found: Count = None
    screening_result: Text = None


class HazardRow(_Names):
    hazard_no: RowCode = None
    township: Text = None
    sector: Sectors = []
    found_on: Day = None
    description: FreeText = None
    hazard_type: Text = None
    hazard_level: Major = None
    source: Text = None
    rectify_status: HazardStatus = None
    deadline: Day = None
    rectified_on: Day = None
    closed_on: Day = None
    listed: Flag = None
    listing_level: Text = None
    listed_on: Day = None
    report_dept: Flag = None
    report_workers: Flag = None


class MajorHazardRegisterRow(_Names):
    register_no: Code = None
    hazard_no: Code = None
    registered_on: Day = None
    description: Text = None


class MajorRiskRow(_Names):
    risk_no: Code = None
    sector: Sectors = []
    risk_name: Text = None
    risk_kind: Text = None
    risk_level: Text = None
    identified_on: Day = None
    registered: Flag = None
    registered_on: Day = None
    grid: Text = None
    responsible_gov: Text = None
    responsible_dept: Text = None


class InspectionRow(_Names):
    inspected_on: MonthDay = None
    inspection_level: Level = None
    department: Text = None
    inspectors: Text = None
    inspection_result: FreeText = None
    hazards_found: Count = None
    draw_ref: Text = None


class PenaltyRow(_Names):
    case_no: FreeText = None
    decided_on: MonthDay = None
    accident_related: AccidentRelated = None
    amount: Amount = None
    department: Text = None
    violation: FreeText = None


class AccidentStatRow(_Row):
    county: County = None
    township: Text = None  # a township's row, summed into its county's
    year: Year = None
    accidents: Count = None
    deaths: Count = None
    gdp: Amount = None


class AboveScaleRow(_Names):
    list_year: Year = None
    revenue: Amount = None


class InspectorRow(_Row):
    badge_no: Code = None
    person_name: Text = None
    county: County = None
    unit: Text = None
    inspector_level: Level = None
    residence_township: Text = None
    certified_sectors: Sectors = []
    phone: Text = None
    id_no: Code = None
    conflicts: Text = None


class TrainingRow(_Names):
    person_name: Text = None
    role: Text = None
    trained_on: Day = None
    course: FreeText = None
    certificate_no: Code = None


class PlanTaskRow(_Row):
    task_code: Code = None
    task_title: Text = None
    clause: Text = None
    county: County = None
    task_deadline: Day = None
    completed_on: Day = None
    task_status: Text = None
    responsible: Text = None


MODELS: dict[str, type[_Row]] = {
    "enterprise": EnterpriseRow, "screening": ScreeningRow, "hazard": HazardRow,
    "major_hazard_register": MajorHazardRegisterRow, "major_risk": MajorRiskRow,
    "inspection": InspectionRow, "penalty": PenaltyRow, "accident_stat": AccidentStatRow,
    "above_scale_list": AboveScaleRow, "inspector": InspectorRow, "plan_task": PlanTaskRow,
    "training": TrainingRow,
}


def row_type(model: type[_Row]) -> type[tuple]:
    """The model as a NamedTuple: same field names, order, types and validators."""
    return NamedTuple(model.__name__ + "Cells",  # type: ignore[misc]
                      [(n, Annotated[f.annotation, *f.metadata]) for n, f in model.model_fields.items()])


ROW_TYPES: dict[str, type[tuple]] = {kind: row_type(m) for kind, m in MODELS.items()}


def _parser(kind: str, name: str, metadata: list) -> Callable[[Any], Any]:
    plain = [m for m in metadata if isinstance(m, PlainValidator)]
    # anything else pydantic would apply (a constraint, a second validator) must not be skipped
    if len(plain) != 1 or len(metadata) != 1:
        raise TypeError(f"{kind}.{name}: a row field must be exactly one plain validator")
    return plain[0].func


FIELD_PARSERS: dict[str, tuple[Callable[[Any], Any], ...]] = {
    kind: tuple(_parser(kind, n, f.metadata) for n, f in m.model_fields.items()) for kind, m in MODELS.items()}


def validate(kind: str, rows: list[tuple]) -> tuple[list, list[tuple[int, str, Exception, Any]]]:
    """Rows of cells in field order, validated a column at a time: each column mapped through its
    field's normaliser at once, and a column holding a bad cell gone through again cell by cell,
    so every bad cell is told. Gives a `row_type` per row (None for a row with a bad cell) and the
    bad cells as (index of the row, field, what the normaliser raised, the cell)."""
    fields = ROW_TYPES[kind]._fields
    out: list[list] = []
    faults: list[tuple[int, str, Exception, Any]] = []
    for f, parse, col in zip(fields, FIELD_PARSERS[kind], zip(*rows)):
        try:
            out.append(list(map(parse, col)))
            continue
        except CELL_FAULTS:
            pass  # a bad cell somewhere in the column: it goes through again cell by cell, below
        vals = []
        for i, v in enumerate(col):
            try:
                vals.append(parse(v))
            except CELL_FAULTS as exc:
                vals.append(None)
                faults.append((i, f, exc, v))
        out.append(vals)
    made = list(map(ROW_TYPES[kind]._make, zip(*out)))
    for i in {i for i, *_ in faults}:
        made[i] = None
    return made, faults
