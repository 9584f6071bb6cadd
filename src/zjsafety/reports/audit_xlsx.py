"""The audit as a workbook: a summary sheet of every figure, and a sheet per rule listing the
items that miss with their name, code, source file and row — the rows `audit explain` gives."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core import divisions, labels
from zjsafety.core.clock import beijing_now
from zjsafety.core.workbook import STATUS_FILL, add_sheet, new_workbook, save
from openpyxl.styles import Font, PatternFill

HEAD = ["条款", "指标", "范围", "行业领域", "层级/口径", "年度", "分子", "分母", "比例", "目标", "状态", "说明", "缺项数",
        "规则编号（供脚本使用）"]
ITEM_HEAD = ["县（市、区）", "行业领域", "层级", "编号/代码", "名称/描述", "来源文件", "工作表", "行"]
EXCEL_ROWS = 1_048_576


def write_audit_xlsx(report, items: dict[str, list[dict]], path: Path) -> Path:
    """`items`: rule id -> the explain rows of that rule (rules.audit.explain_all)."""
    wb = new_workbook()
    ws = add_sheet(wb, "核查汇总", widths=[9, 30, 18, 12, 12, 7, 10, 10, 9, 9, 9, 50, 8, 26], head_row=4,
                   head=HEAD)
    ws.ws.cell(row=1, column=1, value=f"{report.plan_title} 核查结果").font = Font(bold=True, size=14)
    ws.ws.cell(row=2, column=1, value=f"范围：{divisions.full_name(report.scope)}（{report.scope}）  截至：{report.as_of}"
                                      f"  生成时间：{beijing_now()}（北京时间）")
    for r in report.results:
        row = ws.write([r.clause, r.title, divisions.full_name(r.scope), r.sector or "", labels.level(r.level),
                        r.year, r.numerator, r.denominator, r.ratio, r.target, r.status_label(), r.note,
                        len(r.missing), r.rule], formats={9: "0.0%", 10: "0.0%"})
        ws.ws.cell(row=row, column=11).fill = PatternFill("solid", fgColor=STATUS_FILL.get(r.status, "FFFFFF"))
    titles = {r.rule: r.title for r in report.results}
    for rule, rows in items.items():
        if not rows:
            continue
        part = 0
        for start in range(0, len(rows), EXCEL_ROWS - 1):
            part += 1
            name = titles.get(rule, rule) + (f"（{part}）" if part > 1 else "")
            sh = add_sheet(wb, name, head=ITEM_HEAD, widths=[18, 12, 8, 24, 40, 30, 16, 6])
            for it in rows[start:start + EXCEL_ROWS - 1]:
                sh.write([divisions.full_name(it.get("county") or ""), it.get("sector") or "",
                          labels.level(it.get("level")), it.get("item"), it.get("label"), it.get("file"),
                          it.get("sheet"), it.get("row")])
    return save(wb, path)
