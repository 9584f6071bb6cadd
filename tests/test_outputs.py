"""Every file zjsafety writes is whole, never written onto what the command reads, safe to open
(ledger text stays text), masked where the public reads it, in Chinese, and laid out for an
office: the faults found by trying the tool, each a test."""

import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

import bigdb
from conftest import plain
from ledgers import ENT_HEADERS, ent_rows, write_csv, xlsx

AS_OF = "2018-12-31"


def run_cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "zjsafety", *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kw)


def whole(path: Path) -> bool:
    """An xlsx/docx that is a complete archive (every member readable, CRCs right)."""
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except zipfile.BadZipFile:
        return False


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return bigdb.build(tmp_path_factory.mktemp("big") / "big.db")


# ------------------------------------------------------------------ 1. whole files, or the old one

@pytest.mark.parametrize("args,name", [
    (["report", "--scope", "330106", "--as-of", AS_OF, "-o"], "报告.xlsx"),
    (["report", "--scope", "330106", "--as-of", AS_OF, "-o"], "报告.docx"),
    (["audit", "--scope", "330106", "--as-of", AS_OF, "--xlsx"], "核查.xlsx"),
])
def test_a_write_killed_half_way_leaves_the_old_file(big, tmp_path, args, name):
    out = tmp_path / name
    first = subprocess.run([sys.executable, "-m", "zjsafety", "--db", big, *args, out], capture_output=True)
    assert first.returncode in (0, 1) and whole(out), first.stderr.decode()
    old = out.read_bytes()
    caught = 0
    for delay in (0.0, 0.05, 0.15, 0.3):
        p = run_cli("--db", big, *args, out)
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None:  # wait for the writer to start its temporary file
            if any(".zjsafety-tmp-" in f.name for f in tmp_path.iterdir()):
                time.sleep(delay)
                p.send_signal(signal.SIGKILL)
                caught += 1
                break
            time.sleep(0.005)
        p.wait()
        assert out.read_bytes() == old or whole(out)  # the old file, or a new whole one
        assert not [f for f in tmp_path.iterdir() if f.name == name and not whole(f)]
    assert caught, "the write was never caught in the act"


def test_an_interrupted_merge_leaves_no_database_and_can_be_run_again(big, tmp_path):
    out = tmp_path / "市.db"
    p = run_cli("merge", big, "-o", out)
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not out.exists()  # never a database that looks complete and is not
    r = subprocess.run([sys.executable, "-m", "zjsafety", "merge", big, "-o", out], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    import sqlite3
    c = sqlite3.connect(out)
    assert c.execute("SELECT COUNT(*) FROM enterprise").fetchone()[0] == 2000
    c.close()


# ------------------------------------------------------------------ 2. never onto what it reads

def test_an_output_onto_the_database_is_refused(county_cli, tmp_path):
    before = county_cli.db.read_bytes()
    for args in (["report", "--scope", "330106", "-o", county_cli.db],
                 ["audit", "--scope", "330106", "--xlsx", county_cli.db],
                 ["template", "隐患", "-o", county_cli.db]):
        r = county_cli(*args)
        assert r.exit_code == 2 and "数据库" in plain(r.stderr), args
    assert county_cli.db.read_bytes() == before


def test_an_output_onto_an_imported_ledger_is_refused(county_cli, tmp_path):
    ledger = tmp_path / "企业.csv"  # imported by the fixture
    before = ledger.read_bytes()
    r = county_cli("report", "--scope", "330106", "-o", ledger.with_suffix(".md"))
    assert r.exit_code == 0
    xl = xlsx(tmp_path / "企业台账.xlsx", ENT_HEADERS, ent_rows())
    assert county_cli("import", xl).exit_code == 0
    for args in (["template", "企业", "-o", xl], ["report", "--scope", "330106", "-o", xl]):
        r = county_cli(*args)
        assert r.exit_code == 2 and "已导入" in plain(r.stderr), args
    assert load_workbook(xl).active.max_row > 5 and ledger.read_bytes() == before


# ------------------------------------------------------------------ 3. ledger text stays text

def test_formula_like_text_is_text_in_every_workbook(tmp_path):
    from conftest import Cli
    cli = Cli(tmp_path / "f.db")
    ent = write_csv(tmp_path / "=HYPERLINK(1).csv", ENT_HEADERS, ent_rows())
    assert cli("import", ent).exit_code == 0
    bad = [r[:] for r in ent_rows()]
    bad[0][2] = "=SUM(A1:A9)"
    cli("import", write_csv(tmp_path / "+cmd.csv", ENT_HEADERS, bad), "--errors-to", tmp_path / "退回")
    cli("audit", "--scope", "330106", "--as-of", AS_OF, "--xlsx", tmp_path / "核查.xlsx")
    cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", tmp_path / "报告.xlsx")
    found = 0
    for f in [tmp_path / "核查.xlsx", tmp_path / "报告.xlsx", *sorted((tmp_path / "退回").glob("*.xlsx"))]:
        wb = load_workbook(f)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value[:1] in "=+-@":
                        assert c.data_type == "s", (f.name, ws.title, c.coordinate, c.value)
                        found += 1
    assert found >= 3


def test_markdown_and_html_escape_what_comes_from_files(county_cli, tmp_path):
    c = county_cli
    evil = write_csv(tmp_path / "<script>alert(1)<script>.csv", ENT_HEADERS, ent_rows(2))
    c("import", evil)
    c("report", "--scope", "330106", "--as-of", AS_OF, "-o", tmp_path / "r.md")
    c("report", "--scope", "330106", "--as-of", AS_OF, "-o", tmp_path / "r.html")
    for f in ("r.md", "r.html"):
        text = (tmp_path / f).read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;" in text, f


# ------------------------------------------------------------------ 4. masking, in one place

@pytest.mark.parametrize("raw,masked", [
    ("13805711234", "138****1234"), ("138 0571 1234", "138 **** 1234"), ("138-0571-1234", "138-****-1234"),
    ("+86 138 0571 1234", "+86 138 **** 1234"), ("+8613805711234", "+86138****1234"),
    ("0571-87651234", "0571-****1234"), ("(0571)87651234", "(0571)****1234"), ("（0571）8765 1234", "（0571）**** 1234"),
    ("330106198001011235", "330106********1235"), ("33010619800101126X", "330106********126X"),
    ("330106198001011237", "330106198001011237"),  # a wrong check character: not an ID number
    ("330106800101123", "330106******123"),  # the old 15-digit ID number
    ("电话13805711234，身份证330106198001011235", "电话138****1234，身份证330106********1235"),
])
def test_masking_forms(raw, masked):
    from zjsafety.core.masking import mask
    assert mask(raw) == masked


@pytest.mark.parametrize("text", ["91330106MA2AXXXX7T", "913301065555555555", "913301063985305535", "杭州恒达机械有限公司",
                                  "2019-县级-第1批", "XH2018000123"])
def test_masking_leaves_public_identifiers_alone(text):
    from zjsafety.core.masking import mask
    assert mask(text) == text


# ------------------------------------------------------------------ 5. linear time

def test_the_xlsx_report_of_a_large_county_is_written_in_seconds(big, tmp_path):
    t = time.time()
    r = subprocess.run([sys.executable, "-m", "zjsafety", "--db", big, "report", "--scope", "330106", "--as-of",
                        AS_OF, "-o", tmp_path / "r.xlsx"], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert time.time() - t < 60  # was quadratic: 20k hazards took 42 s, 100k 747 s


# ------------------------------------------------------------------ 6. fit for an office

def test_word_documents_are_a4_official_format(county_cli, tmp_path):
    out = tmp_path / "报告.docx"
    assert county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", out).exit_code == 0
    doc = Document(out)
    s = doc.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1)
    assert abs(s.top_margin - Mm(37)) < Mm(1) and abs(s.left_margin - Mm(28)) < Mm(1)
    xml = doc.part.element.xml
    assert "仿宋" in xml and "小标宋" in xml and "黑体" in xml
    footer = "".join(p._p.xml for p in s.footer.paragraphs)
    assert "PAGE" in footer and "—" in footer
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "安全生产委员会办公室" in text and "（印章）" in text


def test_every_sheet_prints_on_a4_with_headers_repeated(county_cli, tmp_path):
    county_cli("audit", "--scope", "330106", "--as-of", AS_OF, "--xlsx", tmp_path / "核查.xlsx")
    county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", tmp_path / "报告.xlsx")
    county_cli("template", "隐患", "-o", tmp_path / "模板.xlsx")
    for f in ("核查.xlsx", "报告.xlsx", "模板.xlsx"):
        wb = load_workbook(tmp_path / f)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, (f, ws.title)
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, (f, ws.title)
            assert "&P" in (ws.oddFooter.center.text or ""), (f, ws.title)


def _english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_\-]{2,}", text) if w not in ("SHA", "GDP", "USCC")]


def test_what_a_leader_reads_is_chinese(county_cli, tmp_path):
    county_cli("audit", "--scope", "330106", "--as-of", AS_OF, "--xlsx", tmp_path / "核查.xlsx")
    county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", tmp_path / "报告.xlsx")
    for f in ("核查.xlsx", "报告.xlsx"):
        wb = load_workbook(tmp_path / f)
        assert not [n for n in wb.sheetnames if _english_words(n)], wb.sheetnames
        for ws in wb.worksheets:
            rows = [r for r in ws.iter_rows(max_row=6, values_only=True)]
            scripts = {i for row in rows for i, v in enumerate(row) if isinstance(v, str) and "脚本" in v}
            for row in rows:
                for i, v in enumerate(row):
                    if isinstance(v, str) and i not in scripts:
                        assert not _english_words(v.replace(".csv", "").replace(".xlsx", "")), (f, ws.title, v)
            for i in scripts:  # the column of English keys for scripts is hidden from print and view
                from openpyxl.utils import get_column_letter
                assert ws.column_dimensions[get_column_letter(i + 1)].hidden, (f, ws.title)


def test_times_on_a_cover_are_beijing_time(county_cli, tmp_path):
    county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", tmp_path / "报告.xlsx")
    cover = [str(c) for row in load_workbook(tmp_path / "报告.xlsx")["封面"].iter_rows(values_only=True) for c in row if c]
    assert not [c for c in cover if "+00:00" in c or re.search(r"\dT\d", c)]
    assert any("北京时间" in c for c in cover)


def test_the_html_chart_has_axes_values_and_the_target_line(county_cli, tmp_path):
    # the county's own accident figures from 2016 on give a trend chart
    out = tmp_path / "r.html"
    county_cli("report", "--scope", "330106", "--as-of", "2019-12-31", "-o", out)
    svg = re.findall(r"<svg.*?</svg>", out.read_text(encoding="utf-8"), re.S)
    assert svg
    trend = next(s for s in svg if "事故起数" in s)
    assert "<line" in trend and "目标" in trend  # axes and the target path named
    assert re.search(r"<text[^>]*>\d+</text>", trend)  # values written on the chart
    assert "@media print" in out.read_text(encoding="utf-8")
