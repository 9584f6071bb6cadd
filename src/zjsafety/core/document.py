"""The one way zjsafety writes Word documents: laid out as official documents are
(GB/T 9704-2012 《党政机关公文格式》), so a report or a notice can go up as it is.

A4; margins 37 mm top, 28 mm left, text block 156 × 225 mm; body 3号仿宋 (16 pt) on a fixed 28 pt
line (22 lines a page); title 2号小标宋 (22 pt), centred; first-level headings 黑体, second-level
楷体; page numbers 4号 (14 pt) as "— 1 —", odd pages at the right, even at the left; the issuing
office and the date at the end, with a place for the seal. Each font is named with the one
Word and WPS fall back to where it is missing (方正小标宋简体 -> 宋体, 仿宋_GB2312 -> 仿宋, …), in
the document's font table."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from zjsafety.core.paths import atomic_path
from zjsafety.core.workbook import CONTROL

TITLE, BODY, HEI, KAI, SONG = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
FALLBACK = {TITLE: "宋体", BODY: "仿宋", KAI: "楷体", HEI: "SimHei", SONG: "SimSun"}
LINE = Pt(28)


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _clean(text: object) -> str:
    return CONTROL.sub("", "" if text is None else str(text))


class Official:
    """A document in the official layout, built paragraph by paragraph."""

    def __init__(self, title: str, *, subtitle: str | None = None):
        self.doc = Document()
        self._page(self.doc.sections[0])
        self._numbers()
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY
        normal.font.size = Pt(16)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), BODY)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = LINE
        normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = Pt(36)
        _font(p.add_run(_clean(title)), TITLE, 22)
        if subtitle:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(_clean(subtitle)), KAI, 16)
        self.doc.add_paragraph()

    @staticmethod
    def _page(section, landscape: bool = False) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        w, h = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        section.page_width, section.page_height = w, h
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(21)

    def _numbers(self) -> None:
        """"— 1 —": odd pages at the right, even at the left."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            p = footer.paragraphs[0]
            p.alignment = align
            _font(p.add_run("— "), SONG, 14)
            run = p.add_run()
            _font(run, SONG, 14)
            for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
                if kind:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                else:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = text
                run._r.append(el)
            _font(p.add_run(" —"), SONG, 14)

    def heading(self, text: str, level: int = 1) -> None:
        """一、… in 黑体; （一）… in 楷体; both 3号, without indent."""
        p = self.doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        p.paragraph_format.keep_with_next = True  # never a heading alone at the foot of a page
        _font(p.add_run(_clean(text)), HEI if level == 1 else KAI, 16)

    def para(self, text: str, *, indent: bool = True, bold: bool = False, align: str | None = None) -> None:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        if align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(_clean(text)), BODY, 16, bold)

    def table(self, head: list[str], rows: list[list], *, size: float = 10.5) -> None:
        """A ruled table, header bold and repeated on every page, text one size smaller than body."""
        t = self.doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for c, text in zip(t.rows[0].cells, head):
            c.text = ""
            _font(c.paragraphs[0].add_run(_clean(text)), HEI, size)
        tr_pr = t.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for row in rows:
            cells = t.add_row().cells
            for c, text in zip(cells, row):
                para = c.paragraphs[0]
                para.paragraph_format.line_spacing = Pt(size + 6)
                _font(para.add_run(_clean(text)), BODY, size)
        self.doc.add_paragraph()

    def landscape(self) -> None:
        """What follows on landscape pages (a wide table)."""
        section = self.doc.add_section()
        self._page(section, landscape=True)

    def signature(self, office: str, day: date, *, seal: bool = True) -> None:
        """发文机关署名 and 成文日期 at the end, right-aligned, with the place for the seal."""
        self.doc.add_paragraph()
        self.doc.add_paragraph()
        self.para(office, indent=False, align="right")
        self.para(f"{day.year}年{day.month}月{day.day}日", indent=False, align="right")
        if seal:
            self.para("（印章）", indent=False, align="right")

    def save(self, path: Path) -> Path:
        """Written whole or not at all, with the fallback fonts in its font table."""
        with atomic_path(path) as tmp:
            self.doc.save(tmp)
            _add_fallbacks(tmp)
        return path


def _add_fallbacks(path: Path) -> None:
    """Name, in word/fontTable.xml, the font Word and WPS should use where an official font
    is missing (w:altName), with the Chinese character set."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    table = parts.get("word/fontTable.xml")
    if table is None:
        return
    fonts = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="auto"/>'
        f'<w:pitch w:val="variable"/></w:font>'
        for name, alt in FALLBACK.items() if f'w:name="{name}"'.encode() not in table)
    parts["word/fontTable.xml"] = re.sub(rb"</w:fonts>\s*$", fonts.encode("utf-8") + b"</w:fonts>", table)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
