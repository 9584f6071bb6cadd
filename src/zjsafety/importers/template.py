"""Blank standard ledgers: our canonical headers, a frozen header row, drop-down lists,
date-formatted columns and an instructions sheet. A filled template imports cleanly."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from zjsafety.core import divisions, refdata
from zjsafety.core.errors import UsageError
from zjsafety.core.paths import check_output
from zjsafety.core.normalize import CellError
from zjsafety.core.labels import LEVEL
from zjsafety.core.workbook import print_setup, save
from zjsafety.importers.fields import HAZARD_STATUSES, parser_name
from zjsafety.importers.models import MODELS

ROWS = 2000  # rows prepared with formats and lists
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")

_HELP = {
    "parse_date": "日期，如 2018-06-30",
    "parse_bool": "填“是”或“否”",
    "parse_uscc": "18 位统一社会信用代码",
    "parse_org_code": "9 位组织机构代码",
    "parse_sectors": "行业领域，可填多个，用顿号分隔",
    "parse_division": "县（市、区）名称或 6 位代码",
    "parse_hazard_status": "未整改 / 整改中 / 已整改 / 已销号",
    "parse_major": "重大 / 一般",
    "parse_level": "县级 / 市级 / 省级",
    "parse_accident_related": "事故 / 非事故",
    "parse_enterprise_status": "在营 / 停产 / 关闭",
    "parse_int": "整数",
    "parse_amount": "数字",
    "parse_year": "年份，如 2018",
}


# the hidden 选项 sheet's column headings (a clerk who unhides it reads what each list is)
_LIST_NAMES = {"sector": "行业领域", "parse_bool": "是否", "parse_hazard_status": "整改情况", "parse_major": "隐患级别",
               "parse_level": "督查层级", "parse_accident_related": "事故/非事故", "parse_enterprise_status": "企业状态",
               "township": "乡镇（街道）", "parse_division": "县（市、区）"}
# fields that hold names and descriptions get room for them
_WIDE = {"name": 34, "description": 44, "address": 36, "risk_name": 34, "task_title": 40, "violation": 40,
         "course": 34, "hazard_type": 16, "uscc": 24}


def _width(fname: str, header: str, parser: str | None) -> int:
    if fname in _WIDE:
        return _WIDE[fname]
    if parser == "parse_date":
        return 13
    return max(12, min(40, len(header) * 2 + 4))


def _parser(model, fname: str) -> str | None:
    for meta in model.model_fields[fname].metadata:
        name = parser_name(meta)
        if name:
            return name
    return None


def columns(kind: str) -> list[tuple[str, str, bool, str | None]]:
    """(field, canonical header, required, parser) for each column of the standard ledger."""
    spec = refdata.kinds()[kind]
    model = MODELS[kind]
    req = set(spec["required"])
    out = []
    for fname, spellings in spec["fields"].items():
        out.append((fname, spellings[0], fname in req, _parser(model, fname)))
    return out


def write_template(kind: str, output: Path, *, conn=None, county: str | None = None) -> Path:
    kinds = refdata.kinds()
    if kind not in kinds:
        avail = "、".join(f"{k}（{v['label']}）" for k, v in kinds.items())
        raise UsageError(f"未知的台账类型“{kind}”，可用：{avail}")
    if output.suffix.lower() != ".xlsx":
        raise UsageError("模板只能保存为 .xlsx 文件。")
    check_output(output)
    towns: list[str] = []
    if county:
        try:
            code = divisions.resolve(county)
        except CellError as e:
            raise UsageError(f"--county：{e.message}") from None
        if conn is not None:
            from zjsafety.store.records import townships
            towns = townships(conn, code)
    cols = columns(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = kinds[kind]["label"].replace("/", "、")[:31]
    lists = wb.create_sheet("选项")
    lists.sheet_state = "hidden"
    options = {
        "sector": [s["name"] for s in refdata.sectors()],
        "parse_bool": ["是", "否"],
        "parse_hazard_status": HAZARD_STATUSES,
        "parse_major": ["重大", "一般"],
        "parse_level": list(LEVEL.values()),
        "parse_accident_related": ["事故", "非事故"],
        "parse_enterprise_status": ["在营", "停产", "关闭"],
        "township": towns,
        "parse_division": [d.name for d in divisions.all_divisions().values() if d.current and d.level == "county"],
    }
    list_ref: dict[str, str] = {}
    for i, (name, values) in enumerate(o for o in options.items() if o[1]):
        col = get_column_letter(i + 1)
        lists.cell(row=1, column=i + 1, value=_LIST_NAMES.get(name, name)).font = Font(bold=True)
        lists.column_dimensions[col].width = 16
        for r, v in enumerate(values, start=2):
            lists.cell(row=r, column=i + 1, value=v)
        list_ref[name] = f"选项!${col}$2:${col}${len(values) + 1}"
    for c, (fname, header, required, parser) in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=c, value=("*" if required else "") + header)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = _width(fname, header, parser)
        rng = f"{letter}2:{letter}{ROWS + 1}"
        key = "sector" if parser == "parse_sectors" else "township" if fname == "township" else parser
        if key in list_ref:
            dv = DataValidation(type="list", formula1=f"={list_ref[key]}", allow_blank=True,
                                errorStyle="warning" if key == "sector" else "stop",
                                error="请从下拉列表中选择", errorTitle="填写提示")
            ws.add_data_validation(dv)
            dv.add(rng)
        checks = {"parse_date": ("date", "DATE(1949,1,1)", "DATE(2100,12,31)", "请填写日期，如 2018-06-30"),
                  "parse_year": ("whole", "1990", "2100", "请填写年份，如 2018"),
                  "parse_int": ("whole", "0", "100000000", "请填写非负整数"),
                  "parse_amount": ("decimal", "0", "1000000000000", "请填写非负数字")}
        if parser in checks:
            typ, lo, hi, msg = checks[parser]
            dv = DataValidation(type=typ, operator="between", formula1=lo, formula2=hi, allow_blank=True,
                                error=msg, errorTitle="填写提示")
            ws.add_data_validation(dv)
            dv.add(rng)
        if parser == "parse_date":
            for r in range(2, ROWS + 2):
                ws.cell(row=r, column=c).number_format = "yyyy-mm-dd"
        elif parser in ("parse_uscc", "parse_org_code") or fname in ("phone", "id_no", "badge_no", "hazard_no"):
            for r in range(2, ROWS + 2):  # text, so leading zeros and long numbers survive
                ws.cell(row=r, column=c).number_format = "@"
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    print_setup(ws, landscape=True, title_rows="1:1")
    ins = wb.create_sheet("填写说明")
    ins.append([f"{kinds[kind]['label']}（标准模板）"])
    ins["A1"].font = Font(bold=True, size=14)
    ins.append([f"带 * 的列必须填写。请勿修改表头；可以增加列，导入时会提示并忽略。{kinds[kind]['row']}，不要合并单元格。"])
    ins.append([])
    ins.append(["列", "必填", "填写要求", "也可识别的列名"])
    for c in ins[4]:
        c.font = Font(bold=True)
    spec = kinds[kind]
    for fname, header, required, parser in cols:
        ins.append([header, "是" if required else "", _HELP.get(parser or "", "文字"),
                    "、".join(spec["fields"][fname][1:])])
    for col, w in zip("ABCD", (22, 6, 36, 60)):
        ins.column_dimensions[col].width = w
    print_setup(ins, landscape=False, title_rows="4:4")
    return save(wb, output)
