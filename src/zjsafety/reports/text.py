"""The narrative report as blocks (headings, paragraphs, tables, charts) made part by part, and
rendered to Markdown and self-contained HTML (and, by reports.docx, to Word), so the formats
say the same thing. Everything taken from ledgers is escaped for the format it goes into."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable

from zjsafety.core import divisions, labels
from zjsafety.core.clock import beijing
from zjsafety.core.masking import mask
from zjsafety.core.paths import write_text
from zjsafety.reports.data import ReportData, fmt_num, fmt_ratio, result_label as _label

STATUS_CLASSES = {*labels.STATUS.values(), labels.ON_SCHEDULE}
NUMERALS = "一二三四五六七八九十"
Block = tuple  # ("h1"|"h2"|"p", text) / ("table", head, rows) / ("chart", kind, rows, target_year) / ("appendix",)


def _figure(r) -> str:
    if r.status == "n/a":
        return f"无数据（{r.note}）"
    frac = f"{fmt_num(r.numerator)}/{fmt_num(r.denominator)}"
    if r.lower_is_better and r.ratio is not None:  # a reduction reads as one: 下降 23.1%（目标下降 40%）
        tgt = f"，目标下降 {fmt_ratio(1 - r.target)}" if r.target is not None else ""
        return f"下降 {fmt_ratio(1 - r.ratio)}（{frac}{tgt}，{r.status_label()}）"
    tgt = f"，目标 {fmt_ratio(r.target)}" if r.target is not None else ""
    return f"{fmt_ratio(r.ratio)}（{frac}{tgt}，{r.status_label()}）"


def _intro(data: ReportData) -> list[Block]:
    a, phase = data.audit, data.phase
    phase_text = (f"三年行动处于“{phase['name']}”阶段（{phase['clause']}，{phase['start']}至{phase['end']}）"
                  if phase else "不在三年行动的实施期内")
    by_rule = a.rule_statuses()  # a rule is counted once, by its worst figure
    counts = {s: sum(1 for st in by_rule.values() if st == s) for s in labels.STATUS}
    tally = "，".join(f"{labels.status(s)} {n} 项" for s, n in counts.items() if n or s != "partial")
    return [("h1", data.title),
            ("p", f"截至{data.as_of}，{phase_text}。本报告依据《{a.plan_title}》，对{data.scope_name}"
                  f"（{data.scope}）的台账数据逐条核查；报告中的每个数字都是核查规则的结果，"
                  f"均可追溯到台账的文件和行（见随附的核查结果工作簿）。"),
            ("p", f"共核查指标 {len(by_rule)} 项（按县（市、区）和行业领域分列 {len(a.results)} 个结果），"
                  f"按各项指标中最差的结果计：{tally}。")]


def _sections(data: ReportData) -> list[Block]:
    a, out = data.audit, []
    for i, sec in enumerate(data.sections):
        out.append(("h2", f"{NUMERALS[i]}、{sec['name']}（{sec['clause']}）"))
        for rule in sec["rules"]:
            rs = [r for r in data.results(rule) if r.scope == a.scope]
            if not rs:
                continue
            parts = "；".join(f"{_label(r) + ' ' if _label(r) else ''}{('%d年 ' % r.year) if r.year else ''}{_figure(r)}"
                              for r in rs)
            out.append(("p", f"{rs[0].title}（{rs[0].clause}）：{parts}。"))
            per_county = [r for r in data.results(rule) if r.scope != a.scope]
            if per_county:
                out.append(("table", ["县（市、区）", "行业/口径", "年度", "比例", "分子/分母", "目标", "状态"],
                            [[divisions.full_name(r.scope), _label(r), str(r.year or ""), fmt_ratio(r.ratio),
                              f"{fmt_num(r.numerator)}/{fmt_num(r.denominator)}", fmt_ratio(r.target),
                              r.status_label()] for r in per_county]))
        if sec.get("chart") == "trend" and data.trend_rows():
            out.append(("chart", "trend", data.trend_rows(), data.target_year))
        if sec.get("chart") == "coverage" and len(data.coverage_by_county()) > 1:
            out.append(("chart", "coverage", data.coverage_by_county(), None))
    return out


def _below_target(data: ReportData) -> list[Block]:
    fails = [r for r in data.county_rows() if r.status == "fail"]
    out: list[Block] = [("h2", "未达标的县（市、区）和指标")]
    if not fails:
        return out + [("p", "无。")]
    return out + [("table", ["县（市、区）", "指标", "行业/口径", "比例", "目标"],
                   [[divisions.full_name(r.scope), r.title, _label(r), fmt_ratio(r.ratio), fmt_ratio(r.target)]
                    for r in fails])]


def _overdue(data: ReportData) -> list[Block]:
    overdue = data.overdue_milestones()
    out: list[Block] = [("h2", "逾期未完成的节点任务")]
    if not overdue:
        return out + [("p", "无。")]
    return out + [("table", ["县（市、区）", "编号", "任务"], [[divisions.full_name(c), code, t] for c, code, t in overdue])]


def _progress(data: ReportData) -> list[Block]:
    if not data.since:
        return []
    out: list[Block] = [("h2", f"自{data.since}以来的进展")]
    rows = [[divisions.full_name(county), str(ch["hazards_found"]), str(ch["hazards_closed"]),
             str(ch["enterprises_added"]), str(ch["enterprises_gone"])] for county, ch in sorted(data.changes.items())]
    out.append(("table", ["县（市、区）", "新发现隐患", "整改销号隐患", "新增企业", "关闭企业"], rows or [["—"] * 5]))
    before = {(r.rule, r.scope, r.sector, r.level): r for r in data.before.results}
    moved = []
    for r in data.audit.results:
        b = before.get((r.rule, r.scope, r.sector, r.level))
        if b and r.ratio is not None and b.ratio is not None and abs(r.ratio - b.ratio) > 1e-9 \
                and r.rule in data.pack["report"]["progress_rules"]:
            moved.append([divisions.full_name(r.scope), r.title, _label(r), fmt_ratio(b.ratio), fmt_ratio(r.ratio)])
    if moved:
        out.append(("table", ["县（市、区）", "指标", "行业/口径", f"{data.since}", f"{data.as_of}"], moved))
    return out


def _appendix(data: ReportData) -> list[Block]:
    return [("appendix",),
            ("h2", "附表一：指标明细"),
            ("table", ["条款", "指标", "县（市、区）", "行业/口径", "年度", "分子", "分母", "比例", "目标", "状态"],
             [[r.clause, r.title, divisions.full_name(r.scope), _label(r), str(r.year or ""), fmt_num(r.numerator),
               fmt_num(r.denominator), fmt_ratio(r.ratio), fmt_ratio(r.target), r.status_label()]
              for r in data.audit.results]),
            ("h2", "附表二：数据来源"),
            ("table", ["台账文件", "类型", "工作表", "导入时间（北京时间）", "SHA-256"],
             [[s["file_name"], labels.kind(s["kind"]), s["sheet"] or "", beijing(s["imported_at"]), s["sha256"][:16] + "…"]
              for s in data.sources])]


PARTS: list[Callable[[ReportData], list[Block]]] = [_intro, _sections, _below_target, _overdue, _progress, _appendix]


def blocks(data: ReportData) -> list[Block]:
    return [b for part in PARTS for b in part(data)]


def chart_rows(b: Block) -> tuple[list[str], list[list[str]]]:
    """A chart's figures as a table (what Markdown and Word show in its place)."""
    if b[1] == "trend":
        target = b[3] or ""
        return (["年度", "事故起数", f"事故起数（{target}年目标路径）", "死亡人数", f"死亡人数（{target}年目标路径）"],
                [[str(v["year"]), fmt_num(v.get("accidents")), fmt_num(v.get("accidents_path")),
                  fmt_num(v.get("deaths")), fmt_num(v.get("deaths_path"))] for v in b[2]])
    return (["县（市、区）", "已覆盖", "应覆盖", "覆盖率"],
            [[divisions.full_name(c), str(n), str(d), fmt_ratio(n / d if d else None)] for c, n, d in b[2]])


# ---------------------------------------------------------------- Markdown

def _md(text: object) -> str:
    """Text from ledgers inside Markdown: no raw HTML, no table breaks."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def markdown(data: ReportData, *, public: bool = False) -> str:
    clean = mask if public else (lambda x: x)
    lines: list[str] = []

    def table(head, rows):
        lines.append("| " + " | ".join(_md(h) for h in head) + " |")
        lines.append("|" + "---|" * len(head))
        lines.extend("| " + " | ".join(_md(clean(str(c))) for c in row) + " |" for row in rows)
        lines.append("")
    for b in blocks(data):
        if b[0] == "h1":
            lines += [f"# {_md(b[1])}", ""]
        elif b[0] == "h2":
            lines += [f"## {_md(b[1])}", ""]
        elif b[0] == "p":
            lines += [_md(clean(b[1])), ""]
        elif b[0] == "table":
            table(b[1], b[2])
        elif b[0] == "chart":
            table(*chart_rows(b))
    return "\n".join(lines)


def write_md(data: ReportData, path: Path, *, public: bool = False) -> None:
    write_text(path, markdown(data, public=public))


# ---------------------------------------------------------------- HTML (self-contained, inline SVG)

CSS = """body{font-family:"FangSong","仿宋","Microsoft YaHei","Noto Sans CJK SC",sans-serif;max-width:1100px;
margin:2em auto;color:#222;line-height:1.7}table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:14px}
th,td{border:1px solid #bbb;padding:3px 8px}th{background:#eef3f8}td.达标{background:#c6efce}td.未达标{background:#ffc7ce}
td.预警{background:#ffeb9c}td.无数据{background:#ededed}td.数据不全{background:#fce4d6}td.进度正常{background:#e2f0d9}
h1{font-size:24px;text-align:center}h2{font-size:19px;margin-top:1.6em;border-bottom:1px solid #ddd}svg{max-width:100%}
@media print{@page{size:A4;margin:25mm 20mm}body{max-width:none;margin:0;font-size:12pt}
h2{page-break-after:avoid}table,svg{page-break-inside:avoid}thead{display:table-header-group}
th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}}"""


def write_html(data: ReportData, path: Path, *, public: bool = False) -> None:
    write_text(path, page(data, public=public))


def page(data: ReportData, *, public: bool = False) -> str:
    clean = mask if public else (lambda x: x)

    def e(s) -> str:
        return html.escape(str(clean(s)))
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(data.title)}</title>"
             f"<style>{CSS}</style></head><body>"]
    for b in blocks(data):
        if b[0] in ("h1", "h2"):
            parts.append(f"<{b[0]}>{e(b[1])}</{b[0]}>")
        elif b[0] == "p":
            parts.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "table":
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b[1]) + "</tr></thead><tbody>")
            for row in b[2]:
                parts.append("<tr>" + "".join(f"<td class='{e(c)}'>{e(c)}</td>" if c in STATUS_CLASSES
                                              else f"<td>{e(c)}</td>" for c in row) + "</tr>")
            parts.append("</tbody></table>")
        elif b[0] == "chart":
            parts.append(trend_svg(b[2], b[3]) if b[1] == "trend" else coverage_svg(b[2]))
    parts.append("</body></html>")
    return "".join(parts)


W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 340, 60, 170, 40, 50


def _axes(top_value: float, fmt: Callable[[float], str], ticks: int = 5) -> list[str]:
    """The y axis with gridlines and labels, and the x axis."""
    out = [f"<line x1='{LEFT}' y1='{TOP}' x2='{LEFT}' y2='{H - BOTTOM}' stroke='#333'/>",
           f"<line x1='{LEFT}' y1='{H - BOTTOM}' x2='{W - RIGHT}' y2='{H - BOTTOM}' stroke='#333'/>"]
    for k in range(ticks + 1):
        v = top_value * k / ticks
        y = H - BOTTOM - (H - TOP - BOTTOM) * k / ticks
        out.append(f"<line x1='{LEFT}' y1='{y:.1f}' x2='{W - RIGHT}' y2='{y:.1f}' stroke='#e5e5e5'/>")
        out.append(f"<text x='{LEFT - 6}' y='{y + 4:.1f}' font-size='11' text-anchor='end'>{fmt(v)}</text>")
    return out


def trend_svg(rows: list[dict], target_year: int | None) -> str:
    """Accidents and deaths by year, each with its straight-line path to the target year's
    target (dashed), values on every point, axes with a scale."""
    series = [("accidents", "#c0392b", "事故起数", ""), ("accidents_path", "#c0392b", "事故起数目标路径", "6 4"),
              ("deaths", "#2c3e50", "死亡人数", ""), ("deaths_path", "#2c3e50", "死亡人数目标路径", "6 4")]
    vals = [float(v[k]) for v in rows for k, *_ in series if v.get(k) is not None]
    top = max(vals + [1]) * 1.15
    n = max(len(rows) - 1, 1)

    def x(i):
        return LEFT + 20 + i * (W - LEFT - RIGHT - 40) / n

    def y(v):
        return H - BOTTOM - v / top * (H - TOP - BOTTOM)
    title = f"事故起数、死亡人数与{target_year}年目标路径" if target_year else "事故起数、死亡人数"
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' role='img' aria-label='{title}'>",
           f"<text x='{W / 2 - RIGHT / 2}' y='20' font-size='14' text-anchor='middle'>{title}</text>"]
    out += _axes(top, lambda v: f"{v:.0f}")
    for i, v in enumerate(rows):
        out.append(f"<text x='{x(i):.1f}' y='{H - BOTTOM + 18}' font-size='12' text-anchor='middle'>{v['year']}</text>")
    out.append(f"<text x='{(LEFT + W - RIGHT) / 2}' y='{H - 12}' font-size='12' text-anchor='middle'>年度</text>")
    for j, (key, color, name, dash) in enumerate(series):
        pts = [(x(i), y(float(v[key])), v[key]) for i, v in enumerate(rows) if v.get(key) is not None]
        if not pts:
            continue
        style = f" stroke-dasharray='{dash}'" if dash else ""
        out.append(f"<polyline fill='none' stroke='{color}' stroke-width='2'{style} points='"
                   + " ".join(f"{a:.1f},{b:.1f}" for a, b, _ in pts) + "'/>")
        for a, b, v in pts:
            if not dash:
                out.append(f"<circle cx='{a:.1f}' cy='{b:.1f}' r='3' fill='{color}'/>")
            out.append(f"<text x='{a:.1f}' y='{b - 7:.1f}' font-size='11' text-anchor='middle' fill='{color}'>"
                       f"{fmt_num(round(float(v), 1))}</text>")
        ly = TOP + 10 + j * 20
        out.append(f"<line x1='{W - RIGHT + 15}' y1='{ly}' x2='{W - RIGHT + 40}' y2='{ly}' stroke='{color}' "
                   f"stroke-width='2'{style}/><text x='{W - RIGHT + 45}' y='{ly + 4}' font-size='12'>{name}</text>")
    return "".join(out) + "</svg>"


def coverage_svg(rows: list[tuple[str, int, int]]) -> str:
    """Each county's coverage as a bar with its value, against the 100% target line."""
    bars = [(divisions.full_name(c), n / d if d else 0.0) for c, n, d in rows]
    bw = (W - LEFT - RIGHT) / max(len(bars), 1)

    def y(v):
        return H - BOTTOM - v / 1.1 * (H - TOP - BOTTOM)
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' role='img' aria-label='各县（市、区）覆盖率'>",
           f"<text x='{W / 2 - RIGHT / 2}' y='20' font-size='14' text-anchor='middle'>各县（市、区）覆盖率</text>"]
    out += _axes(1.1, lambda v: f"{v:.0%}", ticks=11)
    for i, (name, v) in enumerate(bars):
        x0 = LEFT + i * bw + bw * 0.15
        out.append(f"<rect x='{x0:.1f}' y='{y(v):.1f}' width='{bw * 0.7:.1f}' height='{y(0) - y(v):.1f}' "
                   f"fill='{'#2e8b57' if v >= 1 else '#d35400'}'/>")
        out.append(f"<text x='{x0 + bw * 0.35:.1f}' y='{y(v) - 4:.1f}' font-size='11' text-anchor='middle'>{v:.1%}</text>")
        out.append(f"<text x='{x0 + bw * 0.35:.1f}' y='{H - BOTTOM + 16}' font-size='11' text-anchor='middle'>"
                   f"{html.escape(name[-5:])}</text>")
    out.append(f"<line x1='{LEFT}' y1='{y(1):.1f}' x2='{W - RIGHT}' y2='{y(1):.1f}' stroke='#c0392b' stroke-dasharray='5 3'/>")
    out.append(f"<text x='{W - RIGHT + 6}' y='{y(1) + 4:.1f}' font-size='12' fill='#c0392b'>目标 100%</text>")
    return "".join(out) + "</svg>"
