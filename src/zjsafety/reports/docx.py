"""The narrative report as a Word document."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core.masking import mask
from zjsafety.core.paths import atomic_path
from zjsafety.reports.data import ReportData
from zjsafety.reports.text import _chart_rows, blocks


def write_docx(data: ReportData, path: Path, *, public: bool = False) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Pt
    clean = mask if public else (lambda x: x)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for b in blocks(data):
        if b[0] == "h1":
            doc.add_heading(b[1], level=0)
        elif b[0] == "h2":
            doc.add_heading(b[1], level=1)
        elif b[0] == "p":
            doc.add_paragraph(clean(b[1]))
        elif b[0] in ("table", "chart"):
            head, rows = (b[1], b[2]) if b[0] == "table" else _chart_rows(b)
            if len(head) > 7:
                sec = doc.sections[-1]
                sec.orientation = WD_ORIENT.LANDSCAPE
                sec.page_width, sec.page_height = max(sec.page_width, sec.page_height), min(sec.page_width, sec.page_height)
            t = doc.add_table(rows=1, cols=len(head))
            t.style = "Table Grid"
            for c, text in zip(t.rows[0].cells, head):
                c.text = text
            for row in rows:
                cells = t.add_row().cells
                for c, text in zip(cells, row):
                    c.text = str(clean(str(text)))
    with atomic_path(path) as tmp:
        doc.save(tmp)
