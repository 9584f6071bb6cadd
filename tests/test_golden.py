"""Golden files for what people read: the demo's audit as --json gives it, the Markdown report,
and the text of a public notice. A change to any of them shows here as a diff to review.

When a change is meant, refresh them and read the diff before committing:

    ZJSAFETY_REFRESH_GOLDEN=1 pytest tests/test_golden.py
    git diff tests/golden/

Times, hashes and today's date are replaced by placeholders first (they differ on every run)."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from zjsafety import reports
from zjsafety.core.clock import beijing_today
from zjsafety.demo import COUNTY, run_demo
from zjsafety.reports.text import markdown
from zjsafety.rules import audit
from zjsafety.store import connect

GOLDEN = Path(__file__).parent / "golden"


def normalise(text: str) -> str:
    text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)
    text = re.sub(r"\b[0-9a-f]{16}…", "<sha256>…", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?(\+00:00|Z)?", "<time>", text)
    text = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}(:\d{2})?", "<time>", text)
    today = beijing_today()
    text = text.replace(f"{today.year}年{today.month}月{today.day}日", "<today>").replace(today.isoformat(), "<today>")
    return text


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    text = normalise(text)
    if os.environ.get("ZJSAFETY_REFRESH_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}: run with ZJSAFETY_REFRESH_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: see the README on refreshing golden files"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("golden")
    run_demo(folder)
    return folder


def test_demo_audit_json(demo):
    conn = connect(demo / "demo.db")
    data = audit.run(conn, COUNTY, date(2018, 12, 31)).to_dict()
    conn.close()
    check("audit_demo_2018.json", json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n")


def test_demo_markdown_report(demo):
    conn = connect(demo / "demo.db")
    text = markdown(reports.build(conn, COUNTY, date(2019, 6, 30), since=date(2018, 12, 31)))
    conn.close()
    check("report_demo_2019h1.md", text)


def test_demo_task_notice_text(demo):
    notice = next((demo / "公告").glob("抽查任务公告_*.docx"))
    doc = Document(notice)
    lines = [p.text for p in doc.paragraphs if p.text.strip()]
    for t in doc.tables:
        lines += [" | ".join(c.text for c in row.cells) for row in t.rows]
    check("notice_task_demo.txt", "\n".join(lines) + "\n")
