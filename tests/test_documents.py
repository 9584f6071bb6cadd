"""Documents judged as printed (issue 22): the demo's report, notices and draw record are
converted by LibreOffice to PDF and read back with pdftotext/pdfinfo — page counts, what
shares a page with the signature and seal, codes and title words never split across lines,
and a body free of program names, hashes and ASCII dates."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document

from test_roundtrip import OFFICE, convert
from zjsafety import __version__
from zjsafety.core.document import title_lines
from zjsafety.demo import run_demo

pytestmark = pytest.mark.skipif(OFFICE is None or shutil.which("pdftotext") is None,
                                reason="LibreOffice and poppler-utils are not installed (.ci/run installs them)")

HEX = re.compile(r"\b[0-9a-f]{16,}\b")
ASCII_DATE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b")
PAGE_NO = re.compile(r"^—\s*\d+\s*—$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    run_demo(folder)
    return folder


def pages(pdf: Path, *, layout: bool = False) -> list[list[str]]:
    """The text of each page as its non-empty lines (page numbers left out)."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    text = subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")
    out = []
    for page in text.split("\f"):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip() and not PAGE_NO.match(ln.strip())]
        if lines:
            out.append(lines)
    return out


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def report_pdf(demo, tmp_path_factory):
    return convert(next(demo.glob("*进展*.docx")), "pdf", tmp_path_factory.mktemp("pdf"))


def test_the_report_is_a_situation_report_with_attachments_after_the_signature(demo, report_pdf):
    ps = pages(report_pdf)
    text = "\n".join(ln for p in ps for ln in p)
    flat = squeeze(text)
    order = ["一、基本情况", "二、主要进展", "三、存在问题", "四、下一步工作", "附件：1.指标明细表",
             "杭州市西湖区安全生产委员会办公室", "（印章）", "附件1", "指标明细表"]
    at = 0
    for x in order:  # each after the one before
        at = flat.find(x, at)
        assert at >= 0, x
    body = flat[:flat.find("附件1")]
    # the body is for people: no program name, hash, command line or ASCII date
    assert "zjsafety" not in flat.lower() and not HEX.search(text) and "--" not in body
    assert not ASCII_DATE.search(text), ASCII_DATE.search(text)
    assert "截至2019年6月30日" in body and "四（二）1" in body and "四(二)1" not in flat
    # the title broken between its words
    first = [ln for ln in ps[0][:3]]
    assert [squeeze(x) for x in first[:2]] == title_lines(["杭州市西湖区", "安全生产综合治理", "三年行动", "进展情况报告"])


def test_the_signature_and_seal_never_stand_alone_on_a_page(report_pdf):
    sign = {"杭州市西湖区安全生产委员会办公室", "（印章）"}
    for p in pages(report_pdf):
        lines = [squeeze(x) for x in p]
        if "（印章）" in lines:
            rest = [x for x in lines if x not in sign and not re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", x)]
            # more than the signature: the attachment list and the body's last lines are with it
            assert any(not x.startswith(("附件", "2.", "3.", "4.", "5.", "6.", "7.")) for x in rest), lines


def test_reductions_read_as_falls_and_yearly_figures_compare_like_periods(report_pdf):
    flat = squeeze("\n".join(ln for p in pages(report_pdf) for ln in p))
    assert "事故起数2018年下降23.1%（40/52，目标下降20.0%）" in flat
    # the demo's report runs from 2018-12-31 to 2019-06-30: its yearly quota figures are set
    # against 2018-06-30, never against the whole of 2018
    assert "与上年同期（2018年6月30日）相比" in flat
    assert "各级督查企业比例（县级，2019年）由15.4%变为30.8%" in flat


def test_documents_say_who_made_them_and_when(demo):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    files = [next(demo.glob("*进展*.docx")), *(demo / "公告").glob("*.docx")]
    assert len(files) >= 4
    for f in files:
        cp = Document(f).core_properties
        created = cp.created.replace(tzinfo=None)
        assert cp.author == f"zjsafety {__version__}" and cp.last_modified_by == cp.author, f.name
        assert abs((now - created).total_seconds()) < 3600 and cp.modified == cp.created, (f.name, cp.created)
        with zipfile.ZipFile(f) as z:
            core = z.read("docProps/core.xml").decode()
        assert "python-docx" not in core and "2013-12-23" not in core


def _usccs(docx: Path) -> list[str]:
    """The codes the document's enterprise table holds (as written into the file)."""
    table = next(t for t in Document(docx).tables if len(t.columns) > 2 and t.rows[0].cells[2].text == "统一社会信用代码")
    return [row.cells[2].text for row in table.rows[1:]]


def test_the_task_notice_fits_three_pages_with_each_code_on_one_line(demo, tmp_path):
    notice = next((demo / "公告").glob("抽查任务公告_*.docx"))
    pdf = convert(notice, "pdf", tmp_path)
    assert page_count(pdf) <= 3
    text = "\n".join(ln for p in pages(pdf, layout=True) for ln in p)
    usccs = _usccs(notice)
    assert len(usccs) == 21 and all(len(u) == 18 for u in usccs)  # 24 to inspect, 3 already covered
    lines = text.splitlines()
    split = [u for u in usccs if not any(u in ln for ln in lines)]
    assert not split, split  # every code whole on one line
    flat = squeeze(text)
    assert "⌈" not in flat and "应督查24家（78家的30%，向上取整）" in flat
    # the hashes in one closing block, each whole on one line
    for h in re.findall(r"[0-9a-f]{64}", text):
        assert any(h in ln for ln in text.splitlines())
    assert "核验信息" in flat and flat.rfind("核验信息") > flat.find("检查人员及执法证号")


def test_the_draw_record_keeps_its_witness_lines_together(demo, tmp_path):
    record = next((demo / "公告").glob("抽查过程记录_*.docx"))
    pdf = convert(record, "pdf", tmp_path)
    assert page_count(pdf) <= 3
    text = "\n".join(ln for p in pages(pdf, layout=True) for ln in p)
    assert not [u for u in _usccs(record) if not any(u in ln for ln in text.splitlines())]
    ps = [squeeze("".join(p)) for p in pages(pdf)]
    signing = [i for i, p in enumerate(ps) if "见证人：" in p or "现场人员签字" in p]
    assert signing and len(set(signing)) == 1, signing  # heading and the four lines on one page
    assert ps[signing[0]].count("见证人：") == 2 and "抽取操作人：" in ps[signing[0]]
    # the record names the plan in force on the draw's date
    assert "依据《浙江省安全生产综合治理三年行动计划（2017—2020年）》" in "".join(ps)
    # headings of the table never broken a character a line
    assert "统一社会信用代码" in text and "行业、乡镇" in text


def test_notice_titles_break_between_words(demo, tmp_path):
    for f in (demo / "公告").glob("*.docx"):
        first = pages(convert(f, "pdf", tmp_path))[0][:2]
        assert squeeze(first[0]).endswith(("安全生产", "年度", "西湖区")), (f.name, first)


def test_workbooks_print_their_long_cells_whole(demo, tmp_path):
    from openpyxl import load_workbook
    audit = next(demo.glob("核查结果_*.xlsx"))
    ws = load_workbook(audit)["核查汇总"]
    notes = [c for c in ws["L"][4:] if c.value and len(str(c.value)) > 40]
    assert notes and all(c.alignment.wrap_text for c in notes)
    pdf = convert(audit, "pdf", tmp_path)
    flat = squeeze("\n".join(ln for p in pages(pdf) for ln in p))
    for c in notes:  # printed whole, not cut at the column's edge
        assert squeeze(str(c.value)) in flat, c.value
    books = sorted((demo / "退回修改").glob("*.xlsx"))
    assert books
    for book in books:
        # every code printed whole on one line: in the summary we write, and in the whole of a
        # sheet we rebuilt from a CSV (a marked xlsx keeps the clerk's own column widths)
        pdf = convert(book, "pdf", tmp_path)
        assert page_count(pdf) >= 1
        lines = [ln for p in pages(pdf, layout=True) for ln in p]
        wb = load_workbook(book, read_only=True)
        from_csv = (demo / "台账" / book.name.replace(".错误标注.xlsx", ".csv")).exists()
        sheets = wb.worksheets if from_csv else wb.worksheets[:1]
        codes = {str(c) for ws in sheets for row in ws.iter_rows(values_only=True) for c in row
                 if isinstance(c, str) and re.fullmatch(r"91[0-9A-Z]{16}", c)}
        assert codes, book.name
        assert not [c for c in codes if not any(c in ln for ln in lines)], book.name


def test_report_workbook_charts_name_their_figure_and_draw_targets(demo):
    from openpyxl import load_workbook
    wb = load_workbook(next(demo.glob("*进展*.xlsx")))
    trend = wb["事故趋势"]
    assert trend["A2"].value == 2016  # the base year the targets count from
    with zipfile.ZipFile(next(demo.glob("*进展*.xlsx"))) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert sum('prstDash val="dash"' in c for c in charts) >= 2  # target paths and the 100% line, dashed
    cov = wb["覆盖率"]
    assert "排查企业覆盖率" in str(cov["A1"].value) and cov["E3"].value == 1


def test_html_charts_use_round_ticks_and_show_coverage(demo):
    page = next(demo.glob("*进展*.html")).read_text(encoding="utf-8")
    assert page.count("<svg") >= 2 and "覆盖率" in page
    trend = page[page.index("<svg"):page.index("</svg>")]
    ticks = [float(t) for t in re.findall(r"text-anchor='end'>([\d.]+)</text>", trend)]
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:])}
    assert len(ticks) >= 3 and len(steps) == 1 and ticks[0] == 0
    step = steps.pop()
    assert step / 10 ** int(f"{step:e}".split("e")[1]) in (1, 2, 2.5, 5)
    # value labels: no two at the same place
    labels = re.findall(r"<text x='([\d.]+)' y='([\d.]+)' font-size='11' text-anchor='(?:middle|start)' fill", trend)
    spots = [(round(float(x)), round(float(y))) for x, y in labels]
    assert len(spots) == len(set(spots))
    for (x1, y1), (x2, y2) in zip(sorted(spots), sorted(spots)[1:]):
        assert not (abs(x1 - x2) < 20 and abs(y1 - y2) < 11), ((x1, y1), (x2, y2))


def test_templates_explain_their_own_kind_with_room_for_names(cli, tmp_path):
    from openpyxl import load_workbook
    cli("init")
    out = tmp_path / "隐患模板.xlsx"
    assert cli("template", "hazard", "-o", out).exit_code == 0
    wb = load_workbook(out)
    ins = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "每项隐患一行" in ins and "每个企业一行" not in ins and "zjsafety" not in ins
    opts = wb["选项"]
    assert opts.sheet_state == "hidden" and all(re.search(r"[\u4e00-\u9fff]", str(c.value)) for c in opts[1] if c.value)
    main = wb.worksheets[0]
    widths = {main.cell(row=1, column=c).value.lstrip("*"): main.column_dimensions[main.cell(row=1, column=c).column_letter].width
              for c in range(1, main.max_column + 1)}
    assert widths["企业名称"] >= 30 and widths["隐患描述"] >= 40
