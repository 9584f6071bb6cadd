"""Reports: takes audit results (and the data sources behind them); gives the documents that
go up to the city and the province — xlsx, docx, md, html — and the audit workbook."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core.errors import UsageError
from zjsafety.reports.data import ReportData, build  # noqa: F401

FORMATS = (".xlsx", ".docx", ".md", ".html")


def write(data: ReportData, path: Path, *, public: bool = False) -> Path:
    """Write the report; the format follows the extension."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise UsageError(f"不支持的报告格式“{ext or Path(path).name}”，可用：{'、'.join(FORMATS)}")
    if ext == ".xlsx":
        from zjsafety.reports.report_xlsx import write_xlsx as writer
    elif ext == ".docx":
        from zjsafety.reports.docx import write_docx as writer
    else:
        from zjsafety.reports import text
        writer = text.write_md if ext == ".md" else text.write_html
    writer(data, Path(path), public=public)
    return Path(path)
