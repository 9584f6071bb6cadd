"""The narrative report as a Word document in the official layout (core.document), ready to
edit: a 情况报告 in the pack's wording (the same blocks as Markdown and HTML), 附件说明 under
the body, the issuing office and the date, then each attachment on pages of its own (wide
tables on landscape pages)."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core.document import Official
from zjsafety.core.masking import mask
from zjsafety.reports.data import ReportData
from zjsafety.reports.text import blocks, chart_rows


def write_docx(data: ReportData, path: Path, *, public: bool = False) -> None:
    clean = mask if public else (lambda x: x)
    doc = None
    wide = False
    for b in blocks(data):
        kind = b[0]
        if kind == "h1":
            doc = Official(data.title_parts, subtitle=None)
        elif kind == "subtitle":
            doc.para(b[1], indent=False, align="center")
        elif kind == "h2":
            doc.heading(b[1], level=1)
        elif kind == "h3":
            doc.heading(b[1], level=2)
        elif kind == "p":
            doc.para(clean(b[1]))
        elif kind == "attachments":
            doc.attachments(b[1])
        elif kind == "signature":
            doc.signature(data.office, data.written_on)
        elif kind == "appendix":
            doc.attachment(b[1], b[2], landscape=b[3] and not wide)
            wide = wide or b[3]
        elif kind in ("table", "chart"):
            head, rows = (b[1], b[2]) if kind == "table" else chart_rows(b)
            doc.table(head, [[clean(str(c)) for c in row] for row in rows], size=10.5 if len(head) <= 7 else 9)
    doc.save(path)
