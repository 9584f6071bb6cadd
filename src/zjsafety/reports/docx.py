"""The narrative report as a Word document in the official layout (core.document), ready to
edit: the same blocks as Markdown and HTML, wide appendix tables on landscape pages, the
issuing office and the date at the end."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core.document import Official
from zjsafety.core.masking import mask
from zjsafety.reports.data import ReportData
from zjsafety.reports.text import blocks, chart_rows


def write_docx(data: ReportData, path: Path, *, public: bool = False) -> None:
    clean = mask if public else (lambda x: x)
    doc = Official(data.title, subtitle=f"（截至{data.as_of.year}年{data.as_of.month}月{data.as_of.day}日）")
    signed = False
    for b in blocks(data):
        kind = b[0]
        if kind == "h1":
            continue  # the title, above
        if kind == "appendix":
            doc.signature(data.office, data.written_on)
            signed = True
            doc.landscape()
        elif kind == "h2":
            doc.heading(b[1], level=1)
        elif kind == "p":
            doc.para(clean(b[1]))
        elif kind in ("table", "chart"):
            head, rows = (b[1], b[2]) if kind == "table" else chart_rows(b)
            doc.table(head, [[clean(str(c)) for c in row] for row in rows], size=10.5 if len(head) <= 7 else 9)
    if not signed:
        doc.signature(data.office, data.written_on)
    doc.save(path)
