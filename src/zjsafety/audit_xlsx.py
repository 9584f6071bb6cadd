"""The audit as a workbook: a summary sheet of every figure and a sheet per rule with the items
that miss, for offices that check figures in Excel."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import divisions
from .errors import UsageError
from .paths import check_output
from .importers.errorbook import safe_text
from .store import audit_sql

STATUS_CN = {"pass": "通过", "fail": "不合格", "amber": "预警", "n/a": "无数据"}
STATUS_FILL = {"pass": "C6EFCE", "fail": "FFC7CE", "amber": "FFEB9C", "n/a": "EDEDED"}
HEAD = ["规则", "条款", "指标", "范围代码", "范围", "行业领域", "层级/口径", "年度", "分子", "分母", "比例", "目标",
        "状态", "说明", "缺项数"]


def write_audit_xlsx(report, conn, path: Path) -> Path:
    check_output(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "核查汇总"
    ws.append([f"{report.plan_title} 核查结果"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"范围：{divisions.full_name(report.scope)}（{report.scope}）  截至：{report.as_of}"])
    ws.append(HEAD)
    for c in ws[3]:
        c.font = Font(bold=True)
    for r in report.results:
        ws.append([r.rule, r.clause, r.title, r.scope, divisions.full_name(r.scope), r.sector, r.level, r.year,
                   r.numerator, r.denominator, r.ratio, r.target, r.status_label(),
                   safe_text(r.note), len(r.missing)])
        row = ws.max_row
        ws.cell(row=row, column=11).number_format = "0.0%"
        ws.cell(row=row, column=12).number_format = "0.0%"
        ws.cell(row=row, column=13).fill = PatternFill("solid", fgColor=STATUS_FILL.get(r.status, "FFFFFF"))
    for i, w in enumerate((24, 10, 30, 10, 16, 12, 12, 8, 10, 10, 9, 9, 8, 60, 8), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A4"
    by_rule: dict[str, list] = {}
    for r in report.results:
        by_rule.setdefault(r.rule, []).append(r)
    for rule, rs in by_rule.items():
        keys = sorted({m for r in rs for m in r.missing})
        labels = audit_sql.describe_items(conn, keys)
        sh = wb.create_sheet(rule[:31])
        sh.append(["范围代码", "范围", "行业领域", "层级/口径", "年度", "缺项", "名称/描述", "来源文件", "行"])
        for c in sh[1]:
            c.font = Font(bold=True)
        for r in rs:
            if r.scope == report.scope and len({x.scope for x in rs}) > 1:
                continue  # the roll-up repeats the counties' items
            for m in r.missing:
                name, file, row = labels.get(m, (None, None, None))
                sh.append([r.scope, divisions.full_name(r.scope), r.sector, r.level, r.year, safe_text(m),
                           safe_text(name), file, row])
        for i, w in enumerate((10, 16, 12, 12, 8, 24, 40, 30, 6), start=1):
            sh.column_dimensions[get_column_letter(i)].width = w
        sh.freeze_panes = "A2"
    try:
        wb.save(path)
    except OSError as exc:
        raise UsageError(f"无法写入“{path}”：{exc}（文件是否正在 Excel/WPS 中打开？）") from None
    return path
