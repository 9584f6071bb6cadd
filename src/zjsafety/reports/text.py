"""The narrative report as blocks (headings, paragraphs, tables, charts), rendered to Word,
Markdown and self-contained HTML, so the three formats say the same thing."""

from __future__ import annotations

import html
from pathlib import Path

from zjsafety.core import divisions, labels
from zjsafety.core.masking import mask
from zjsafety.core.paths import write_text
from zjsafety.reports.data import ReportData, fmt_num, fmt_ratio, result_label as _label

STATUS_CLASSES = {*labels.STATUS.values(), labels.ON_SCHEDULE}
NUMERALS = "一二三四五六七八九十"


def _figure(r) -> str:
    if r.status == "n/a":
        return f"无数据（{r.note}）"
    frac = f"{fmt_num(r.numerator)}/{fmt_num(r.denominator)}"
    tgt = f"，目标 {fmt_ratio(r.target)}" if r.target is not None else ""
    return f"{fmt_ratio(r.ratio)}（{frac}{tgt}，{r.status_label()}）"


def blocks(data: ReportData) -> list[tuple]:
    a = data.audit
    out: list[tuple] = [("h1", data.title)]
    phase = data.phase
    phase_text = (f"三年行动处于“{phase['name']}”阶段（六{phase['clause'][1:]}，{phase['start']}至{phase['end']}）"
                  if phase else "不在三年行动的实施期内")
    out.append(("p", f"截至{data.as_of}，{phase_text}。本报告依据《{a.plan_title}》，对{data.scope_name}"
                     f"（{data.scope}）的台账数据逐条核查；报告中的每个数字都是 zjsafety 核查规则的结果，"
                     f"可用“zjsafety audit explain 规则编号”追溯到台账的文件和行。"))
    fails = [r for r in data.county_rows() if r.status == "fail"]
    counts = {s: sum(1 for r in a.results if r.status == s) for s in labels.STATUS}
    out.append(("p", f"共核查指标 {len(a.results)} 项：达标 {counts['pass']} 项，未达标 {counts['fail']} 项，"
                     f"预警 {counts['amber']} 项，无数据 {counts['n/a']} 项。"))
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
            out.append(("chart", "trend", data.trend_rows()))
        if sec.get("chart") == "coverage" and len(data.coverage_by_county()) > 1:
            out.append(("chart", "coverage", data.coverage_by_county()))
    out.append(("h2", "未达标的县（市、区）和指标"))
    if fails:
        out.append(("table", ["县（市、区）", "指标", "行业/口径", "比例", "目标"],
                    [[divisions.full_name(r.scope), r.title, _label(r), fmt_ratio(r.ratio), fmt_ratio(r.target)]
                     for r in fails]))
    else:
        out.append(("p", "无。"))
    out.append(("h2", "逾期未完成的节点任务"))
    overdue = data.overdue_milestones()
    if overdue:
        out.append(("table", ["县（市、区）", "编号", "任务"],
                    [[divisions.full_name(c), code, title] for c, code, title in overdue]))
    else:
        out.append(("p", "无。"))
    if data.since:
        out.append(("h2", f"自{data.since}以来的进展"))
        before = {(r.rule, r.scope, r.sector, r.level): r for r in data.before.results}
        rows = []
        for county, ch in sorted(data.changes.items()):
            rows.append([divisions.full_name(county), str(ch["hazards_found"]), str(ch["hazards_closed"]),
                         str(ch["enterprises_added"]), str(ch["enterprises_gone"])])
        out.append(("table", ["县（市、区）", "新发现隐患", "整改销号隐患", "新增企业", "关闭企业"], rows or [["—"] * 5]))
        moved = []
        for r in a.results:
            b = before.get((r.rule, r.scope, r.sector, r.level))
            if b and r.ratio is not None and b.ratio is not None and abs(r.ratio - b.ratio) > 1e-9 \
                    and r.rule in data.pack["report"]["progress_rules"]:
                moved.append([divisions.full_name(r.scope), r.title, _label(r), fmt_ratio(b.ratio), fmt_ratio(r.ratio)])
        if moved:
            out.append(("table", ["县（市、区）", "指标", "行业/口径", f"{data.since}", f"{data.as_of}"], moved))
    out.append(("h2", "附表一：指标明细"))
    out.append(("table", ["规则", "条款", "县（市、区）", "行业/口径", "年度", "分子", "分母", "比例", "目标", "状态"],
                [[r.rule, r.clause, divisions.full_name(r.scope), _label(r), str(r.year or ""), fmt_num(r.numerator),
                  fmt_num(r.denominator), fmt_ratio(r.ratio), fmt_ratio(r.target), r.status_label()]
                 for r in a.results]))
    out.append(("h2", "附表二：数据来源"))
    out.append(("table", ["台账文件", "类型", "工作表", "导入时间", "SHA-256"],
                [[s["file_name"], s["kind"], s["sheet"] or "", s["imported_at"], s["sha256"][:16] + "…"]
                 for s in data.sources]))
    return out


# ---------------------------------------------------------------- Markdown

def write_md(data: ReportData, path: Path, *, public: bool = False) -> None:
    write_text(path, markdown(data, public=public))


def markdown(data: ReportData, *, public: bool = False) -> str:
    clean = mask if public else (lambda x: x)
    lines: list[str] = []
    for b in blocks(data):
        if b[0] == "h1":
            lines += [f"# {b[1]}", ""]
        elif b[0] == "h2":
            lines += [f"## {b[1]}", ""]
        elif b[0] == "p":
            lines += [clean(b[1]), ""]
        elif b[0] == "table":
            lines.append("| " + " | ".join(b[1]) + " |")
            lines.append("|" + "---|" * len(b[1]))
            lines += ["| " + " | ".join(clean(str(c)).replace("|", "\\|") for c in row) + " |" for row in b[2]]
            lines.append("")
        elif b[0] == "chart":
            lines += _chart_as_table_md(b)
    return "\n".join(lines)


def _chart_rows(b) -> tuple[list[str], list[list[str]]]:
    if b[1] == "trend":
        return (["年度", "事故起数", "事故起数路径值", "死亡人数", "死亡人数路径值"],
                [[str(v["year"]), fmt_num(v.get("accidents")), fmt_num(v.get("accidents_path")),
                  fmt_num(v.get("deaths")), fmt_num(v.get("deaths_path"))] for v in b[2]])
    return (["县（市、区）", "已排查", "企业数", "覆盖率"],
            [[divisions.full_name(c), str(n), str(d), fmt_ratio(n / d if d else None)] for c, n, d in b[2]])


def _chart_as_table_md(b) -> list[str]:
    head, rows = _chart_rows(b)
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


# ---------------------------------------------------------------- HTML (self-contained, inline SVG)

CSS = """body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;max-width:1100px;margin:2em auto;
color:#222;line-height:1.6}table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:14px}th,td{border:1px solid #bbb;
padding:3px 8px}th{background:#eef3f8}td.达标{background:#c6efce}td.未达标{background:#ffc7ce}td.预警{background:#ffeb9c}
td.无数据{background:#ededed}td.进度正常{background:#e2f0d9}h1{font-size:24px}h2{font-size:19px;margin-top:1.6em;border-bottom:1px solid #ddd}"""


def write_html(data: ReportData, path: Path, *, public: bool = False) -> None:
    clean = mask if public else (lambda x: x)
    e = lambda s: html.escape(str(clean(s)))  # noqa: E731
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(data.title)}</title>"
             f"<style>{CSS}</style></head><body>"]
    for b in blocks(data):
        if b[0] == "h1":
            parts.append(f"<h1>{e(b[1])}</h1>")
        elif b[0] == "h2":
            parts.append(f"<h2>{e(b[1])}</h2>")
        elif b[0] == "p":
            parts.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "table":
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b[1]) + "</tr></thead><tbody>")
            for row in b[2]:
                parts.append("<tr>" + "".join(f"<td class='{e(c)}'>{e(c)}</td>" if c in STATUS_CLASSES
                                              else f"<td>{e(c)}</td>" for c in row) + "</tr>")
            parts.append("</tbody></table>")
        elif b[0] == "chart":
            parts.append(_svg(b))
    parts.append("</body></html>")
    write_text(path, "".join(parts))


def _svg(b) -> str:
    head, rows = _chart_rows(b)
    w, h, pad = 720, 300, 50
    if b[1] == "trend":
        series = [(1, "#c0392b", "事故起数"), (2, "#c0392b", "路径"), (3, "#2c3e50", "死亡人数"), (4, "#2c3e50", "路径")]
        vals = [float(r[i]) for r in rows for i, *_ in series if r[i] != "—"]
        top = max(vals + [1]) * 1.1
        n = max(len(rows) - 1, 1)
        x = lambda i: pad + i * (w - 2 * pad) / n  # noqa: E731
        y = lambda v: h - pad - v / top * (h - 2 * pad)  # noqa: E731
        out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' role='img' "
               f"aria-label='事故起数和死亡人数与2020年目标路径'>"]
        for idx, color, name in series:
            pts = [(x(i), y(float(r[idx]))) for i, r in enumerate(rows) if r[idx] != "—"]
            dash = " stroke-dasharray='6 4'" if name == "路径" else ""
            out.append(f"<polyline fill='none' stroke='{color}' stroke-width='2'{dash} points='"
                       + " ".join(f"{a:.1f},{b_:.1f}" for a, b_ in pts) + "'/>")
        for i, r in enumerate(rows):
            out.append(f"<text x='{x(i):.1f}' y='{h - pad + 18}' font-size='12' text-anchor='middle'>{r[0]}</text>")
        out.append(f"<text x='{pad}' y='20' font-size='13'>事故起数（红）、死亡人数（深蓝），虚线为通往2020年目标的直线路径</text>")
        return "".join(out) + "</svg>"
    bars = [(r[0], float(r[3].rstrip("%")) / 100 if r[3] != "—" else 0) for r in rows]
    bw = (w - 2 * pad) / max(len(bars), 1)
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' role='img' aria-label='各县排查覆盖率'>"]
    for i, (name, v) in enumerate(bars):
        bh = v * (h - 2 * pad)
        out.append(f"<rect x='{pad + i * bw + 4:.1f}' y='{h - pad - bh:.1f}' width='{bw - 8:.1f}' height='{bh:.1f}' "
                   f"fill='{'#2e8b57' if v >= 1 else '#d35400'}'/>")
        out.append(f"<text x='{pad + i * bw + bw / 2:.1f}' y='{h - pad + 16}' font-size='11' text-anchor='middle'>"
                   f"{html.escape(name[-4:])}</text>")
    out.append(f"<line x1='{pad}' x2='{w - pad}' y1='{pad}' y2='{pad}' stroke='#888' stroke-dasharray='4 3'/>")
    out.append(f"<text x='{pad}' y='20' font-size='13'>各县（市、区）排查企业覆盖率（虚线为100%目标）</text>")
    return "".join(out) + "</svg>"
