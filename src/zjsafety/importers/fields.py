"""Pydantic field types for ledger cells: each wraps a normaliser from zjsafety.normalize, whose
CellError carries the slug and Chinese message of a bad cell (`cell_fault`)."""

from __future__ import annotations

import re
import unicodedata

from datetime import date, timedelta
from functools import lru_cache
from typing import Annotated, Any, Callable

from pydantic import PlainValidator

from zjsafety.core import divisions
from zjsafety.core.labels import LEVEL
from zjsafety.core.normalize import (CellError, clean_text, fold, parse_bool, parse_date, parse_int, parse_number, parse_org_code, parse_sectors, parse_uscc, norm_code)


ERROR_VALUES = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#GETTING_DATA"})


class SpecialCell:
    """A cell calamine reads as '' but that holds an error value or an uncalculated formula."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str):
        self.kind, self.text = kind, text

    def __eq__(self, other):
        return isinstance(other, SpecialCell) and (self.kind, self.text) == (other.kind, other.text)

    def __hash__(self):
        return hash((self.kind, self.text))


def _checked(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """fn, refusing error values first: '#N/A' typed or pasted as text, and SpecialCells."""
    def parse(v: Any) -> Any:
        if v.__class__ is SpecialCell:
            if v.kind == "error":
                raise CellError("error_cell", f"单元格是公式错误值“{v.text}”，请填写实际内容")
            raise CellError("formula_no_value", f"单元格是公式“{v.text}”，但文件中没有计算结果；"
                                                "请在 Excel/WPS 中打开并保存，或改为填写数值")
        if v.__class__ is str and v[:1] == "#" and v.strip().upper() in ERROR_VALUES:
            raise CellError("error_cell", f"单元格是错误值“{v.strip()}”，请填写实际内容")
        return fn(v)
    return parse


def _plain_text(v: Any) -> Any:
    """clean_text for columns that rarely repeat (descriptions): the usual cell, a string that
    cannot be an error value, is stripped here in one frame."""
    if v.__class__ is str and v[:1] != "#":
        return v.strip() or None
    return _checked_clean_text(v)


def _plain_code(v: Any) -> Any:
    """norm_code for one-per-row codes (隐患编号, 文书号): ASCII letters and digits, upper-cased
    here in one frame; anything else takes the full path."""
    if v.__class__ is str and v.isascii() and v.isalnum():
        return v.upper()
    return _checked_norm_code(v)


def _wrap(fn: Callable[[Any], Any], name: str | None = None, cache: bool = True) -> PlainValidator:
    """A pydantic validator from a normaliser: the normaliser's result is the field's value
    (no second pass over its type). Ledger columns repeat their values (counties, sectors,
    statuses, dates, the same USCC on many hazards), so each normaliser is memoised: a cache
    hit runs no Python frame at all. Imports run a column through the function at once
    (models.field_parsers); a CellError it raises keeps our slug and Chinese message (`cell_fault`)."""
    # columns whose values rarely repeat (hazard numbers, free-text descriptions) skip the memo:
    # there every lookup would miss and churn the cache
    checked = _FAST.get(fn, _checked(fn)) if not cache else lru_cache(maxsize=1 << 16)(_checked(fn))
    validator = PlainValidator(checked)
    _PARSER_NAMES[id(validator)] = name or fn.__name__
    return validator


_PARSER_NAMES: dict[int, str] = {}
_checked_clean_text, _checked_norm_code = _checked(clean_text), _checked(norm_code)
_FAST = {clean_text: _plain_text, norm_code: _plain_code}


def parser_name(meta: object) -> str | None:
    """What a field's cell must hold (the normaliser's name); templates use it."""
    return _PARSER_NAMES.get(id(meta))


# what a normaliser raises for a bad cell (pydantic, too, turns exactly these into a
# validation error); anything else is a fault of ours and propagates
CELL_FAULTS = (ValueError, AssertionError)


def cell_fault(exc: Exception) -> tuple[str, str]:
    """(slug, message) of a bad cell: our CellError's own, else worded as pydantic words it."""
    if isinstance(exc, CellError):
        return exc.slug, exc.message
    if isinstance(exc, AssertionError):
        return "assertion_error", f"Assertion failed, {exc}"
    return "value_error", f"Value error, {exc}"


def _choice(name: str, table: list[tuple[tuple[str, ...], Any]], hint: str) -> Callable[[Any], Any]:
    """Map free text to a value by keywords, first match wins; blank -> None."""
    def parse(v: Any) -> Any:
        s = clean_text(v)
        if s is None:
            return None
        key = fold(s)
        for words, out in table:
            if any(w in key for w in words):
                return out
        raise CellError(f"bad_{name}", f"“{s}”无法识别，应为：{hint}")
    return parse


_HAZARD_STATUS = [
    (("销号", "验收"), "已销号"),
    (("未整改", "待整改", "尚未", "未完成"), "未整改"),
    (("整改中", "正在整改", "限期整改", "治理中", "部分整改", "整改期内"), "整改中"),
    (("已整改", "整改完成", "完成整改", "已完成", "已治理", "已落实"), "已整改"),
]
HAZARD_STATUSES = ["未整改", "整改中", "已整改", "已销号"]


def parse_hazard_status(v: Any) -> str | None:
    s = clean_text(v)
    if s is None:
        return None
    try:  # 是否整改: 是/否
        b = parse_bool(s)
        return "已整改" if b else "未整改"
    except CellError:
        pass
    return _choice("status", _HAZARD_STATUS, "、".join(HAZARD_STATUSES))(s)


def parse_major(v: Any) -> bool | None:
    s = clean_text(v)
    if s is None:
        return None
    key = fold(s)
    if "重大" in key:
        return True
    if any(w in key for w in ("一般", "较大", "较小", "轻微")):
        return False
    try:  # 是否重大隐患: 是/否
        return parse_bool(s)
    except CellError:
        raise CellError("bad_hazard_level", f"隐患级别“{s}”无法识别，应为“重大”或“一般”") from None


_LEVELS = [(("省",), "province"), (("市",), "city"), (("县", "区", "乡", "镇", "街道"), "county")]
def parse_level(v: Any) -> str | None:
    s = clean_text(v)
    if s is None:
        return None
    if s.lower() in LEVEL:
        return s.lower()
    return _choice("level", _LEVELS, "县级、市级、省级")(s)


_NON_ACCIDENT_SOURCES = ("日常", "执法", "检查", "督查", "举报", "投诉", "专项", "巡查", "抽查", "随机", "监督", "移送", "交办")


def parse_accident_related(v: Any) -> bool | None:
    s = clean_text(v)
    if s is None:
        return None
    try:  # 是否事故处罚: 是/否
        return parse_bool(s)
    except CellError:
        pass
    key = fold(s)
    if "非事故" in key:
        return False
    if "事故" in key:
        return True
    # a case source that is not an accident: routine enforcement, complaints, campaigns
    if any(w in key for w in _NON_ACCIDENT_SOURCES):
        return False
    else:
        raise CellError("bad_accident_related", f"“{s}”无法判断是否为事故处罚，应填“事故”或“非事故”/“是”或“否”") from None


_ENT_STATUS = [(("注销", "吊销", "关闭", "关停", "取缔", "撤销", "歇业"), "关闭"),
               (("停产", "停业", "半停产"), "停产"),
               (("在营", "存续", "正常", "开业", "在业", "生产", "经营"), "在营")]


def parse_enterprise_status(v: Any) -> str | None:
    return _choice("enterprise_status", _ENT_STATUS, "在营、停产、关闭")(v)


def parse_division(v: Any) -> str | None:
    return divisions.resolve(v)


def parse_year(v: Any) -> int | None:
    s = clean_text(v)
    if s is None:
        return None
    try:
        y = parse_int(s.rstrip("年度").rstrip("年"))
    except CellError:
        y = None
    if y is None or not 1990 <= y <= 2100:
        raise CellError("bad_year", f"年份“{s}”不对")
    return y


def parse_amount(v: Any) -> float | None:
    x = parse_number(v)
    if x is not None and x < 0:
        raise CellError("negative", f"金额“{clean_text(v)}”不能为负数")
    return x


_MONTH_ONLY = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?$")


class MonthOnly(date):
    """A date a ledger gives as a month only (2018-05), taken as the month's last day: a figure
    as of a date never counts it before it certainly happened. The loader says so."""


def parse_day_or_month(v: Any) -> date | None:
    try:
        return parse_date(v)
    except CellError as e:
        if e.slug != "incomplete_date":
            raise
        m = _MONTH_ONLY.match(unicodedata.normalize("NFKC", clean_text(v) or ""))
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise
        last = (date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)).day
        return MonthOnly(y, mo, last)


Text = Annotated[str | None, _wrap(clean_text)]
FreeText = Annotated[str | None, _wrap(clean_text, cache=False)]  # values that rarely repeat
Code = Annotated[str | None, _wrap(norm_code)]
RowCode = Annotated[str | None, _wrap(norm_code, cache=False)]  # one per row: 隐患编号, 文书号
Uscc = Annotated[str | None, _wrap(parse_uscc)]
OrgCode = Annotated[str | None, _wrap(parse_org_code)]
Day = Annotated[date | None, _wrap(parse_date)]
# dates a rule needs only to the month (a year's inspections and penalties, a screening in a window)
MonthDay = Annotated[date | None, _wrap(parse_day_or_month, "parse_date", cache=False)]
Flag = Annotated[bool | None, _wrap(parse_bool)]
Count = Annotated[int | None, _wrap(parse_int)]
Amount = Annotated[float | None, _wrap(parse_amount)]
Sectors = Annotated[list[str], _wrap(lambda v: tuple(parse_sectors(v)), "parse_sectors")]
County = Annotated[str | None, _wrap(parse_division)]
HazardStatus = Annotated[str | None, _wrap(parse_hazard_status)]
Major = Annotated[bool | None, _wrap(parse_major)]
Level = Annotated[str | None, _wrap(parse_level)]
AccidentRelated = Annotated[bool | None, _wrap(parse_accident_related)]
EnterpriseStatus = Annotated[str | None, _wrap(parse_enterprise_status)]
Year = Annotated[int | None, _wrap(parse_year)]
