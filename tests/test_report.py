"""Reports: every figure equals the audit's; xlsx, docx, md and html opened and checked;
formula injection; merge of county databases with conflicts."""

import json
import shutil
import sqlite3
import subprocess
from datetime import date
from html.parser import HTMLParser

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import Cli, plain
from ledgers import write_csv
from ledgers import N, U
from ledgers import county_ledgers as ledgers
from zjsafety.rules.audit import run
from zjsafety.reports import build
from zjsafety.store import connect

AS_OF = "2018-12-31"


def audit_json(cli, scope="330106", as_of=AS_OF):
    r, data = cli.json("audit", "--scope", scope, "--as-of", as_of)
    return data["results"]


def test_xlsx_figures_equal_the_audit(county_cli, tmp_path):
    out = tmp_path / "报告.xlsx"
    r = county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", out)
    assert r.exit_code == 0
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["封面", "指标"] and "事故趋势" in wb.sheetnames
    ws = wb["指标"]
    assert ws.freeze_panes == "A2" and ws.page_setup.orientation == "landscape" and ws.print_title_rows
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    results = audit_json(county_cli)
    assert len(rows) == len(results)
    for row, res in zip(rows, results):
        assert row[-1] == res["rule"] and row[3] == res["scope"] and row[0] == res["clause"]
        assert row[6] == res["ratio"] and row[7] == res["target"]
        assert row[9] == res["numerator"] and row[10] == res["denominator"]
    assert wb["事故趋势"]._charts, "a native chart on the trend sheet"
    cover = [c for row in wb["封面"].iter_rows(values_only=True) for c in row if c]
    assert "企业.csv" in cover and any(isinstance(c, str) and len(c) == 64 for c in cover)  # file and sha256


def test_docx_md_html_carry_the_same_figures(county_cli, tmp_path):
    results = audit_json(county_cli)
    cov = next(r for r in results if r["rule"] == "screening-coverage" and r["sector"] == "道路交通")
    want = f"{cov['ratio']:.1%}（{cov['numerator']}/{cov['denominator']}"
    for ext in (".docx", ".md", ".html"):
        out = tmp_path / f"报告{ext}"
        assert county_cli("report", "--scope", "西湖区", "--as-of", AS_OF, "-o", out).exit_code == 0
        if ext == ".docx":
            doc = Document(out)
            text = "\n".join(p.text for p in doc.paragraphs)
        else:
            text = out.read_text(encoding="utf-8")
        assert "安全生产综合治理三年行动进展情况报告" in text and want in text, ext
        assert "部署实施" in text  # the plan's phase at 2018-12-31
    # the detail table of the Word report lists every audit result with its figures
    detail = next(t for t in Document(tmp_path / "报告.docx").tables if t.rows[0].cells[0].text == "条款"
                  and len(t.columns) == 10)
    body = [[c.text for c in row.cells] for row in detail.rows[1:]]
    assert len(body) == len(results)
    for row, res in zip(body, results):
        # clause numbers as the plan writes them, full-width: 四（二）1
        assert row[0] == res["clause"].replace("(", "（").replace(")", "）") and row[1] == res["title"]
        if res["rule"] == "accident-reduction" and res["ratio"] is not None:  # lower is better: read as a fall
            assert row[7] == f"下降{1 - res['ratio']:.1%}"
        else:
            assert row[7] == ("—" if res["ratio"] is None else f"{res['ratio']:.1%}")


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.srcs, self.cells = [], [], []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.srcs += [v for k, v in attrs if k in ("src", "href")]
        if tag == "td":
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "td":
            self.cells.append(self._cell)
            self._cell = None


def test_html_is_self_contained_with_svg_charts(county_cli, tmp_path):
    out = tmp_path / "r.html"
    county_cli("report", "--scope", "330106", "--as-of", "2020-12-31", "-o", out)
    p = _Collect()
    p.feed(out.read_text(encoding="utf-8"))
    assert "svg" in p.tags and "polyline" in p.tags
    assert not p.srcs  # no external scripts, styles or images
    assert "未达标" in p.cells


def test_progress_since(county_cli, tmp_path):
    out = tmp_path / "r.md"
    county_cli("report", "--scope", "330106", "--as-of", AS_OF, "--since", "2018-01-01", "-o", out)
    text = out.read_text(encoding="utf-8")
    assert "本期变化情况" in text and "2018年1月1日至2018年12月31日" in text
    conn = connect(county_cli.db)
    data = build(conn, "330106", date(2018, 12, 31), since=date(2018, 1, 1))
    conn.close()
    ch = data.changes["330106"]
    # hazards found in 2018: H1, H2, H4; closed in 2018: H2 (rectified 2018-06-01)
    assert (ch["hazards_found"], ch["hazards_closed"]) == (3, 1)


def test_report_numbers_come_from_the_audit(county_cli):
    conn = connect(county_cli.db)
    data = build(conn, "330106", date(2018, 12, 31))
    direct = run(conn, "330106", date(2018, 12, 31))
    conn.close()
    assert [r.to_dict() for r in data.audit.results] == [r.to_dict() for r in direct.results]
    assert [(t.year, t.level, t.numerator) for t in data.trend if t.status != "n/a"] == \
        [(2018, "accidents", 41), (2018, "deaths", 15), (2018, "death_rate", 0.012)]


def test_ledger_text_never_becomes_a_formula(tmp_path):
    c = Cli(tmp_path / "f.db")
    name = '=HYPERLINK("http://example.invalid","点我")'
    ents = write_csv(tmp_path / "e.csv", ["企业名称", "统一社会信用代码", "行业领域"], [[name, U["E1"], "工矿商贸"]])
    scr = write_csv(tmp_path / "s.csv", ["企业名称", "统一社会信用代码", "排查日期"], [[name, U["E1"], "2017-06-01"]])
    c("import", ents, scr, "--county", "330106")
    out = tmp_path / "r.xlsx"
    c("report", "--scope", "330106", "--as-of", AS_OF, "-o", out)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_public_report_masks_personal_data(county_cli, tmp_path):
    from zjsafety.core.masking import mask
    assert mask("13805711234") != "13805711234"
    out = tmp_path / "pub.md"
    assert county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", out, "--public").exit_code == 0


def test_unknown_format_and_bad_dates(county_cli, tmp_path):
    r = county_cli("report", "--scope", "330106", "-o", tmp_path / "r.pdf")
    assert r.exit_code == 2 and ".pdf" in plain(r.stderr)
    r = county_cli("report", "--scope", "330106", "--as-of", AS_OF, "--since", "2019-01-01", "-o", tmp_path / "r.md")
    assert r.exit_code == 2 and "--since" in plain(r.stderr)


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice is not installed")
def test_xlsx_opens_in_libreoffice_without_repair(county_cli, tmp_path):
    out = tmp_path / "r.xlsx"
    county_cli("report", "--scope", "330106", "--as-of", AS_OF, "-o", out)
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    p = subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                       capture_output=True, timeout=180)
    assert p.returncode == 0 and (tmp_path / "r.pdf").exists()


# ------------------------------------------------------------------ merge

def test_merge_combines_counties_keeps_provenance_and_reports_conflicts(tmp_path):
    a = Cli(tmp_path / "a.db")
    b = Cli(tmp_path / "b.db")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert a("import", *ledgers(tmp_path / "a"), "--county", "330106").exit_code == 0
    ents_b = write_csv(tmp_path / "b" / "企业.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                       [[N["E1"], U["E1"], "滨江区", "工矿商贸"], ["杭州滨江新企业有限公司", U["X"], "滨江区", "消防"]])
    haz_b = write_csv(tmp_path / "b" / "隐患.csv", ["隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述",
                                                   "隐患级别", "整改情况"],
                      [["H1", N["E1"], U["E1"], "2018-03-01", "粉尘涉爆", "重大", "已整改"]])
    assert b("import", ents_b, haz_b).exit_code == 0
    out = tmp_path / "city.db"
    r = Cli(out)("merge", tmp_path / "a.db", tmp_path / "b.db", "-o", out, "--json", db=False)
    rep = json.loads(r.stdout)
    assert r.exit_code == 1  # conflicts are reported, not silently resolved
    types = {(c["type"], c["key"]) for c in rep["conflicts"]}
    assert ("enterprise_county", "U:" + U["E1"]) in types and ("hazard_status", "H1") in types
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT county_code FROM enterprise WHERE uscc=?", (U["E1"],)).fetchone()[0] == "330106"
    assert conn.execute("SELECT COUNT(*) FROM enterprise").fetchone()[0] == 7  # 6 from a, the new one from b
    assert conn.execute("SELECT status FROM hazard WHERE hazard_no='H1'").fetchone()[0] == "整改中"  # first wins
    paths = [r[0] for r in conn.execute("SELECT path FROM import_batch")]
    assert any(p.startswith("a.db::") for p in paths) and any(p.startswith("b.db::") for p in paths)
    # every copied record still points at a batch of its own database
    assert conn.execute("SELECT COUNT(*) FROM hazard WHERE batch_id IS NULL").fetchone()[0] == 0
    conn.close()
    merged = Cli(out)
    r, data = merged.json("audit", "--scope", "3301", "--as-of", AS_OF, "--rule", "screening-coverage")
    assert any(x["scope"] == "330100" for x in data["results"])


def test_merge_refuses_to_overwrite_and_foreign_files(tmp_path, county_cli):
    out = tmp_path / "exists.db"
    out.write_bytes(b"")
    r = Cli(out)("merge", county_cli.db, "-o", out, db=False)
    assert r.exit_code == 2 and "已存在" in plain(r.stderr)
    bad = tmp_path / "bad.db"
    bad.write_text("x", encoding="utf-8")
    r = Cli(out)("merge", bad, "-o", tmp_path / "new.db", db=False)
    assert r.exit_code == 3 and not (tmp_path / "new.db").exists()
