"""The narrative report as blocks (headings, paragraphs, tables, charts) made part by part, and
rendered to Markdown and self-contained HTML (and, by reports.docx, to Word), so the formats
say the same thing. Everything taken from ledgers is escaped for the format it goes into."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable

from zjsafety.core import divisions, labels, refdata
from zjsafety.core.clock import beijing
from zjsafety.core.labels import cn_date
from zjsafety.core.masking import mask
from zjsafety.core.paths import write_text
from zjsafety.reports.data import ReportData, fmt_num, fmt_ratio, ratio_target, result_label as _label

STATUS_CLASSES = {*labels.STATUS.values(), labels.ON_SCHEDULE}
NUMERALS = "一二三四五六七八九十"
# ("h1"|"subtitle"|"h2"|"h3"|"p", text) / ("table", head, rows) / ("chart", kind, rows, target_year) /
# ("attachments", names) / ("signature",) / ("appendix", number, name, wide)
Block = tuple


def cn_clause(clause: str) -> str:
    """四(二)1 -> 四（二）1, as the plan writes its clause numbers."""
    return clause.replace("(", "（").replace(")", "）")


def _figure(r, *, status: bool = True) -> str:
    if r.status == "n/a":
        return f"无数据（{r.note}）"
    if r.extra.get("same_period"):  # counts against the same part of the year before
        st = f"，{r.status_label()}" if status else ""
        return f"{fmt_num(r.numerator)}项（上年同期{fmt_num(r.denominator)}项{st}）"
    frac = f"{fmt_num(r.numerator)}/{fmt_num(r.denominator)}"
    st = f"，{r.status_label()}" if status else ""
    if r.lower_is_better and r.ratio is not None:  # a reduction reads as one: 下降 23.1%（目标下降 40%）
        tgt = f"，目标下降{fmt_ratio(1 - r.target)}" if r.target is not None else ""
        return f"下降{fmt_ratio(1 - r.ratio)}（{frac}{tgt}{st}）"
    tgt = f"，目标{fmt_ratio(r.target)}" if r.target is not None else ""
    return f"{fmt_ratio(r.ratio)}（{frac}{tgt}{st}）"


def _what(r, *, county: bool = False) -> str:
    """What a figure is of: 杭州市西湖区工矿商贸2019年 …"""
    parts = [divisions.full_name(r.scope) if county else "", _label(r), f"{r.year}年" if r.year else ""]
    return "".join(parts)


def _named(r, *, clause: bool = True) -> str:
    """A figure's name for running text: 重大事故隐患登记率（消防，四（二）1）."""
    what = [_label(r), f"{r.year}年" if r.year else "", cn_clause(r.clause) if clause else ""]
    what = [w for w in what if w]
    return r.title + (f"（{'，'.join(what)}）" if what else "")


def _fill(template: str, **fields) -> str:
    return template.format_map({k: ("" if v is None else v) for k, v in fields.items()})


def _roll_up(data: ReportData, rule: str) -> list:
    return [r for r in data.results(rule) if r.scope == data.audit.scope]


def _listed(items: list[str], cap: int = 8) -> str:
    return "；".join(items[:cap]) + (f"等{len(items)}项（详见附件）" if len(items) > cap else "")


def _basic(data: ReportData) -> list[Block]:
    a, phase, rep = data.audit, data.phase, data.pack["report"]
    period = refdata.plan(data.pack["milestones"])
    if phase:
        phase_text = (f"三年行动处于“{phase['name']}”阶段（{cn_clause(phase['clause'])}，"
                      f"{cn_date(phase['start'])}至{cn_date(phase['end'])}）")
    elif period["start"] <= data.as_of <= period["end"]:
        phase_text = f"处于三年行动实施期内（{cn_date(period['start'])}至{cn_date(period['end'])}）"
    else:
        phase_text = "不在三年行动的实施期内"
    kinds: dict[str, int] = {}
    for src in data.sources:
        kinds[labels.kind(src["kind"])] = kinds.get(labels.kind(src["kind"]), 0) + 1
    ledgers = (f"{sum(kinds.values())}份台账（" + "、".join(f"{k}{n}份" for k, n in kinds.items()) + "）"
               if kinds else "台账（尚未导入任何台账）")
    by_rule = a.rule_statuses()  # a rule is counted once, by its worst figure
    counts = {s: sum(1 for st in by_rule.values() if st == s) for s in labels.STATUS}
    statuses = "，".join(f"{labels.status(s)}{n}项" for s, n in counts.items() if n or s != "partial")
    return [("h1", data.title),
            ("subtitle", f"（截至{cn_date(data.as_of)}）"),
            ("h2", f"一、{rep['headings'][0]}"),
            ("p", _fill(rep["basic"], as_of=cn_date(data.as_of), phase=phase_text, plan=a.plan_title,
                        scope=data.scope_name, ledgers=ledgers)),
            ("p", _fill(rep["tally"], rules=len(by_rule), rows=len(a.results), statuses=statuses))]


def _sections_of(data: ReportData, keep) -> list[tuple[dict, list[str]]]:
    """Per section of the pack, the sentences `keep` makes of its rules (sections with none left out)."""
    out = []
    for sec in data.sections:
        lines = [x for rule in sec["rules"] for x in keep(rule)]
        if lines:
            out.append((sec, lines))
    return out


def _numbered(parts: list[tuple[dict, list[str]]]) -> list[Block]:
    out: list[Block] = []
    for i, (sec, lines) in enumerate(parts):
        out.append(("h3", f"（{NUMERALS[i]}）{sec['name']}"))
        out += [("p", line) for line in lines]
    return out


def _progress_part(data: ReportData) -> list[Block]:
    rep = data.pack["report"]

    def good(rule: str) -> list[str]:
        out = []
        for on_schedule, said in ((False, "达到目标"), (True, "尚未到期、进度正常")):
            rs = [r for r in _roll_up(data, rule) if r.status == "pass" and bool(r.on_schedule) == on_schedule]
            if rs:
                figures = "；".join(f"{_what(r)}{_figure(r, status=False)}" for r in rs)
                out.append(_fill(rep["progress"], title=f"{rs[0].title}{said}（{cn_clause(rs[0].clause)}）：",
                                 figure=figures))
        return out
    out: list[Block] = [("h2", f"二、{rep['headings'][1]}")]
    body = _numbered(_sections_of(data, good))
    out += body or [("p", rep["no_progress"])]
    out += [("p", line) for line in _comparisons(data)]
    return out


def _comparisons(data: ReportData) -> list[str]:
    """--since: cumulative figures against the earlier date; yearly figures against the same
    part of the previous year (a year just begun is never set against a whole one)."""
    if not data.since:
        return []
    rep = data.pack["report"]
    lines = []
    for base_label, pairs in data.comparisons():
        if not pairs:
            continue
        changes = "；".join(f"{_named(r, clause=False)}由{fmt_ratio(b.ratio)}变为{fmt_ratio(r.ratio)}" for r, b in pairs)
        template = rep["same_period"] if base_label == "same_period" else rep["since"]
        lines.append(_fill(template, since=cn_date(data.since), base=cn_date(data.same_period_date), changes=changes))
    return lines


def _problems_part(data: ReportData) -> list[Block]:
    rep = data.pack["report"]

    def bad(rule: str) -> list[str]:
        out = []
        for r in _roll_up(data, rule):
            if r.status == "fail":
                template = rep["problem"]
            elif r.status == "amber":
                template = rep["problem_amber"]
            elif r.status == "n/a":
                out.append(_fill(rep["problem_na"], title=_named(r), note=r.note))
                continue
            elif r.status == "partial":
                template = rep["problem_partial"]
            else:
                continue
            text = _fill(template, title=_named(r), figure=_figure(r, status=False))
            below = [x for x in data.results(rule) if x.scope != data.audit.scope and x.status == "fail"
                     and (x.sector, x.level, x.year) == (r.sector, r.level, r.year)]
            if below:
                text = text[:-1] + "，其中未达标的有" + _listed([f"{_what(x, county=True)}{_figure(x, status=False)}"
                                                               for x in below]) + "。"
            out.append(text)
        if any(r.extra.get("milestones") is not None for r in data.results(rule)):
            overdue = [f"{t}（{code}）" for _, code, t in data.overdue_milestones()]
            if overdue:
                out.append("逾期未完成的节点任务：" + _listed(overdue) + "。")
        return out
    out: list[Block] = [("h2", f"三、{rep['headings'][2]}")]
    return out + (_numbered(_sections_of(data, bad)) or [("p", "本期核查的指标均已达到目标。")])


def _next_part(data: ReportData) -> list[Block]:
    rep = data.pack["report"]
    lines = []
    for sec in data.sections:
        for rule in sec["rules"]:
            rs = _roll_up(data, rule)
            if not rs or all(r.status == "pass" for r in rs):
                continue
            r = next(x for x in rs if x.status != "pass")
            if r.status == "n/a":
                lines.append(_fill(rep["next_data"], title=r.title, note_short=r.note.removeprefix("未导入")
                                   if r.note.startswith("未导入") else r.note))
                continue
            sectors = "、".join(dict.fromkeys(x.sector for x in rs if x.status != "pass" and x.sector))
            levels = "、".join(dict.fromkeys(labels.level(x.level) for x in rs if x.status != "pass" and x.level))
            lines.append(_fill(rep["next"].get(rule, rep["next_default"]), title=r.title,
                               sectors=(sectors + "等行业领域") if sectors else "各行业领域", levels=levels or "各级"))
    pending = data.pending_milestones()
    if pending:
        lines.append(_fill(rep["milestones_due"],
                           items=_listed([f"{t}（{cn_date(d)}前）" for _, t, d in pending])))
    out: list[Block] = [("h2", f"四、{rep['headings'][3]}")]
    return out + [("p", f"{i}. {line}" if len(lines) > 1 else line) for i, line in enumerate(lines, 1)] \
        or out + [("p", "继续按计划推进各项工作。")]


def _attachments(data: ReportData) -> list[Block]:
    """The attachments: named under the body (附件说明), then the signature, then each on pages
    of its own."""
    names = data.pack["report"]["attachments"]
    a = data.audit
    parts: list[tuple[str, list[Block], bool]] = [
        ("details", [("table", ["条款", "指标", "县（市、区）", "行业/口径", "年度", "分子", "分母", "比例", "目标", "状态"],
                      [[cn_clause(r.clause), r.title, divisions.full_name(r.scope), _label(r), str(r.year or ""),
                        fmt_num(r.numerator), fmt_num(r.denominator), *ratio_target(r), r.status_label()]
                       for r in a.results])], True)]
    fails = data.below_target()
    if fails:
        parts.append(("below", [("table", ["县（市、区）", "指标", "行业/口径", "年度", "比例", "目标"],
                                  [[divisions.full_name(r.scope), r.title, _label(r), str(r.year or ""),
                                    *ratio_target(r)] for r in fails])], False))
    overdue, pending = data.overdue_milestones(), data.pending_milestones()
    if overdue or pending:
        rows = [[divisions.full_name(c), code, t, "逾期未完成"] for c, code, t in overdue]
        rows += [[divisions.full_name(c), "", t, f"未到期（{cn_date(d)}）"] for c, t, d in pending]
        parts.append(("milestones", [("table", ["县（市、区）", "编号", "任务", "完成情况"], rows)], False))
    if data.trend_rows():
        parts.append(("trend", [("chart", "trend", data.trend_rows(), data.target_year)], False))
    if data.coverage_by_county():
        parts.append(("coverage", [("chart", "coverage", data.coverage_by_county(), None)], False))
    if data.since:
        rows = [[divisions.full_name(county), str(ch["hazards_found"]), str(ch["hazards_closed"]),
                 str(ch["enterprises_added"]), str(ch["enterprises_gone"])] for county, ch in sorted(data.changes.items())]
        parts.append(("changes", [("p", f"{cn_date(data.since)}至{cn_date(data.as_of)}：")]
                      + [("table", ["县（市、区）", "新发现隐患", "整改销号隐患", "新增企业", "关闭企业"], rows or [["—"] * 5])],
                      False))
    parts.append(("sources", [("table", ["台账文件", "类型", "工作表", "导入时间（北京时间）", "数据行"],
                               [[s["file_name"], labels.kind(s["kind"]), s["sheet"] or "", _cn_stamp(s["imported_at"]),
                                 str(s["rows_read"])] for s in data.sources] or [["（尚未导入台账）", "", "", "", ""]])],
                  False))
    out: list[Block] = [("attachments", [names[k] for k, _, _ in parts]), ("signature",)]
    for n, (key, body, wide) in enumerate(parts, 1):
        out.append(("appendix", n, names[key], wide))
        out += body
    return out


def _cn_stamp(iso: str) -> str:
    day, _, clock = beijing(iso).partition(" ")
    return f"{cn_date(day)} {clock}"


PARTS: list[Callable[[ReportData], list[Block]]] = [_basic, _progress_part, _problems_part, _next_part, _attachments]


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
        elif b[0] == "h3":
            lines += [f"### {_md(b[1])}", ""]
        elif b[0] in ("p", "subtitle"):
            lines += [_md(clean(b[1])), ""]
        elif b[0] == "attachments":
            lines += ["附件：" + "；".join(f"{i}. {_md(n)}" for i, n in enumerate(b[1], 1)), ""]
        elif b[0] == "signature":
            lines += [_md(data.office), "", cn_date(data.written_on), ""]
        elif b[0] == "appendix":
            lines += [f"## 附件{b[1]}　{_md(b[2])}", ""]
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
h1{font-size:24px;text-align:center}p.sub{text-align:center}p.sign{text-align:right}h3{font-size:17px}h2{font-size:19px;margin-top:1.6em;border-bottom:1px solid #ddd}svg{max-width:100%}
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
        if b[0] in ("h1", "h2", "h3"):
            parts.append(f"<{b[0]}>{e(b[1])}</{b[0]}>")
        elif b[0] == "subtitle":
            parts.append(f"<p class='sub'>{e(b[1])}</p>")
        elif b[0] == "p":
            parts.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "attachments":
            parts.append("<p>附件：" + "；".join(f"{i}. {e(n)}" for i, n in enumerate(b[1], 1)) + "</p>")
        elif b[0] == "signature":
            parts.append(f"<p class='sign'>{e(data.office)}<br>{cn_date(data.written_on)}</p>")
        elif b[0] == "appendix":
            parts.append(f"<h2>附件{b[1]}　{e(b[2])}</h2>")
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


def nice_scale(top: float, ticks: int = 5) -> tuple[float, float]:
    """(axis top, step) with the step a round number (1, 2, 2.5 or 5 times a power of ten)
    and the top a whole number of steps at or above `top`."""
    import math
    top = max(float(top), 1e-9)
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.ceil(top / step - 1e-9) * step, step


def _axes(top_value: float, fmt: Callable[[float], str], step: float) -> list[str]:
    """The y axis with gridlines and labels at every `step`, and the x axis."""
    out = [f"<line x1='{LEFT}' y1='{TOP}' x2='{LEFT}' y2='{H - BOTTOM}' stroke='#333'/>",
           f"<line x1='{LEFT}' y1='{H - BOTTOM}' x2='{W - RIGHT}' y2='{H - BOTTOM}' stroke='#333'/>"]
    k = 0
    while k * step <= top_value + 1e-9:
        v = k * step
        y = H - BOTTOM - (H - TOP - BOTTOM) * v / top_value
        out.append(f"<line x1='{LEFT}' y1='{y:.1f}' x2='{W - RIGHT}' y2='{y:.1f}' stroke='#e5e5e5'/>")
        out.append(f"<text x='{LEFT - 6}' y='{y + 4:.1f}' font-size='11' text-anchor='end'>{fmt(v)}</text>")
        k += 1
    return out


def trend_svg(rows: list[dict], target_year: int | None) -> str:
    """Accidents and deaths by year, each with its straight-line path to the target year's
    target (dashed), values on every point, axes with a scale."""
    series = [("accidents", "#c0392b", "事故起数", ""), ("accidents_path", "#c0392b", "事故起数目标路径", "6 4"),
              ("deaths", "#2c3e50", "死亡人数", ""), ("deaths_path", "#2c3e50", "死亡人数目标路径", "6 4")]
    vals = [float(v[k]) for v in rows for k, *_ in series if v.get(k) is not None]
    top, step = nice_scale(max(vals + [1]) * 1.1)
    n = max(len(rows) - 1, 1)

    def x(i):
        return LEFT + 20 + i * (W - LEFT - RIGHT - 40) / n

    def y(v):
        return H - BOTTOM - v / top * (H - TOP - BOTTOM)
    title = f"事故起数、死亡人数与{target_year}年目标路径" if target_year else "事故起数、死亡人数"
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' role='img' aria-label='{title}'>",
           f"<text x='{W / 2 - RIGHT / 2}' y='20' font-size='14' text-anchor='middle'>{title}</text>"]
    out += _axes(top, lambda v: f"{v:g}", step)
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
        for a, b, v in pts if not dash else pts[-1:]:  # a path is labelled at its end only
            if not dash:
                out.append(f"<circle cx='{a:.1f}' cy='{b:.1f}' r='3' fill='{color}'/>")
            # a series' own value above its point, its target path's below: the two never overlap
            dy, anchor = (-7, "middle") if not dash else (15, "start")
            out.append(f"<text x='{a + (4 if dash else 0):.1f}' y='{b + dy:.1f}' font-size='11' "
                       f"text-anchor='{anchor}' fill='{color}'>{fmt_num(round(float(v), 1))}</text>")
        ly = TOP + 10 + j * 20
        out.append(f"<line x1='{W - RIGHT + 15}' y1='{ly}' x2='{W - RIGHT + 40}' y2='{ly}' stroke='{color}' "
                   f"stroke-width='2'{style}/><text x='{W - RIGHT + 45}' y='{ly + 4}' font-size='12'>{name}</text>")
    return "".join(out) + "</svg>"


def coverage_svg(rows: list[tuple[str, int, int]]) -> str:
    """Each county's coverage as a bar with its value, against the 100% target line."""
    bars = [(divisions.full_name(c), n / d if d else 0.0) for c, n, d in rows]
    bw = (W - LEFT - RIGHT) / max(len(bars), 1)

    def y(v):
        return H - BOTTOM - v / 1.2 * (H - TOP - BOTTOM)
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' role='img' aria-label='各县（市、区）覆盖率'>",
           f"<text x='{W / 2 - RIGHT / 2}' y='20' font-size='14' text-anchor='middle'>各县（市、区）覆盖率</text>"]
    out += _axes(1.2, lambda v: f"{v:.0%}", 0.2)
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
