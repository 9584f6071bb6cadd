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


# The hand-worked county of test_audit.py (shared by the report and output tests).
R = random.Random(11)
U = {k: make_uscc(R) for k in ("E1", "E2", "E3", "E4", "E5", "E6", "X")}
N = {"E1": "杭州甲机械有限公司", "E2": "杭州乙化工有限公司", "E3": "杭州丙建设有限公司", "E4": "杭州丁运输有限公司",
     "E5": "杭州戊五金有限公司", "E6": "杭州己纺织有限公司", "X": "杭州名录外有限公司"}


def county_ledgers(d: Path, *, penalties_2018=(27, 50), with_list=False) -> list[Path]:
    f = []
    f.append(write_csv(d / "企业.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域",
                                       "是否规上", "经营状态", "关闭日期"], [
        [N["E1"], U["E1"], "西湖区", "三墩镇", "工矿商贸", "是", "在营", ""],
        [N["E2"], U["E2"], "西湖区", "蒋村街道", "工矿商贸、危险化学品", "否", "在营", ""],
        [N["E3"], U["E3"], "西湖区", "留下街道", "建设施工", "否", "关闭", "2017-05-01"],  # closed before the window
        [N["E4"], U["E4"], "西湖区", "转塘街道", "道路交通", "否", "关闭", "2017-10-01"],  # closed inside it
        [N["E5"], U["E5"], "下城区", "长庆街道", "工矿商贸", "否", "在营", ""],
        [N["E6"], U["E6"], "拱墅区", "米市巷街道", "工矿商贸", "否", "在营", ""],
    ]))
    f.append(write_csv(d / "排查.csv", ["企业名称", "统一社会信用代码", "排查日期", "行业领域", "是否重大隐患专项排查"], [
        [N["E1"], U["E1"], "2017-08-01", "工矿商贸", "否"],
        [N["E2"], U["E2"], "2017-09-01", "工矿商贸", "否"],
        [N["E5"], U["E5"], "2017-08-15", "工矿商贸", "否"],
        [N["E2"], U["E2"], "2018-04-01", "危险化学品", "是"],
    ]))
    f.append(write_csv(d / "隐患.csv", ["隐患编号", "企业名称", "统一社会信用代码", "发现日期", "隐患描述", "隐患类别",
                                       "隐患级别", "整改情况", "整改期限", "整改完成日期", "是否挂牌督办",
                                       "向监管部门报告", "向职代会报告", "行业领域"], [
        ["H1", N["E1"], U["E1"], "2018-03-01", "粉尘涉爆", "粉尘", "重大", "整改中", "2018-04-01", "", "是", "是", "否", "工矿商贸"],
        ["H2", N["E2"], U["E2"], "2018-05-01", "储罐泄漏", "储罐", "重大", "已整改", "2018-06-30", "2018-06-01", "否", "", "", "危险化学品"],
        ["H3", N["E1"], U["E1"], "2017-09-01", "通道堵塞", "消防", "一般", "已整改", "2017-09-30", "2017-09-10", "", "", "", "工矿商贸"],
        ["H4", N["E1"], U["E1"], "2018-02-01", "灭火器过期", "消防", "一般", "未整改", "2018-03-01", "", "", "", "", "工矿商贸"],
    ]))
    f.append(write_csv(d / "重大隐患登记.csv", ["登记编号", "隐患编号", "登记日期"], [["ZD1", "H1", "2018-03-05"]]))
    f.append(write_csv(d / "危险源.csv", ["危险源编号", "企业名称", "统一社会信用代码", "危险源名称", "是否登记", "所属网格",
                                         "属地责任政府"], [
        ["R1", N["E2"], U["E2"], "甲醇储罐", "是", "蒋村第2网格", "西湖区人民政府"],
        ["R2", N["E1"], U["E1"], "除尘系统", "否", "", ""],
    ]))
    f.append(write_csv(d / "督查.csv", ["企业名称", "统一社会信用代码", "督查日期", "督查层级", "督查部门"], [
        [N["E1"], U["E1"], "2018-06-01", "县级", "西湖区应急管理局"],
        [N["E2"], U["E2"], "2018-07-01", "省级", "省安监局"],
        [N["E4"], U["E4"], "2017-09-01", "县级", "西湖区应急管理局"],
    ]))
    n18, d18 = penalties_2018
    rows = [[f"P17-{i}", N["E1"], U["E1"], f"2017-03-{i + 1:02d}", "事故调查" if i < 2 else "日常执法检查"] for i in range(4)]
    rows += [[f"P18-{i}", N["E2"], U["E2"], f"2018-0{1 + i % 9}-01", "日常执法检查" if i < n18 else "事故调查"]
             for i in range(d18)]
    f.append(write_csv(d / "处罚.csv", ["处罚决定书文号", "被处罚单位", "统一社会信用代码", "处罚日期", "案件来源"], rows))
    f.append(write_csv(d / "事故.csv", ["区县", "年份", "事故起数", "死亡人数", "GDP（亿元）"], [
        ["西湖区", 2016, 50, 20, 1000], ["西湖区", 2018, 41, 15, 1250], ["西湖区", 2020, 31, 11, 1400]]))
    f.append(write_csv(d / "任务.csv", ["任务编号", "任务名称", "完成时限", "完成日期", "完成情况"], [
        ["M02", "建立健全重大风险隐患排查日志制度", "2017-12-31", "2017-12-20", "已完成"],
        ["M03", "建立健全重大安全隐患报告制度", "2017-12-31", "", "推进中"]]))
    if with_list:
        f.append(write_csv(d / "规上名录.csv", ["企业名称", "统一社会信用代码", "年度", "主营业务收入（万元）"], [
            [N["E1"], U["E1"], 2018, 5000], [N["X"], U["X"], 2018, 3000], [N["E1"], U["E6"], 2018, 100]]))
    return f
