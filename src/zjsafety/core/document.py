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
from datetime import date, datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from zjsafety import __version__
from zjsafety.core.paths import atomic_path
from zjsafety.core.labels import cn_date
from zjsafety.core.normalize import CONTROL

TITLE, BODY, HEI, KAI, SONG, MONO = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体", "Courier New"
FALLBACK = {TITLE: "宋体", BODY: "仿宋", KAI: "楷体", HEI: "SimHei", SONG: "SimSun"}
LATIN = "Times New Roman"
LINE = Pt(28)
TITLE_CHARS = 18  # characters of 2号 type on a line of the 156 mm text block, with room to spare


def title_lines(parts: list[str], width: int = TITLE_CHARS) -> list[str]:
    """A title laid out in lines broken between its parts (words), never inside one: the
    parts packed greedily, then balanced so that no line is much shorter than the others
    ("县级督 / 查" is what breaking by width alone gives)."""
    total = sum(len(p) for p in parts)
    if total <= width:
        return ["".join(parts)]
    n = -(-total // width)
    goal = total / n
    lines, cur = [], ""
    for part in parts:
        if cur and (len(cur) + len(part) > width or len(cur) >= goal):
            lines.append(cur)
            cur = ""
        cur += part
    return lines + [cur]


def _keep(paragraph, with_next: bool = True) -> None:
    paragraph.paragraph_format.keep_with_next = with_next
    paragraph.paragraph_format.keep_together = True


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    latin = LATIN if name in (BODY, KAI) else name  # digits and Latin letters as official papers set them
    for attr, font in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", name), ("w:cs", name)):
        fonts.set(qn(attr), font)


def _clean(text: object) -> str:
    return CONTROL.sub("", "" if text is None else str(text))


class Official:
    """A document in the official layout, built paragraph by paragraph."""

    def __init__(self, title: str | list[str], *, subtitle: str | None = None):
        """`title`: the text, or its parts (words) to break lines between."""
        self.doc = Document()
        parts = [title] if isinstance(title, str) else list(title)
        self._properties("".join(parts))
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
        _keep(p)
        for i, line in enumerate(title_lines([_clean(x) for x in parts])):
            run = p.add_run(line)
            _font(run, TITLE, 22)
            if i:
                run._r.addprevious(OxmlElement("w:br"))
        if subtitle:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(_clean(subtitle)), KAI, 16)
            self.doc.add_paragraph()

    def _properties(self, title: str) -> None:
        """Who wrote the file and when: this program and now (stored in UTC, as the format
        asks; Word and WPS show it in the PC's time, Beijing time in the offices)."""
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        cp = self.doc.core_properties
        cp.author = cp.last_modified_by = f"zjsafety {__version__}"
        cp.created = cp.modified = now
        for el in cp._element.findall(qn("cp:lastPrinted")):  # the template's, from 2013
            cp._element.remove(el)
        cp.title = title
        cp.language = "zh-CN"
        cp.revision = 1
        cp.comments = ""

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

    def para(self, text: str, *, indent: bool = True, bold: bool = False, align: str | None = None):
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        if align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(_clean(text)), BODY, 16, bold)
        return p

    def table(self, head: list[str], rows: list[list], *, size: float = 10.5, widths: list[float] | None = None,
              keep: bool = False) -> None:
        """A ruled table, header bold and repeated on every page, text one size smaller than body.
        `widths` in mm (fixed layout: a column keeps its width, so an 18-character code given
        room for it stays on one line); `keep`: the table is kept with what follows."""
        t = self.doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        if widths:
            t.autofit = False
            layout = OxmlElement("w:tblLayout")
            layout.set(qn("w:type"), "fixed")
            t._tbl.tblPr.append(layout)
            for col, w in zip(t.columns, widths):
                col.width = Mm(w)
        for c, text in zip(t.rows[0].cells, head):
            c.text = ""
            _font(c.paragraphs[0].add_run(_clean(text)), HEI, size)
        tr_pr = t.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for row in rows:
            cells = t.add_row().cells
            for i, (c, text) in enumerate(zip(cells, row)):
                if widths:
                    c.width = Mm(widths[i])
                para = c.paragraphs[0]
                para.paragraph_format.line_spacing = Pt(size + 6)
                _keep(para, keep)
                _font(para.add_run(_clean(text)), BODY, size)
        for c in t.rows[0].cells:
            _keep(c.paragraphs[0])  # the header never alone at the foot of a page
            c.paragraphs[0].paragraph_format.line_spacing = Pt(size + 6)
        _keep(self.doc.add_paragraph(), keep)

    def verification(self, title: str, items: list[tuple[str, str]]) -> None:
        """A closing block of what anyone can check (commitments, hashes): each value on a line
        of its own in a small monospace type that holds 64 hex digits on one line; kept whole."""
        p = self.doc.add_paragraph()
        _keep(p)
        _font(p.add_run(_clean(title)), HEI, 12)
        for i, (label, value) in enumerate(items):
            p = self.doc.add_paragraph()
            p.paragraph_format.line_spacing = Pt(14)
            _keep(p, i < len(items) - 1)
            _font(p.add_run(_clean(label) + "："), BODY, 10.5)
            if value:
                run = p.add_run()
                _font(run, MONO, 8)
                run.add_break()
                run.add_text(_clean(value))

    def attachments(self, names: list[str]) -> None:
        """附件说明 (GB/T 9704 7.3.4): a blank line under the body, then 附件：1. … indented two
        characters, each further name aligned under the first; before the signature."""
        if not names:
            return
        body = [p for p in self.doc.paragraphs if p.text.strip()]
        if body:
            _keep(body[-1])  # the last line of the body goes with the list and the signature
        _keep(self.doc.add_paragraph())
        many = len(names) > 1
        for i, name in enumerate(names, 1):
            p = self.doc.add_paragraph()
            _keep(p)
            if i == 1:
                p.paragraph_format.first_line_indent = Pt(32)
            else:
                p.paragraph_format.left_indent = Pt(32 + 48)  # under the name: 2 characters + 附件：
            text = f"{i}. {name}" if many else name
            _font(p.add_run(("附件：" if i == 1 else "") + _clean(text)), BODY, 16)

    def attachment(self, n: int | None, title: str, *, landscape: bool = False) -> None:
        """An attachment on pages of its own after the signature: 附件n at the top left in 黑体,
        its title centred."""
        if landscape:
            self.landscape()
        else:
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        p = self.doc.add_paragraph()
        _keep(p)
        _font(p.add_run(f"附件{n if n else ''}"), HEI, 16)
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _keep(p)
        _font(p.add_run(_clean(title)), TITLE, 18)

    def landscape(self) -> None:
        """What follows on landscape pages (a wide table)."""
        section = self.doc.add_section()
        self._page(section, landscape=True)

    def signature(self, office: str, day: date, *, seal: bool = True) -> None:
        """发文机关署名 and 成文日期 at the end, right-aligned, with the place for the seal; kept
        on one page with the lines above it (never alone on a page of its own)."""
        body = [p for p in self.doc.paragraphs if p.text.strip()]
        for p in body[-2:]:
            _keep(p)
        for _ in range(2):
            _keep(self.doc.add_paragraph())
        _keep(self.para(office, indent=False, align="right"))
        _keep(self.para(cn_date(day), indent=False, align="right"), seal)
        if seal:
            _keep(self.para("（印章）", indent=False, align="right"), False)

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
