"""Builders for realistic ledger files used by the tests."""

from __future__ import annotations

import csv
import random
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook

from zjsafety.demo import make_uscc

RNG = random.Random(7)
USCC = [make_uscc(RNG) for _ in range(10)]
NAMES = ["杭州恒达机械有限公司", "杭州瑞丰化工有限公司", "杭州新安建设工程有限公司", "杭州永兴运输有限公司",
         "杭州宏远商贸有限公司", "杭州金桥纺织有限公司", "杭州华盛酒店有限公司", "杭州东方燃气有限公司",
         "杭州天成电梯工程有限公司", "杭州立信水产有限公司"]
SECTORS = ["工贸", "危化品", "建筑施工", "道路运输", "商贸", "工矿商贸", "消防", "城镇燃气", "特种设备", "渔业船舶"]

ENT_HEADERS = ["序号", "企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域", "是否规上", "经营状态"]


def ent_rows(n: int = 10) -> list[list]:
    return [[i + 1, NAMES[i], USCC[i], "西湖区", "三墩镇" if i % 2 else "蒋村街道", SECTORS[i],
             "是" if i % 3 == 0 else "否", "关闭" if i == 9 else "在营"] for i in range(n)]


def xlsx(path: Path, headers: list, rows: list[list], *, title: str | None = None, sheet: str = "Sheet1",
         extra_sheets: dict | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append(["填报单位：西湖区应急管理局", None, None, "填报日期：2018年12月31日"])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    for name, (h, rs) in (extra_sheets or {}).items():
        s = wb.create_sheet(name)
        s.append(h)
        for r in rs:
            s.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, headers: list, rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows([["" if v is None else v for v in r] for r in rows])
    return path


def ods(path: Path, headers: list, rows: list[list]) -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice writes it (strings and floats)."""
    def cell(v):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in [headers, *rows])
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="企业">' + body +
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


HAZ_HEADERS = ["隐患编号", "企业名称", "统一社会信用代码", "行业领域", "发现日期", "隐患描述", "隐患级别", "整改情况",
               "整改期限", "整改完成日期"]


def haz_rows() -> list[list]:
    return [
        ["XH001", NAMES[0], USCC[0], "工贸", date(2018, 3, 1), "消防通道堵塞", "一般", "已整改", date(2018, 3, 31), date(2018, 3, 20)],
        ["XH002", NAMES[1], USCC[1], "危化品", "2018.4.2", "储罐区未设防火堤", "重大", "整改中", "2018/6/30", None],
        ["XH003", NAMES[2], USCC[2], "建筑施工", "2018年5月3日", "脚手架未设连墙件", "一般", "未整改", 43281, None],
    ]


def to_shared_strings(src: Path, dst: Path) -> Path:
    """The same workbook with its text in a shared-strings table, as Excel, WPS and LibreOffice
    save it (openpyxl writes every string inline in its cell). Used by bench/import_bench.py too."""
    import html
    import re
    index: dict[bytes, int] = {}

    def shared(m: "re.Match") -> bytes:
        i = index.setdefault(m.group(2), len(index))
        return m.group(1) + b' t="s"><v>' + str(i).encode() + b"</v></c>"
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for n in parts:
        if n.startswith("xl/worksheets/") and n.endswith(".xml"):
            parts[n] = re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>',
                              shared, parts[n])
    sst = "".join(f"<si><t>{escape(html.unescape(t.decode()))}</t></si>" for t in index)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(index)}" uniqueCount="{len(index)}">{sst}</sst>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return dst
