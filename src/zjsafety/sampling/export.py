"""A draw's frame and result as files for the public, and a published frame read back.

名录.jsonl is the frame exactly as fingerprinted (its SHA-256 is the fingerprint); 名录.csv and
名录.xlsx carry the same entries for people, and read back to the same fingerprint."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from zjsafety.core import labels
from zjsafety.core.errors import UnreadableInput
from zjsafety.core.paths import write_bytes
from zjsafety.core.workbook import add_sheet, csv_safe, csv_unsafe, new_workbook, save
from zjsafety.sampling.algorithm import frame_lines
from zjsafety.store import sample_sql

# (key in the frame, header, how a cell reads back: text / none / list of 、/ list of + / int)
COLUMNS = [("key", "代码", "text"), ("uscc", "统一社会信用代码", "none"), ("name", "企业名称", "none"),
           ("county", "县（市、区）代码", "none"), ("township", "乡镇（街道）", "text"), ("sectors", "行业领域", "list"),
           ("stratum", "层（行业|乡镇）", "text"), ("must", "重点原因", "plus"), ("covered", "本年已覆盖", "none"),
           ("excluded", "排除", "none"), ("weight", "权重", "int")]


def _cell(f: dict, key: str, kind: str) -> str:
    v = f.get(key)
    if kind == "list":
        return "、".join(v or [])
    if kind == "plus":
        return "+".join(v or [])
    return "" if v is None else str(v)


def frame_rows(frame: list[dict]) -> tuple[list[str], list[list[str]]]:
    cols = [c for c in COLUMNS if c[0] != "weight" or any("weight" in f for f in frame)]
    entries = sorted(frame, key=lambda f: f["key"])
    return [h for _, h, _ in cols], [[_cell(f, k, kind) for k, _, kind in cols] for f in entries]


def write_frame(frame: list[dict], folder: Path, stem: str = "名录") -> list[Path]:
    head, rows = frame_rows(frame)
    jsonl = write_bytes(folder / f"{stem}.jsonl", frame_lines(frame).encode("utf-8"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    w.writerows([[csv_safe(c) for c in row] for row in rows])  # a published CSV never carries a live formula
    csv_path = write_bytes(folder / f"{stem}.csv", buf.getvalue().encode("utf-8-sig"))
    wb = new_workbook()
    sh = add_sheet(wb, "抽查名录", head=head, widths=[22, 22, 34, 12, 14, 20, 24, 30, 10, 10, 6])
    for row in rows:
        sh.write(row)
    return [jsonl, csv_path, save(wb, folder / f"{stem}.xlsx")]


def write_entry(row: dict, folder: Path, stem: str) -> list[Path]:
    """The draw's log entry as stored (every column: parameters with the roster — badges, names,
    townships, certified sectors, 回避 entries, never ID or phone numbers —, the previous draw's
    assignments, the frame, the result, the hashes): with it anyone recomputes the draw and its
    hash without the database. And the parameters alone, laid out for people to read."""
    from zjsafety.sampling.algorithm import canonical  # (the module's own import is frame_lines only)
    entry = {c: row[c] for c in sample_sql.COLUMNS}
    params = json.loads(row["params_json"])
    return [write_bytes(folder / f"{stem}.json", canonical(entry).encode("utf-8")),
            write_bytes(folder / f"{stem.replace('抽取记录', '抽取参数')}.json",
                        json.dumps(params, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"))]


def read_entry(folder: Path, draw_id: int) -> dict:
    """The log entry of draw `draw_id` from an exported folder."""
    for p in sorted(Path(folder).glob("抽取记录_*.json")):
        try:
            entry = json.loads(p.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise UnreadableInput(f"“{p.name}”不是 zjsafety 导出的抽取记录（JSON 无法读取）。") from None
        if isinstance(entry, dict) and entry.get("id") == draw_id:
            return entry
    raise UnreadableInput(f"文件夹“{folder}”中没有第 {draw_id} 号抽取的记录（抽取记录_….json）：请先 zjsafety sample export。")


def read_frame(path: Path) -> list[dict]:
    """A published frame file (.jsonl, .csv or .xlsx) as entries."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableInput(f"找不到名录文件“{path}”。")
    if path.suffix.lower() in (".jsonl", ".json"):
        text = path.read_text(encoding="utf-8-sig")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if path.suffix.lower() == ".csv":
        rows = [[csv_unsafe(c) for c in r] for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))]
    else:
        from openpyxl import load_workbook
        ws = load_workbook(path, read_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    by_header = {h: (k, kind) for k, h, kind in COLUMNS}
    head = rows[0]
    unknown = [h for h in head if h not in by_header]
    if unknown:
        raise UnreadableInput(f"名录文件“{path.name}”的列“{'、'.join(unknown)}”不是抽查名录的列。")
    out = []
    for row in rows[1:]:
        f: dict = {}
        for h, v in zip(head, row):
            k, kind = by_header[h]
            if kind == "list":
                f[k] = [x for x in v.split("、") if x]
            elif kind == "plus":
                f[k] = [x for x in v.split("+") if x]
            elif kind == "int":
                if v != "":
                    f[k] = int(v)
            elif kind == "none":
                f[k] = v or None
            else:
                f[k] = v
        out.append(f)
    return out


def result_rows(d) -> tuple[list[str], list[list]]:
    """The drawn enterprises as published: order, name, USCC, stratum, why, probability, inspectors."""
    info = {f["key"]: f for f in d.frame}
    roster = {i["badge"]: i for i in d.params.get("roster", [])}
    rows = []
    for n, s in enumerate(d.result.get("selected", []), 1):
        f = info[s["key"]]
        badges = d.result.get("assignments", {}).get(s["key"], [])
        rows.append([n, f.get("name"), f.get("uscc") or f["key"], s["stratum"], labels.reason(s["reason"]),
                     s.get("probability") or "按权重", "、".join(f"{roster.get(b, {}).get('name') or ''}（{b}）" for b in badges)])
    return ["序号", "企业名称", "统一社会信用代码", "层（行业|乡镇）", "入选原因", "入选概率", "检查人员（执法证号）"], rows
