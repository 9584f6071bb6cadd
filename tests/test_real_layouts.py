"""Real ledger layouts (tests/fixtures/real/layouts.toml), imported as a clerk would: `zjsafety
import FILE`, no options. Each layout's headers are copied from a public system; its rows are made
up here from the field each column should be read as. The corpus as a whole must be recognised
(kind right, fields mapped, rows accepted) and no layout may be stored as a wrong kind."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from ledgers import NAMES, USCC, xlsx
from zjsafety.demo import _id_number

LAYOUTS = tomllib.loads((Path(__file__).parent / "fixtures" / "real" / "layouts.toml").read_text("utf-8"))["layout"]
TABLES = ["enterprise", "screening", "hazard", "major_hazard_register", "major_risk", "inspection", "penalty",
          "accident_stat", "above_scale_list", "inspector", "plan_task"]
DESCR = ["消防通道堵塞", "配电箱未接地", "安全出口锁闭"]


def value(field: str, header: str, i: int, e: int):
    """A made-up value for row i (naming enterprise e) of a column read as `field`."""
    yes_no = header.startswith(("是否", "有无"))
    made = {
        "name": NAMES[e], "uscc": USCC[e], "org_code": USCC[e][8:17], "reg_no": f"33010600012345{i}",
        "county": "西湖区", "township": ["三墩镇", "蒋村街道", "留下街道"][i], "sector": "工矿商贸",
        "address": f"杭州市西湖区文三路{i + 1}号", "contact": ["张伟", "王芳", "李娜"][i], "phone": f"1380571000{i}",
        "enterprise_status": "在营", "hazard_no": f"YH-{i}", "description": DESCR[i], "found_on": date(2018, 3, 1 + i),
        "hazard_type": "消防", "hazard_level": ["一般", "重大", "一般"][i],
        "rectify_status": (["是", "否", "否"][i] if yes_no else ["已整改", "整改中", "未整改"][i]),
        "deadline": date(2018, 4, 1 + i), "rectified_on": date(2018, 3, 20 + i), "closed_on": date(2018, 3, 25 + i),
        "listed": "是", "listing_level": "市级", "department": "杭州市西湖区应急管理局",
        "case_no": f"杭西应急罚〔2018〕{i + 1}号", "decided_on": date(2018, 5, 1 + i), "violation": "未按规定开展安全生产教育培训",
        "inspected_on": date(2018, 6, 1 + i), "inspection_result": "合格", "inspectors": "王强、李敏",
        "draw_ref": f"SJ2018-{i + 1}", "person_name": ["王强", "李敏", "陈杰"][i],
        "id_no": _id_number(f"33010619800101{i + 1:03d}"), "badge_no": f"ZJ3301{i + 1:05d}", "unit": "西湖区应急管理局",
        "inspector_level": "县级",
    }
    if field:
        return made[field]
    if header == "序号":
        return i + 1
    if yes_no:
        return "是"
    if "日期" in header or "时间" in header:
        return date(2018, 7, 1 + i)
    if "电话" in header or "手机" in header or "联系方式" in header:
        return f"0571-8765432{i}"
    return f"{header[:4]}{i + 1}"


def build(layout: dict, folder: Path) -> Path:
    heads = [h for h, _ in layout["cols"]]
    one = "{enterprise}" in "".join(layout.get("title", []))
    rows = [[value(f, h, i, 0 if one else i) for h, f in layout["cols"]] for i in range(3)]
    title = [t.replace("{enterprise}", NAMES[0]) for t in layout.get("title", [])]
    path = folder / layout["file"]
    wb = Workbook()
    ws = wb.active
    ws.title = Path(layout["file"]).stem[:31]
    for t in title:
        ws.append([t])
    ws.append(heads)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A county's database before the layouts come in: ten enterprises, and numbered hazards
    (YH-0 … YH-2 at the first three) for the lists that follow up hazards (挂牌督办, 治理)."""
    from zjsafety.importers.pipeline import import_files
    from zjsafety.store import connect
    d = tmp_path_factory.mktemp("base")
    ents = xlsx(d / "企业.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                [[NAMES[i], USCC[i], "西湖区", "工矿商贸"] for i in range(10)])
    haz = xlsx(d / "隐患.xlsx", ["隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述", "隐患级别", "整改情况"],
               [[f"YH-{i}", NAMES[e], USCC[e], date(2018, 3, 1 + i), DESCR[i], "一般", "未整改"]
                for e in range(3) for i in range(3)])
    conn = connect(d / "base.db")
    res = import_files(conn, [ents, haz])
    assert res.totals["rejected"] == 0
    conn.close()
    return d / "base.db"


def counts(db: Path) -> dict:
    c = sqlite3.connect(db)
    try:
        return {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        c.close()


@dataclass
class Outcome:
    id: str
    kind_ok: bool
    wrong_kind: bool
    fields: int  # expected fields read as expected
    fields_expected: int
    rows: int
    rows_expected: int
    stored_as: str | None
    note: str


def run(layout: dict, base: Path, folder: Path) -> Outcome:
    from zjsafety.importers.pipeline import import_files
    from zjsafety.store import connect
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "t.db"
    shutil.copy(base, db)
    path = build(layout, folder)
    before = counts(db)
    conn = connect(db)
    try:
        res = import_files(conn, [path])
    finally:
        conn.close()
    after = counts(db)
    grew = {t for t in TABLES if after[t] != before[t]}
    read = [f for f in res.files if f.kind and f.rows]
    stored_as = read[0].kind if read else None
    want = layout["kind"] or None
    changed = sum(f.inserted + f.updated for f in read)
    wrong = bool(read) and stored_as != want and changed > 0
    if want is None:
        return Outcome(layout["id"], not read and not grew, wrong or bool(grew), 0, 0, 0, 0, stored_as,
                       "; ".join(x.message[:80] for f in res.files for x in f.findings[:1]))
    expected = [(h, f) for h, f in layout["cols"] if f]
    fields = 0
    if read:
        by_header: dict[str, list[str]] = {}
        for c in read[0].columns.values():
            by_header.setdefault(c["header"], []).append(c["field"])
        fields = sum(1 for h, f in expected if f in by_header.get(h, []))
    accepted = sum(f.inserted + f.updated + f.unchanged for f in read) if stored_as == want else 0
    errors = [x.message[:90] for f in res.files for x in f.findings if x.severity == "error"][:2]
    return Outcome(layout["id"], stored_as == want, wrong, fields, len(expected), accepted, 3, stored_as,
                   "; ".join(errors))


@pytest.fixture(scope="module")
def outcomes(base, tmp_path_factory) -> list[Outcome]:
    d = tmp_path_factory.mktemp("layouts")
    return [run(layout, base, d / layout["id"]) for layout in LAYOUTS]


def test_the_corpus_is_real_and_varied():
    sources = {lay["source"].split()[0] for lay in LAYOUTS}
    assert len(LAYOUTS) >= 40 and len(sources) >= 8
    assert len({lay["id"] for lay in LAYOUTS}) == len(LAYOUTS)
    readme = (Path(__file__).parent / "fixtures" / "real" / "README.md").read_text("utf-8")
    assert all(s.removeprefix("github:") in readme for s in sources)


def test_no_layout_is_stored_as_a_wrong_kind(outcomes):
    assert [(o.id, o.stored_as) for o in outcomes if o.wrong_kind] == []


def test_the_corpus_is_recognised_as_a_clerk_would_import_it(outcomes):
    kind = sum(o.kind_ok for o in outcomes) / len(outcomes)
    typed = [o for o in outcomes if o.fields_expected]
    fields = sum(o.fields for o in typed) / sum(o.fields_expected for o in typed)
    rows = sum(o.rows for o in typed) / sum(o.rows_expected for o in typed)
    report = "\n".join(f"{o.id:32} kind={'ok' if o.kind_ok else o.stored_as} fields={o.fields}/{o.fields_expected} "
                       f"rows={o.rows}/{o.rows_expected} {o.note}" for o in outcomes)
    print(f"\nkind {kind:.0%}, fields {fields:.0%}, rows {rows:.0%}\n{report}")
    assert kind >= 0.95 and fields >= 0.90 and rows >= 0.85, \
        f"kind {kind:.0%}, fields {fields:.0%}, rows {rows:.0%}\n{report}"
