"""The report as a workbook: a cover with the data sources, one row per indicator per county,
a sheet per rule of the items that miss, and trend and coverage sheets with native charts."""

from __future__ import annotations

from pathlib import Path

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill

from zjsafety.core import divisions, labels
from zjsafety.core.clock import beijing, beijing_now
from zjsafety.core.masking import mask
from zjsafety.core.workbook import STATUS_FILL, add_sheet, new_workbook, save
from zjsafety.reports.audit_xlsx import write_items
from zjsafety.reports.data import ReportData, result_label


def write_xlsx(data: ReportData, path: Path, *, public: bool = False) -> None:
    clean = mask if public else (lambda v: v)
    a = data.audit
    wb = new_workbook()
    cover = add_sheet(wb, "封面", widths=[34, 22, 20, 20, 66, 10], landscape=True)
    cover.write([data.title])
    cover.ws.cell(row=1, column=1).font = Font(bold=True, size=16)
    for k, v in (("范围", f"{data.scope_name}（{data.scope}）"), ("截至", str(data.as_of)),
                 ("阶段", f"{data.phase['name']}（{data.phase['start']}至{data.phase['end']}）" if data.phase else "—"),
                 ("依据", a.plan_title), ("生成时间", f"{beijing_now()}（北京时间）")):
        cover.write([k, v])
    cover.skip()
    cover.write(["数据来源（台账）", "类型", "工作表", "导入时间（北京时间）", "SHA-256", "数据行"], bold=True)
    for s in data.sources:
        cover.write([clean(s["file_name"]), labels.kind(s["kind"]), clean(s["sheet"] or ""), beijing(s["imported_at"]),
                     s["sha256"], s["rows_read"]])

    ws = add_sheet(wb, "指标", head=["条款", "指标", "县（市、区）", "代码", "行业/口径", "年度", "比例", "目标", "状态",
                                    "分子", "分母", "说明", "缺项数", "规则编号（供脚本使用）"],
                   widths=[9, 30, 16, 9, 12, 7, 9, 9, 8, 10, 10, 50, 8, 24])
    for r in a.results:
        row = ws.write([r.clause, r.title, divisions.full_name(r.scope), r.scope, result_label(r), r.year, r.ratio,
                        r.target, r.status_label(), r.numerator, r.denominator, clean(r.note), r.missing_total, r.rule],
                       formats={7: "0.0%", 8: "0.0%"}, wrap={2, 12})
        ws.ws.cell(row=row, column=9).fill = PatternFill("solid", fgColor=STATUS_FILL.get(r.status, "FFFFFF"))
    ws.ws.column_dimensions["N"].hidden = True  # English rule keys, for scripts only

    write_items(wb, a.results, data.items, clean=clean)

    trend = data.trend_rows()
    if trend:
        tr = add_sheet(wb, "事故趋势", head=["年度", "事故起数", f"事故起数（{data.target_year}年目标路径）", "死亡人数",
                                           f"死亡人数（{data.target_year}年目标路径）"], widths=[8, 12, 22, 12, 22])
        for v in trend:
            tr.write([v["year"], v.get("accidents"), v.get("accidents_path"), v.get("deaths"), v.get("deaths_path")],
                     formats={3: "0.0", 5: "0.0"})
        ch = LineChart()
        ch.title = f"事故起数、死亡人数与{data.target_year}年目标路径"
        ch.y_axis.title = "数量"
        ch.x_axis.title = "年度"
        ch.add_data(Reference(tr.ws, min_col=2, max_col=5, min_row=1, max_row=len(trend) + 1), titles_from_data=True)
        ch.set_categories(Reference(tr.ws, min_col=1, min_row=2, max_row=len(trend) + 1))
        for series in ch.series[1::2]:  # the target paths, dashed
            series.graphicalProperties.line.dashStyle = "dash"
        ch.width, ch.height = 22, 11
        tr.ws.add_chart(ch, "G2")
    cov = data.coverage_by_county()
    if cov:
        rule = next(r for r in a.results if r.rule == data.chart_rule("coverage"))
        what = f"{rule.title}（{rule.clause}，各行业领域合计）"
        cs = add_sheet(wb, "覆盖率", head_row=2, head=["县（市、区）", "已覆盖", "应覆盖", "覆盖率", "目标"],
                       widths=[18, 10, 10, 10, 10])
        cs.ws.cell(row=1, column=1, value=what).font = Font(bold=True)
        for c, n, d in cov:
            cs.write([divisions.full_name(c), n, d, n / d if d else None, 1.0], formats={4: "0.0%", 5: "0%"})
        last = len(cov) + 2
        bc = BarChart()
        bc.title = what
        bc.y_axis.numFmt = "0%"
        bc.y_axis.title = "覆盖率"
        bc.y_axis.scaling.min, bc.y_axis.scaling.max = 0, 1.1
        bc.add_data(Reference(cs.ws, min_col=4, min_row=2, max_row=last), titles_from_data=True)
        bc.set_categories(Reference(cs.ws, min_col=1, min_row=3, max_row=last))
        target = LineChart()  # the 100% target, a dashed line across the bars
        target.add_data(Reference(cs.ws, min_col=5, min_row=2, max_row=last), titles_from_data=True)
        target.series[0].graphicalProperties.line.dashStyle = "dash"
        target.series[0].graphicalProperties.line.solidFill = "C0392B"
        bc += target
        bc.width, bc.height = 22, 11
        cs.ws.add_chart(bc, "G2")
    save(wb, path)
