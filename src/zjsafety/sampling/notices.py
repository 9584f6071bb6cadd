"""The papers of a draw: the task list (xlsx) for the office, and for the public the notices
(docx, official layout, personal data masked): 抽查计划公告 for a plan; 抽查任务公告 and
抽查结果公告 for a draw; and the 抽查过程记录 with signature lines for the witnesses. Every
notice prints the entry's hash and the one before it, so a published notice anchors the log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from openpyxl.styles import Font

from zjsafety.core import divisions, labels
from zjsafety.core.labels import cn_date
from zjsafety.core.clock import beijing
from zjsafety.core.document import Official
from zjsafety.core.masking import mask
from zjsafety.core.paths import Staged, check_folder, check_output
from zjsafety.core.workbook import add_sheet, new_workbook, save
from zjsafety.sampling.export import result_rows
from zjsafety.store import sample_sql

Writer = Callable[[Path], object]


def _head(d) -> str:
    return "".join(_head_parts(d))


def _head_parts(d) -> list[str]:
    """The title in words, for breaking lines between them."""
    r = d.row
    return [divisions.full_name(r["scope"]), f"{r['year']}年度", "安全生产", f"{labels.level(r['level'])}督查",
            "“双随机”抽查"]


def _pack(d) -> dict | None:
    """The rule pack in force on the draw's as-of date (None between plans)."""
    from zjsafety.core.errors import UsageError
    from zjsafety.rules.pack import load_pack
    try:
        return load_pack(None, date.fromisoformat(d.params["as_of"]))
    except UsageError:
        return None


def _basis(d) -> str:
    """What the quota rests on: the plan in force and its clause on inspection quotas."""
    from zjsafety.rules.pack import rule_of_type
    pack = _pack(d)
    if pack is None:
        return "按“双随机、一公开”监管的要求"
    quota = rule_of_type(pack, "supervision_quota")
    if quota is None:
        return f"依据《{pack['title']}》，按“双随机、一公开”监管的要求"
    clause = quota.p.clause.replace("(", "（").replace(")", "）")
    return f"根据《{pack['title']}》{clause}关于{labels.level(d.row['level'])}督查企业比例的要求"


def _cn_time(stamp: str) -> str:
    """2019-01-15 09:30:05 (Beijing time) -> 2019年1月15日 09:30:05（北京时间）."""
    day, _, clock = stamp.partition(" ")
    return f"{cn_date(day)} {clock}（北京时间）"


def _checks(d) -> list[tuple[str, str]]:
    """核验信息: what anyone can recompute and compare, each value whole."""
    r = d.row
    out = [("名录指纹（SHA-256）", r["frame_sha256"])]
    c = r.get("commitment")
    if c and c.startswith("sha256:"):
        out.append(("种子承诺（种子的 SHA-256）", c[7:]))
    out += [("本记录哈希（SHA-256）", r["hash"]), ("前一条记录哈希", r["previous_hash"] or "（无，这是第一条）")]
    return out


def _commitment_text(c: str | None) -> str:
    if not c:
        return "未事先承诺种子（抽取时给出）"
    if c.startswith("sha256:"):
        return f"种子的 SHA-256 为 {c[7:]}（抽取时公布种子，任何人可核对）"
    _, day, what = c.split(":", 2)
    return f"种子取 {day} 公布的“{what}”"


def _commitment_public(c: str | None) -> str:
    """The commitment in words for the public; its digest goes to the 核验信息 block."""
    if not c:
        return "种子未事先承诺，抽取时公布。"
    if c.startswith("sha256:"):
        return "种子已事先以其 SHA-256 值承诺（见文末核验信息），抽取时公布种子，任何人可核对。"
    _, day, what = c.split(":", 2)
    return f"种子取{cn_date(day)}公布的“{what}”。"


def _quota_lines(d) -> list[str]:
    r, p = d.row, d.params
    lines = [f"抽查名录：{r['frame_size']} 家企业（名录指纹 SHA-256：{r['frame_sha256']}）",
             f"抽查比例 {p['rate']}：应督查 ⌈{p['rate']} × {r['frame_size']}⌉ = {r['quota']} 家"]
    if r["kind"] == "draw":
        lines += [_batch_line(d)]
    return lines


def _batch_line(d) -> str:
    res = d.result
    return (f"本年已覆盖 {res['covered']} 家（已督查或此前批次已抽中），本批应抽 {res['remaining']} 家："
            f"重点企业 {res['must']} 家直接列入，随机抽取 {res['random']} 家"
            + (f"（重点企业超出配额 {res['overflow']} 家，已全部列入）" if res["overflow"] else "")
            + (f"（可抽企业不足，少抽 {res['shortfall']} 家）" if res["shortfall"] else ""))


def _quota_public(d) -> list[str]:
    """The quota as the public reads it: 应督查 24 家（78 家的 30%，向上取整）."""
    r, p = d.row, d.params
    pct = f"{float(p['rate']) * 100:g}%"
    lines = [f"抽查名录共 {r['frame_size']} 家企业，应督查 {r['quota']} 家（{r['frame_size']} 家的 {pct}，向上取整）。"]
    if r["kind"] == "draw":
        lines.append(_batch_line(d) + "。")
    return lines


# 序号, 企业名称, 统一社会信用代码, 行业领域|乡镇, 入选方式, 检查人员: 156 mm, the width of the text block
_WIDTHS = [8, 33, 44, 22, 28, 21]


def _public_rows(d, *, probability: bool = False) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """The drawn enterprises for a paper: names of inspectors in the table, their badges in a
    list of their own (so that no column has to hold both); the USCC column wide enough for
    18 characters."""
    info = {f["key"]: f for f in d.frame}
    roster = {i["badge"]: i for i in d.params.get("roster", [])}
    rows, seen = [], {}
    for n, s in enumerate(d.result.get("selected", []), 1):
        f = info[s["key"]]
        badges = d.result.get("assignments", {}).get(s["key"], [])
        for b in badges:
            seen.setdefault(b, roster.get(b, {}).get("name") or "")
        why = labels.reason(s["reason"])
        if probability and s.get("probability") and s["reason"] == "random":
            why += f"（概率 {s['probability']}）"
        rows.append([str(n), mask(str(f.get("name") or "")), f.get("uscc") or f["key"],
                     s["stratum"].replace("|", " "), why,
                     "、".join(roster.get(b, {}).get("name") or b for b in badges)])
    head = ["序号", "企业名称", "统一社会信用代码", "行业、乡镇", "入选方式", "检查人员"]
    people = [[name, badge] for badge, name in sorted(seen.items(), key=lambda x: x[1])]
    return head, rows, people


def task_xlsx(conn, d) -> Writer:
    """抽查任务清单: the drawn enterprises with their inspectors, the spares, and the draw's facts."""
    def write(path: Path) -> None:
        wb = new_workbook()
        head, rows = result_rows(d)
        ws = add_sheet(wb, "抽查任务", head_row=2, head=head + ["检查结果"], widths=[6, 34, 22, 24, 30, 10, 30, 20])
        ws.ws.cell(row=1, column=1, value=f"{_head(d)}任务清单（种子：{d.row['seed']}）").font = Font(bold=True, size=13)
        for row in rows:
            ws.write(row + [None])
        info = {f["key"]: f for f in d.frame}
        sp = add_sheet(wb, "备选企业", head=["顺序", "企业名称", "统一社会信用代码", "层（行业|乡镇）"], widths=[6, 34, 22, 30])
        for n, s in enumerate(d.result["spares"], 1):
            f = info[s["key"]]
            sp.write([n, f.get("name"), f.get("uscc") or f["key"], s["stratum"]])
        meta = add_sheet(wb, "抽取信息", widths=[22, 90], landscape=False)
        r = d.row
        for k, v in (("抽取编号", r["id"]), ("层级", labels.level(r["level"])), ("范围", divisions.full_name(r["scope"])),
                     ("年度", r["year"]), ("种子", r["seed"]), ("种子承诺", _commitment_text(r.get("commitment"))),
                     *[(f"配额{i + 1}", line) for i, line in enumerate(_quota_lines(d))],
                     ("算法", d.params["algorithm"]), ("抽取时间（北京时间）", beijing(r["created_at"])),
                     ("记录哈希", r["hash"]), ("前一条记录哈希", r["previous_hash"] or "")):
            meta.write([k, "" if v is None else str(v)])
        save(wb, path)
    return write


def _close(doc: Official, d, path: Path) -> None:
    """A notice's end: who issues it and when, then what anyone can check, kept whole."""
    doc.para("复核方法：任何人可按公开的抽取算法，用公布的种子和名录重算本次结果，并核对下列指纹和记录哈希。")
    doc.verification("核验信息", _checks(d))
    doc.signature(f"{divisions.full_name(d.row['scope'])}安全生产委员会办公室", _day(d))
    doc.save(path)


def plan_notice(d) -> Writer:
    def write(path: Path) -> None:
        doc = Official(_head_parts(d) + ["计划公告"])
        doc.para(f"{_basis(d)}，现将{d.row['year']}年度督查抽查计划公告如下。")
        for line in _quota_public(d) + [_commitment_public(d.row["commitment"]),
                                        "抽取按公开的算法进行，名录可依申请查阅。",
                                        "有未整改重大隐患、挂牌督办、反复性隐患或重大危险源的企业作为重点企业直接列入。"]:
            doc.para(line)
        _close(doc, d, path)
    return write


def _people(doc: Official, people: list[list[str]]) -> None:
    if people:
        doc.para("检查人员及执法证号：" + "；".join(f"{n}（{b}）" for n, b in people) + "。")


def task_notice(d) -> Writer:
    def write(path: Path) -> None:
        doc = Official(_head_parts(d) + ["任务公告"])
        doc.para(f"本批抽查用公开的算法，由种子“{d.row['seed']}”和公布的名录抽取，结果如下，任何人可复算核对。")
        for line in _quota_public(d) + [_commitment_public(d.row.get("commitment"))]:
            doc.para(line)
        head, rows, people = _public_rows(d)
        doc.table(head, rows, size=9, widths=_WIDTHS)
        _people(doc, people)
        _close(doc, d, path)
    return write


def result_notice(conn, d) -> Writer:
    def write(path: Path) -> None:
        doc = Official(_head_parts(d) + ["结果公告"])
        keys = [s["key"] for s in d.result["selected"]]
        done = sample_sql.results_for(conn, keys, d.row["level"], d.params["as_of"])
        doc.para(f"本批抽查企业 {len(keys)} 家，已录入检查结果 {sum(1 for k in keys if k in done)} 家。")
        info = {f["key"]: f for f in d.frame}
        rows = []
        for k in keys:
            for r in done.get(k) or [None]:
                rows.append([mask(str(info[k].get("name") or k)), info[k].get("uscc") or k,
                             cn_date(r["inspected_on"]) if r and r["inspected_on"] else "尚未检查",
                             mask(str((r or {}).get("result") or "")), str((r or {}).get("hazards_found") or "")])
        doc.table(["企业名称", "统一社会信用代码", "检查日期", "检查结果", "发现隐患"], rows, size=9,
                  widths=[40, 44, 26, 30, 16])
        _close(doc, d, path)
    return write


def record(d) -> Writer:
    """抽查过程记录: everything needed to recompute and attest the draw, with signature lines."""
    def write(path: Path) -> None:
        r, p = d.row, d.params
        pack = _pack(d)
        doc = Official(_head_parts(d) + ["过程记录"])
        doc.table(["事项", "内容"], [
            ["抽取编号", f"第 {r['id']} 号"], ["范围", f"{divisions.full_name(r['scope'])}（{r['scope']}）"],
            ["层级、年度", f"{labels.level(r['level'])}，{r['year']}年"], ["截至日期", cn_date(p["as_of"])],
            ["依据", f"《{pack['title']}》" if pack else "“双随机、一公开”监管"],
            ["名录", f"{r['frame_size']} 家企业（指纹见核验信息）"],
            ["种子承诺", _commitment_public(r.get("commitment"))], ["种子", r["seed"]],
            ["抽取算法", p["algorithm"]], ["抽取时间", _cn_time(beijing(r["created_at"], seconds=True))],
            *[["配额", line] for line in _quota_public(d)],
            *([["重新抽取", f"替代第 {r['supersedes']} 号，原因：{r['reason']}"]] if r.get("supersedes") else []),
            *([["找不到的回避企业", "；".join(f"{u['badge']} {u['name']}：{u['entry']}" for u in p["unknown_conflicts"])
                + "（在数据库中找不到，不起回避作用；经确认仍抽取）"]] if p.get("unknown_conflicts") else [])],
            size=10.5, widths=[36, 120])
        head, rows, people = _public_rows(d, probability=True)
        doc.heading("抽取结果")
        doc.table(head, rows, size=9, widths=_WIDTHS)
        _people(doc, people)
        doc.verification("核验信息", _checks(d))
        doc.heading("现场人员签字")
        signers = ("抽取操作人", "监督人", "见证人", "见证人")
        for i, who in enumerate(signers):
            para = doc.para(f"{who}：____________________    日期：__________", indent=False)
            para.paragraph_format.keep_with_next = i < len(signers) - 1
        doc.save(path)
    return write


def _day(d) -> date:
    return date.fromisoformat(beijing(d.row["created_at"])[:10])


def targets(conn, d, *, xlsx: Path | None = None, notice_dir: Path | None = None,
            record_path: Path | None = None) -> list[tuple[Path, Writer]]:
    """The papers asked for, as (final path, writer)."""
    out: list[tuple[Path, Writer]] = []
    if xlsx:
        out.append((Path(xlsx), task_xlsx(conn, d)))
    tag = f"{d.row['year']}_{labels.level(d.row['level'])}_第{d.row['id']}号"
    if notice_dir:
        folder = check_folder(notice_dir, what="公告文件夹")
        if d.row["kind"] == "plan":
            out.append((folder / f"抽查计划公告_{tag}.docx", plan_notice(d)))
        else:
            out += [(folder / f"抽查任务公告_{tag}.docx", task_notice(d)),
                    (folder / f"抽查结果公告_{tag}.docx", result_notice(conn, d)),
                    (folder / f"抽查过程记录_{tag}.docx", record(d))]
    if record_path and d.row["kind"] == "draw":
        out.append((Path(record_path), record(d)))
    return out


def check_targets(xlsx: Path | None, notice_dir: Path | None, record_path: Path | None, reads=()) -> None:
    """Before anything is drawn: every path the papers will take can be written."""
    if xlsx:
        check_output(xlsx, reads=reads, what="任务清单")
    if record_path:
        check_output(record_path, reads=reads, what="过程记录")
    if notice_dir:
        check_folder(notice_dir, what="公告文件夹")


def stage(conn, d, **paths) -> list[Staged]:
    """Write the papers to temporary files beside their final names (renamed by the caller)."""
    staged: list[Staged] = []
    try:
        for final, write in targets(conn, d, **paths):
            s = Staged(final)
            staged.append(s)
            write(s.tmp)
    except BaseException:
        for s in staged:
            s.discard()
        raise
    return staged


def write_papers(conn, d, **paths) -> list[Path]:
    """The papers of a stored draw, written now (`sample export`)."""
    return [s.publish() for s in stage(conn, d, **paths)]
