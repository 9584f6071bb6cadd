"""Documents of a draw: the task list (xlsx) and the three public notices (docx):
抽查计划公告, 抽查任务公告, 抽查结果公告. Public documents mask phone and ID numbers."""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Font

from zjsafety.core import divisions, labels
from zjsafety.core.masking import mask
from zjsafety.core.paths import atomic_path, check_folder
from zjsafety.core.clock import beijing
from zjsafety.core.workbook import add_sheet, new_workbook, save
from zjsafety.store import sample_sql

LEVEL_LABEL = labels.LEVEL



def _reason_label(reason: str) -> str:
    return labels.reason(reason)


def _rows(draw):
    info = {f["key"]: f for f in draw.frame}
    roster = {i["badge"]: i for i in draw.params.get("roster", [])}
    for n, s in enumerate(draw.result["selected"], 1):
        f = info[s["key"]]
        insp = [roster.get(b, {"badge": b}) for b in draw.result.get("assignments", {}).get(s["key"], [])]
        yield n, f, s, insp


def write_task_xlsx(conn, draw, path: Path) -> Path:
    """抽查任务清单: the drawn enterprises with their inspectors, the spares, and the draw's facts."""
    wb = new_workbook()
    title = (f"{divisions.full_name(draw.row['scope'])} {draw.row['year']}年{labels.level(draw.row['level'])}督查抽查任务"
             f"（种子：{draw.row['seed']}）")
    ws = add_sheet(wb, "抽查任务", head_row=2, widths=[6, 34, 22, 14, 20, 30, 16, 28, 20],
                   head=["序号", "企业名称", "统一社会信用代码", "乡镇（街道）", "行业领域", "入选原因", "检查人员", "执法证号",
                         "检查结果"])
    ws.ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    for n, f, s, insp in _rows(draw):
        ws.write([n, f.get("name"), f.get("uscc") or f["key"], f.get("township"), "、".join(f.get("sectors") or []),
                  labels.reason(s["reason"]), "、".join(i.get("name") or "" for i in insp),
                  "、".join(i["badge"] for i in insp), None])
    sp = add_sheet(wb, "备选企业", head=["顺序", "企业名称", "统一社会信用代码", "层（行业|乡镇）"], widths=[6, 34, 22, 30])
    info = {f["key"]: f for f in draw.frame}
    for n, s in enumerate(draw.result["spares"], 1):
        f = info[s["key"]]
        sp.write([n, f.get("name"), f.get("uscc") or f["key"], s["stratum"]])
    meta = add_sheet(wb, "抽取信息", widths=[20, 70], landscape=False)
    for k, v in (("抽取编号", draw.id), ("层级", labels.level(draw.row["level"])), ("范围", draw.row["scope"]),
                 ("年度", draw.row["year"]), ("种子", draw.row["seed"]), ("名录企业数", draw.row["frame_size"]),
                 ("名录指纹 SHA-256", draw.row["frame_sha256"]), ("配额", draw.row["quota"]),
                 ("本年已覆盖", draw.params["covered"]), ("本次应抽", draw.params["remaining"]),
                 ("记录哈希", draw.row["hash"]), ("前序哈希", draw.row["previous_hash"]),
                 ("算法", draw.params["algorithm"]), ("抽取时间（北京时间）", beijing(draw.row["created_at"]))):
        meta.write([k, "" if v is None else str(v)])
    return save(wb, path)


def write_notices(conn, draw, folder: Path) -> list[Path]:
    """抽查计划公告, 抽查任务公告 and 抽查结果公告 as Word documents, personal data masked."""
    from docx import Document
    check_folder(folder)
    place = divisions.full_name(draw.row["scope"])
    lvl = LEVEL_LABEL[draw.row["level"]]
    year = draw.row["year"]
    head = f"{place}{year}年度安全生产{lvl}督查“双随机”抽查"
    paths = []

    doc = Document()
    doc.add_heading(f"{head}计划公告", level=1)
    doc.add_paragraph(
        f"根据《浙江省安全生产综合治理三年行动计划》四(二)2 关于{lvl}督查企业不少于辖区企业总量"
        f"{draw.params['rate']:.0%} 的要求，现将{year}年度{lvl}督查抽查计划公告如下：")
    for line in (f"抽查对象名录：{draw.row['frame_size']} 家企业（名录指纹 SHA-256：{draw.row['frame_sha256']}）",
                 f"抽查比例：{draw.params['rate']:.0%}，全年应督查 {draw.row['quota']} 家，此前已覆盖 {draw.params['covered']} 家",
                 f"随机种子：{draw.row['seed']}；抽取方法：{draw.params['algorithm']}（公开算法，任何人可用种子和名录复算）",
                 "有未整改重大隐患、挂牌督办、反复性隐患或重大危险源的企业作为重点企业直接列入。"):
        doc.add_paragraph(line, style="List Bullet")
    p = folder / f"抽查计划公告_{year}_{labels.level(draw.row['level'])}_第{draw.id}号.docx"
    _save_doc(doc, p)
    paths.append(p)

    doc = Document()
    doc.add_heading(f"{head}任务公告", level=1)
    t = doc.add_table(rows=1, cols=5)
    t.style = "Table Grid"
    for c, h in zip(t.rows[0].cells, ("序号", "企业名称", "统一社会信用代码", "入选原因", "检查人员")):
        c.text = h
    for n, f, s, insp in _rows(draw):
        cells = t.add_row().cells
        for c, v in zip(cells, (str(n), f.get("name") or "", f.get("uscc") or f["key"], _reason_label(s["reason"]),
                                "、".join(f"{i.get('name') or ''}（{i['badge']}）" for i in insp))):
            c.text = str(mask(v))
    p = folder / f"抽查任务公告_{year}_{labels.level(draw.row['level'])}_第{draw.id}号.docx"
    _save_doc(doc, p)
    paths.append(p)

    doc = Document()
    doc.add_heading(f"{head}结果公告", level=1)
    keys = [s["key"] for s in draw.result["selected"]]
    done = sample_sql.results_for(conn, keys, draw.row["level"], draw.params["as_of"])
    doc.add_paragraph(f"本批抽查企业 {len(keys)} 家，已录入检查结果 {sum(1 for k in keys if k in done)} 家。")
    t = doc.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for c, h in zip(t.rows[0].cells, ("企业名称", "检查日期", "检查结果", "发现隐患")):
        c.text = h
    info = {f["key"]: f for f in draw.frame}
    for k in keys:
        recs = done.get(k) or [None]
        for r in recs:
            cells = t.add_row().cells
            vals = (info[k].get("name") or k, r["inspected_on"] if r else "尚未检查", (r or {}).get("result") or "",
                    str((r or {}).get("hazards_found") or ""))
            for c, v in zip(cells, vals):
                c.text = str(mask(v))
    p = folder / f"抽查结果公告_{year}_{labels.level(draw.row['level'])}_第{draw.id}号.docx"
    _save_doc(doc, p)
    paths.append(p)
    return paths


def _save_doc(doc, path: Path) -> None:
    with atomic_path(path) as tmp:
        doc.save(tmp)
