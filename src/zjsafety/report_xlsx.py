"""The report as a workbook: cover with sources, one row per indicator per county, a sheet per
rule of missing items, and trend and coverage sheets with native Excel charts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import divisions
from .audit_xlsx import STATUS_FILL
from .importers.errorbook import safe_text
from .masking import mask
from .report import ReportData
from .report_text import _chart_rows, _label

FONT = "宋体"


def _sheet(wb, title: str, head: list[str], widths: list[int]):
    ws = wb.create_sheet(title[:31])
    ws.append(head)
    for c in ws[1]:
        c.font = Font(name=FONT, bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    return ws


def _print_setup(ws, title_rows: str | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _row(ws, values: list, public: bool) -> None:
    ws.append([safe_text(mask(v) if public else v) for v in values])
    for c in ws[ws.max_row]:
        c.font = Font(name=FONT)


def write_xlsx(data: ReportData, path: Path, *, public: bool = False) -> None:
    a = data.audit
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    cover.append([data.title])
    cover["A1"].font = Font(name=FONT, bold=True, size=16)
    for k, v in (("范围", f"{data.scope_name}（{data.scope}）"), ("截至", str(data.as_of)),
                 ("阶段", f"{data.phase['name']}（{data.phase['start']}至{data.phase['end']}）" if data.phase else "—"),
                 ("依据", a.plan_title), ("生成时间", datetime.now().strftime("%Y-%m-%d %H:%M"))):
        cover.append([k, v])
    cover.append([])
    cover.append(["数据来源（台账）", "类型", "工作表", "导入时间", "SHA-256", "数据行"])
    for c in cover[cover.max_row]:
        c.font = Font(name=FONT, bold=True)
    for s in data.sources:
        _row(cover, [s["file_name"], s["kind"], s["sheet"], s["imported_at"], s["sha256"], s["rows_read"]], public)
    for col, w in zip("ABCDEF", (34, 22, 20, 24, 66, 10)):
        cover.column_dimensions[col].width = w
    _print_setup(cover, None)

    ws = _sheet(wb, "指标", ["规则", "条款", "指标", "县（市、区）", "代码", "行业/口径", "年度", "比例", "目标", "状态",
                            "分子", "分母", "说明", "缺项数"], [24, 9, 30, 16, 9, 12, 7, 9, 9, 8, 10, 10, 50, 8])
    for r in a.results:
        _row(ws, [r.rule, r.clause, r.title, divisions.full_name(r.scope), r.scope, _label(r), r.year, r.ratio,
                  r.target, r.status_label(), r.numerator, r.denominator, r.note, len(r.missing)], public)
        row = ws.max_row
        ws.cell(row=row, column=8).number_format = "0.0%"
        ws.cell(row=row, column=9).number_format = "0.0%"
        ws.cell(row=row, column=10).fill = PatternFill("solid", fgColor=STATUS_FILL[r.status])

    by_rule: dict[str, list] = {}
    for r in a.results:
        if r.missing:
            by_rule.setdefault(r.rule, []).append(r)
    multi = len({r.scope for r in a.results}) > 1
    for rule, rs in by_rule.items():
        sh = _sheet(wb, rule, ["县（市、区）", "行业/口径", "年度", "缺项"], [18, 14, 8, 40])
        for r in rs:
            if multi and r.scope == a.scope:
                continue  # the roll-up repeats its counties' items
            for m in r.missing:
                _row(sh, [divisions.full_name(r.scope), _label(r), r.year, m], public)

    if data.trend:
        head, rows = _chart_rows(("chart", "trend", data.trend))
        tr = _sheet(wb, "事故趋势", head, [8, 12, 16, 12, 16])
        for row in rows:
            tr.append([int(row[0])] + [float(x) if x != "—" else None for x in row[1:]])
        if rows:
            ch = LineChart()
            ch.title = "事故起数、死亡人数与2020年目标路径"
            ch.y_axis.title = "数量"
            ch.x_axis.title = "年度"
            ch.add_data(Reference(tr, min_col=2, max_col=5, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            ch.set_categories(Reference(tr, min_col=1, min_row=2, max_row=len(rows) + 1))
            ch.width, ch.height = 22, 11
            tr.add_chart(ch, "G2")
    cov = data.coverage_by_county()
    if cov:
        cs = _sheet(wb, "排查覆盖率", ["县（市、区）", "已排查", "企业数", "覆盖率"], [18, 10, 10, 10])
        for c, n, d in cov:
            cs.append([divisions.full_name(c), n, d, n / d if d else None])
            cs.cell(row=cs.max_row, column=4).number_format = "0.0%"
        bc = BarChart()
        bc.title = "各县（市、区）排查企业覆盖率"
        bc.add_data(Reference(cs, min_col=4, min_row=1, max_row=len(cov) + 1), titles_from_data=True)
        bc.set_categories(Reference(cs, min_col=1, min_row=2, max_row=len(cov) + 1))
        bc.y_axis.numFmt = "0%"
        bc.width, bc.height = 22, 11
        cs.add_chart(bc, "F2")
    wb.save(path)
