"""What commands print: rich tables and panels in Chinese; problems to stderr, JSON to stdout."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich import box
from rich.table import Table
from rich.text import Text

from zjsafety.core import divisions, labels
from zjsafety.core.clock import beijing
from zjsafety.core.normalize import clip

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)


def error_panel(message: str, hint: str | None = None, title: str = "错误") -> None:
    if len(message) > 4000:  # a value quoted whole somewhere: laying it out would take minutes
        message = clip(message, 4000)
    body = Text(message, overflow="fold")
    if hint:
        body.append("\n" + hint, style="dim")
    err.print(Panel(body, title=title, border_style="red", expand=False))


def print_json(data: Any) -> None:
    """Indented for a person when small; compact when large (a province audit lists millions of
    missing items, and indenting them costs seconds and memory)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) < 1_000_000:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


CHANGE_LABEL = {"county": "县（市、区）", "sector": "行业领域", "status_back": "整改情况（改回未完成）"}


def import_summary(result, *, cap: int = 60, per_type: int = 5) -> None:
    t = Table(title="导入结果", show_lines=False)
    for col in ("文件", "工作表", "台账类型", "数据行", "新增", "更新", "未变", "拒收", "跳过"):
        t.add_column(col, justify="right" if col in ("数据行", "新增", "更新", "未变", "拒收", "跳过") else "left")
    for f in result.files:
        name = f.path.replace("\\", "/").rsplit("/", 1)[-1]
        t.add_row(name, f.sheet or "", labels.kind(f.kind), str(f.rows), str(f.inserted),
                  str(f.updated), str(f.unchanged), f"[red]{f.rejected}[/red]" if f.rejected else "0",
                  str(f.skipped))
    out.print(t)
    for f in result.files:  # columns read under another spelling than the field's own
        odd = [f"{letter} “{c['header']}”→{c['label']}" + ("（相近）" if c["how"] == "similar" else "")
               for letter, c in f.columns.items() if c["header"] != c["label"]]
        if odd:
            name = f.path.replace("\\", "/").rsplit("/", 1)[-1]
            out.print(f"[dim]{name}[{f.sheet}] 列对应：{'；'.join(odd)}[/dim]", soft_wrap=True)
    findings = [(f, x) for f in result.files for x in f.findings]
    if findings:
        by_type = Counter(x.type for _, x in findings)
        ft = Table(title=f"发现的问题（共 {len(findings)} 条，每类最多显示 {per_type} 条）")
        ft.add_column("位置", overflow="fold", max_width=34)
        ft.add_column("值", overflow="fold", max_width=20)
        ft.add_column("问题", overflow="fold")
        shown = 0
        order = sorted(by_type, key=lambda t: (not any(x.severity == "error" for _, x in findings if x.type == t),
                                               -by_type[t]))
        for typ in order:
            group = [(f, x) for f, x in findings if x.type == typ][:per_type]
            for f, x in group:
                if shown >= cap:
                    break
                style = "red" if x.severity == "error" else "yellow"
                ft.add_row(_where(f, x), (x.value or "")[:40], f"[{style}]{x.message}[/{style}]")
                shown += 1
            if by_type[typ] > len(group):
                ft.add_row("", "", f"[dim]……“{labels.finding(typ)}”另有 {by_type[typ] - len(group)} 条[/dim]")
        out.print(ft)
        if len(findings) > shown:
            out.print("[dim]完整清单：加 --json，或 --errors-to 文件夹 生成标注了错误的工作簿退回修改。[/dim]")
    for f in result.files:  # stated values that moved records between counties, sectors or back in status
        if f.changes:
            name = f.path.replace("\\", "/").rsplit("/", 1)[-1]
            unit = "家" if f.kind == "enterprise" else "项"
            what = "、".join(f"{CHANGE_LABEL[k]}{n} {unit}" for k, n in f.changes.items())
            out.print(f"[yellow]{name}[{f.sheet}]：变更了{what}（见“{labels.finding('scope_change')}”）[/yellow]",
                      soft_wrap=True)
    tot = result.totals
    state = ("（试运行，未写入数据库）" if result.dry_run else
             "（--strict：有被拒收的行，全部未写入）" if result.strict and not result.committed else "")
    kept = f"，保留原值 {tot['kept']} 处（空白单元格未覆盖已有数据）" if tot.get("kept") else ""
    out.print(f"合计：数据行 {tot['rows']}，新增 {tot['inserted']}，更新 {tot['updated']}，"
              f"未变 {tot['unchanged']}，拒收 {tot['rejected']}{kept}{state}")


def _where(f, x) -> str:
    name = f.path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    loc = name if (x.sheet in (None, stem)) else f"{name}[{x.sheet}]"
    if x.row:
        loc += f" 第{x.row}行"
    if x.column:
        loc += f" {x.column}列"
    if x.header:
        loc += f"（{x.header}）"
    return loc


STATUS_STYLE = {"pass": "green", "fail": "bold red", "amber": "yellow", "n/a": "dim", "partial": "magenta"}


def _pct(x) -> str:
    return "—" if x is None else f"{x:.1%}"


def audit_table(report) -> None:
    """One small table per rule: the clerk reads a rule at a time, and 80 columns stay legible."""
    out.print(f"[bold]{report.plan_title}[/bold]\n核查范围：{divisions.full_name(report.scope)}（{report.scope}）"
              f"  截至 {report.as_of}\n")
    by_rule: dict[str, list] = {}
    for r in report.results:
        by_rule.setdefault(r.rule, []).append(r)
    for rule, rs in by_rule.items():
        notes = {r.note for r in rs}
        shared = rs[0].note if len(notes) == 1 else None
        t = Table(title=f"{rs[0].clause} {rs[0].title}（规则编号 {rule}）", title_justify="left",
                  caption=shared or None, caption_justify="left")
        t.add_column("范围", overflow="fold")
        t.add_column("行业/口径", overflow="fold")
        t.add_column("年度", justify="right")
        t.add_column("分子/分母", justify="right")
        t.add_column("比例", justify="right")
        t.add_column("目标", justify="right")
        t.add_column("状态")
        t.add_column("缺项", justify="right")
        if shared is None:
            t.add_column("说明", overflow="fold", max_width=36)
        from zjsafety.reports.data import ratio_target  # with the rule engine: not at every start-up
        for r in rs:
            label, style = r.status_label(), STATUS_STYLE.get(r.status, "")
            frac = "—" if r.denominator is None else f"{_num(r.numerator)}/{_num(r.denominator)}"
            label_col = f"{labels.level(r.level)}·{r.sector}" if r.level and r.sector else (r.sector or labels.level(r.level))
            cells = [divisions.full_name(r.scope), label_col, str(r.year or ""), frac, *ratio_target(r),
                     f"[{style}]{label}[/{style}]", str(r.missing_total or "")]
            if shared is None:
                cells.append(r.note or "")
            t.add_row(*cells)
        out.print(t)
    counts = Counter(r.status for r in report.results)
    out.print("，".join(f"{labels.status(k)} {counts[k]}" for k in ("pass", "fail", "amber", "n/a", "partial")
                       if k != "partial" or counts[k]) +
              f"。查看缺项：zjsafety audit explain 规则编号 --scope {report.scope}")
    if counts["partial"]:
        out.print("[magenta]数据不全[/magenta]：有县（市、区）未报送该项数据，汇总数只反映已报送的县，因此不判定是否达标。"
                  "audit explain 列出未报送的县；确需按已报送的数据判定时加 --allow-partial。")


def _num(x) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


def explain_table(title: str, items: list[dict], coverage: dict | None = None, cap: int = 200) -> None:
    if coverage and coverage["expected"] > 1:
        out.print(f"{coverage['text'].split('（缺')[0]}。" + (
            f"[magenta]未报送该项数据的县（市、区）（{len(coverage['missing'])}）[/magenta]："
            + "、".join(coverage["missing_names"]) if coverage["missing"] else "各县（市、区）均已报送。"))
    if not items:
        out.print(f"{title}：没有未达标的对象。")
        return
    t = Table(title=f"{title}：未达标的对象（{len(items)}）")
    for col in ("县（市、区）", "行业领域", "编号/代码", "名称/描述", "来源文件", "行"):
        t.add_column(col, overflow="fold")
    for it in items[:cap]:
        t.add_row(divisions.full_name(it.get("county") or ""), it.get("sector") or "", str(it.get("item") or ""),
                  str(it.get("label") or ""), str(it.get("file") or ""), str(it.get("row") or ""))
    out.print(t)
    if len(items) > cap:
        out.print(f"[dim]另有 {len(items) - cap} 项未显示，用 --json 查看全部。[/dim]")


def sample_table(d: dict, cap: int = 200) -> None:
    out.print(f"[bold]抽取编号 {d['id']}[/bold]：{divisions.full_name(d['scope'])} {d['year']}年"
              f"{labels.level(d['level'])}督查，种子“{d['seed']}”" + (f"（按抽查计划 {d['plan_id']}）" if d.get("plan_id") else ""))
    out.print(f"名录 {d['frame_size']} 家（指纹 {d['frame_sha256'][:16]}…），配额 {d['quota']}，本年已覆盖 "
              f"{d['covered']}，本批应抽 {d['remaining']}：重点企业 {d['must']} 家，随机 {d['random']} 家")
    if d["overflow"]:
        out.print(f"[yellow]重点企业 {d['overflow']} 家超出本次配额，已全部列入。[/yellow]")
    if d["shortfall"]:
        out.print(f"[yellow]可抽企业不足，少抽 {d['shortfall']} 家。[/yellow]")
    t = Table()
    for col in ("序号", "企业名称", "信用代码", "层（行业|乡镇）", "入选原因", "入选概率", "检查人员"):
        t.add_column(col, overflow="fold")
    for n, s in enumerate(d["selected"][:cap], 1):
        t.add_row(str(n), s["name"] or "", s["uscc"] or s["key"], s["stratum"], labels.reason(s["reason"]),
                  s.get("probability") or "按权重", "、".join(i["name"] or i["badge"] for i in s.get("inspectors", [])))
    out.print(t)
    if d["spares"]:
        out.print("备选：" + "、".join(s["name"] or s["key"] for s in d["spares"]))
    out.print(f"记录哈希 {d['hash']}\n前一条哈希 {d['previous_hash'] or '（无）'}\n复核：zjsafety sample verify {d['id']}")


def draws_table(rows: list[dict]) -> None:
    if not rows:
        out.print("还没有抽取记录。")
        return
    t = Table(title="抽查计划和抽取记录", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))
    for col in ("编号", "类别", "批次", "种子", "名录", "配额", "抽中", "已查", "时间（北京）", "说明"):
        wraps = col in ("批次", "种子", "说明")  # the rest are short: kept on one line
        t.add_column(col, overflow="fold", no_wrap=not wraps, ratio=(3 if col == "说明" else 2) if wraps else None)
    for r in rows:
        note = []
        if r["supersedes"]:
            note.append(f"重新抽取（替代 {r['supersedes']}）：{r['reason']}")
        if r["superseded"]:
            note.append("已被重新抽取替代")
        if r["kind"] == "plan":
            note.append("种子承诺 " + (r["commitment"] or "")[:19] + "…")  # in full: the plan's notice
        scope = divisions.get(r["scope"])
        batch = f"{r['year']} {scope.name if scope else r['scope']} {labels.level(r['level'])}"
        t.add_row(str(r["id"]), "计划" if r["kind"] == "plan" else "抽取", batch, r["seed"] or "（待公布）",
                  str(r["frame_size"]), str(r["quota"]), str(r["selected"]), str(r["inspected"]),
                  beijing(r["created_at"]), "；".join(note))
    out.print(t)


def matches_table(hits: list[dict]) -> None:
    t = Table(title="找到的企业")
    for col in ("企业名称", "统一社会信用代码", "县（市、区）", "乡镇（街道）", "行业领域", "状态"):
        t.add_column(col, overflow="fold")
    for h in hits:
        t.add_row(h["name"], h["uscc"] or h["natural_key"], h["county_name"] or "", h["township"] or "",
                  h["sectors"] or "", h["status"] or "")
    out.print(t)


_DOSSIER = (  # (part, title, columns: (key, header))
    ("hazards", "隐患", (("hazard_no", "编号"), ("found_on", "发现日期"), ("description", "描述"), ("is_major", "重大"),
                         ("status", "整改情况"), ("deadline", "整改期限"), ("listed", "挂牌督办"), ("file", "来源"),
                         ("row", "行"))),
    ("screenings", "排查", (("screened_on", "排查日期"), ("sector", "行业领域"), ("major_hazard_campaign", "重大隐患专项"),
                            ("hazards_found", "发现隐患"), ("file", "来源"), ("row", "行"))),
    ("inspections", "督查", (("inspected_on", "督查日期"), ("level", "层级"), ("department", "部门"), ("result", "结果"),
                             ("file", "来源"), ("row", "行"))),
    ("draws", "“双随机”抽查", (("id", "抽取编号"), ("year", "年度"), ("level", "层级"), ("seed", "种子"),
                              ("reason", "入选原因"), ("superseded", "已被重新抽取替代"))),
    ("penalties", "行政处罚", (("case_no", "文号"), ("decided_on", "处罚日期"), ("accident_related", "事故处罚"),
                               ("amount", "金额（元）"), ("violation", "违法行为"), ("file", "来源"), ("row", "行"))),
    ("risks", "重大风险/危险源", (("risk_no", "编号"), ("risk_name", "名称"), ("registered", "已登记"), ("grid", "网格"),
                                  ("file", "来源"), ("row", "行"))),
)
_YES_NO = {"is_major", "listed", "major_hazard_campaign", "accident_related", "registered", "superseded"}


def _cell(key: str, value) -> str:
    if key in _YES_NO:
        return labels.yes_no(value)
    if key == "level":
        return labels.level(value)
    if key == "reason" and value:
        return labels.reason(value)
    return "" if value is None else str(value)


def dossier_view(d: dict) -> None:
    """One enterprise's file: basic information, then one table per kind of record."""
    e = d["enterprise"]
    out.print(f"\n[bold]{e['name']}[/bold]  {e['uscc'] or e['natural_key']}")
    out.print(f"{e['county_name'] or '—'} {e['township'] or ''}｜行业领域：{e['sectors'] or '—'}｜"
              f"规上：{labels.yes_no(e['above_scale']) or '—'}｜状态：{e['status'] or '—'}"
              + (f"（{e['closed_on']} 关闭）" if e["closed_on"] else ""))
    out.print("来源台账：" + ("；".join(f"{x['file']}（{labels.kind(x['kind'])}，{beijing(x['imported_at'])} 导入）"
                                   for x in d["ledgers"]) or "—"))
    for part, title, cols in _DOSSIER:
        rows = d[part]
        if not rows:
            out.print(f"{title}：无")
            continue
        t = Table(title=f"{title}（{len(rows)}）", title_justify="left")
        for _, head in cols:
            t.add_column(head, overflow="fold")
        for r in rows:
            t.add_row(*(_cell(k, r.get(k)) for k, _ in cols))
        out.print(t)
