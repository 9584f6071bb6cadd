"""The names zjsafety gives what it adds to an error workbook — its summary sheet and that
sheet's header, the suffix of a marked copy — known both to the writer (importers.errorbook)
and to the importer, which leaves them out when a corrected workbook comes back. Here rather
than in the writer, so that an import loads no xlsx-writing library."""

from __future__ import annotations

import re

SUMMARY = "错误汇总"
MARKED = re.compile(r"(?:\.错误标注)+$")
MARKED_SHEET = re.compile(r"^错误汇总\d*$")
HEAD = ["位置（点击跳转）", "工作表", "行", "列", "表头", "原值", "问题类型", "说明", "处理"]
