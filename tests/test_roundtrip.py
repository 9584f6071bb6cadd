"""Every kind of file zjsafety writes opens whole in the program people open it in: LibreOffice
(as Debian packages it, headless) converts each to PDF, and each workbook to CSV with its text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from zjsafety.demo import run_demo

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(OFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")


def convert(path: Path, to: str, out: Path) -> Path:
    p = subprocess.run([OFFICE, f"-env:UserInstallation=file://{out / 'profile'}", "--headless",
                        "--convert-to", to, "--outdir", str(out), str(path)], capture_output=True, timeout=300)
    target = out / (path.stem + "." + to.split(":")[0])
    assert p.returncode == 0 and target.is_file() and target.stat().st_size > 0, p.stderr.decode(errors="replace")
    return target


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rt")
    run_demo(folder)
    return folder


def test_every_workbook_and_document_of_the_demo_converts(demo, tmp_path):
    files = sorted([*demo.glob("*.xlsx"), *demo.glob("*.docx"), *(demo / "公告").glob("*.docx"),
                    *(demo / "退回修改").glob("*.xlsx")])
    kinds = {f.suffix for f in files}
    assert kinds == {".xlsx", ".docx"} and len(files) >= 8
    for f in files:
        pdf = convert(f, "pdf", tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF")


def test_workbooks_keep_their_chinese_text(demo, tmp_path):
    audit = next(demo.glob("核查结果_*.xlsx"))
    text = convert(audit, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path).read_text(encoding="utf-8")
    assert "事故总量大的4个行业领域排查企业覆盖率" in text and "达标" in text
    task = next(demo.glob("抽查任务_*.xlsx"))
    text = convert(task, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path).read_text(encoding="utf-8")
    assert "统一社会信用代码" in text and "913301" in text


def test_the_docx_report_reads_as_text(demo, tmp_path):
    report = next(demo.glob("*进展*.docx"))
    text = convert(report, "txt:Text (encoded):UTF8", tmp_path).read_text(encoding="utf-8-sig")
    # the title broken between its words, never inside one
    assert "杭州市西湖区安全生产综合治理\n三年行动进展情况报告" in text
