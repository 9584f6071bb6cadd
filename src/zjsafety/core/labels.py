"""Every Chinese word a person reads for one of our English keys, in one place.

`--json` keeps the English keys; tables, workbooks, documents and messages use these."""

from __future__ import annotations

from datetime import date

from zjsafety.core import refdata
from zjsafety.core.findings import FINDING_TYPES

LEVEL = {"county": "县级", "city": "市级", "province": "省级"}
MEASURE = {"accidents": "事故起数", "deaths": "死亡人数", "death_rate": "亿元GDP死亡率"}
STATUS = {"pass": "达标", "fail": "未达标", "amber": "预警", "n/a": "无数据", "partial": "数据不全"}
ON_SCHEDULE = "进度正常"
SEVERITY = {"error": "错误（该行未导入）", "warning": "提醒（已导入，请核对）"}
DIVISION_LEVEL = {"province": "省", "prefecture": "设区市", "county": "县（市、区）"}


def cn_date(day: date | str) -> str:
    """2019-06-30 -> 2019年6月30日, as dates are written in running text."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"


def level(key: str | None) -> str:
    """county -> 县级; a measure (deaths) -> 死亡人数; anything else as given."""
    if not key:
        return ""
    return LEVEL.get(key) or MEASURE.get(key) or key


def status(key: str) -> str:
    return STATUS.get(key, key)


def kind(key: str | None) -> str:
    """hazard -> 隐患排查治理台账 (data/columns.toml)."""
    if not key:
        return "—"
    spec = refdata.kinds().get(key)
    return spec["label"] if spec else key


def field(kind: str, name: str) -> str:
    """A ledger field's Chinese name (its first spelling in data/columns.toml); a stored column
    named after a field (county_code) reads as the field."""
    fields = refdata.kinds().get(kind, {}).get("fields", {})
    spellings = fields.get(name) or fields.get(name.removesuffix("_code"))
    return spellings[0] if spellings else name


def finding(slug: str) -> str:
    return FINDING_TYPES.get(slug, slug)


def reason(key: str) -> str:
    """Why an enterprise is in a draw: random, or the must-include reasons of data/sample.toml."""
    if key == "random":
        return "随机抽取"
    if key.startswith("must-include:"):
        key = key.removeprefix("must-include:")
    names = {m["reason"]: m["label"] for m in refdata.load_toml("sample.toml")["must_include"]}
    return "重点企业：" + "、".join(names.get(r, r) for r in key.split("+"))


def yes_no(v: object) -> str:
    return "" if v is None else ("是" if v else "否")
