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
ITEM_HEAD = ["条款", "指标", "县（市、区）", "行业领域", "层级", "编号/代码", "名称/描述", "来源文件", "工作表", "行"]
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
                        r.missing_total, r.rule], formats={9: "0.0%", 10: "0.0%"}, wrap={2, 12})
        ws.ws.cell(row=row, column=11).fill = PatternFill("solid", fgColor=STATUS_FILL.get(r.status, "FFFFFF"))
    ws.ws.column_dimensions["N"].hidden = True  # English rule keys, for scripts only
    write_items(wb, report.results, items)
    return save(wb, path)


def write_items(wb, results, items: dict[str, list[dict]], *, clean=lambda v: v) -> None:
    """缺项清单: every item that misses a figure, rule by rule in one filterable list (continued
    on a second sheet past Excel's last row), as `audit explain` lists them."""
    titles = {r.rule: (r.clause, r.title) for r in results}
    rows = [(rule, it) for rule, its in items.items() for it in its]
    if not rows:
        return
    for part, start in enumerate(range(0, len(rows), EXCEL_ROWS - 1), start=1):
        sh = add_sheet(wb, "缺项清单" + (f"（{part}）" if part > 1 else ""), head=ITEM_HEAD,
                       widths=[9, 28, 16, 11, 7, 22, 36, 26, 14, 6])
        for rule, it in rows[start:start + EXCEL_ROWS - 1]:
            clause, title = titles.get(rule, ("", rule))
            sh.write([clause, title, divisions.full_name(it.get("county") or ""), it.get("sector") or "",
                      labels.level(it.get("level")), clean(it.get("item")), clean(it.get("label")),
                      clean(it.get("file")), clean(it.get("sheet")), it.get("row")])
        sh.ws.auto_filter.ref = f"A1:J{sh.row}"
