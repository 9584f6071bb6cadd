"""A demo county submission in the messy layouts townships really send, and a run of every
stage on it (each stage is a few calls of the library, as a clerk would run the commands).
The data are invented but valid: USCCs carry correct check characters."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from zjsafety import reports
from zjsafety.core.errors import UsageError
from zjsafety.core.masking import id_check_char
from zjsafety.core.normalize import org_code_check_char, uscc_check_char
from zjsafety.importers.errorbook import write_error_books
from zjsafety.importers.pipeline import import_files
from zjsafety.reports.audit_xlsx import write_audit_xlsx
from zjsafety.rules import audit
from zjsafety.sampling.draw import draw, plan, request
from zjsafety.sampling.notices import stage, write_papers
from zjsafety.sampling.verify import verify
from zjsafety.store import connect

COUNTY = "330106"
TOWNS = ["三墩镇", "蒋村街道", "留下街道", "转塘街道", "双浦镇", "文新街道", "古荡街道"]
SECTOR_SPELLINGS = {
    "工矿商贸": ["工矿商贸", "工贸", "商贸"],
    "建设施工": ["建筑施工", "建设施工"],
    "道路交通": ["道路运输", "道路交通"],
    "渔业船舶": ["渔业船舶"],
    "危险化学品": ["危化品", "危险化学品"],
    "消防": ["消防"],
    "特种设备": ["特种设备"],
    "城市运行": ["城镇燃气"],
}
WORDS = ["恒达", "瑞丰", "新安", "永兴", "宏远", "金桥", "华盛", "东方", "天成", "立信", "明珠", "之江", "钱塘",
         "西溪", "龙井", "紫金", "文三", "求是", "留和", "转塘"]
TRADES = {"工矿商贸": ["机械制造", "纺织", "五金", "商贸", "食品"], "建设施工": ["建设工程", "建筑"],
          "道路交通": ["运输", "物流"], "渔业船舶": ["水产"], "危险化学品": ["化工", "石化"],
          "消防": ["酒店", "商场"], "特种设备": ["电梯工程"], "城市运行": ["燃气"]}


def _id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


def make_uscc(rng: random.Random, region: str = COUNTY) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(8))
    org = body + org_code_check_char(body)
    first17 = "91" + region + org
    return first17 + uscc_check_char(first17)


def _enterprises(rng: random.Random, n: int = 80) -> list[dict]:
    out = []
    sectors = list(SECTOR_SPELLINGS)
    weights = [30, 12, 8, 3, 8, 8, 5, 3]
    used = set()
    for i in range(n):
        s = rng.choices(sectors, weights)[0]
        while True:
            nm = f"杭州{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(TRADES[s])}有限公司"
            if nm not in used:
                used.add(nm)
                break
        secs = [s]
        if s == "工矿商贸" and rng.random() < 0.15:
            secs.append("危险化学品")  # a chemical plant is both
        out.append(dict(name=nm, uscc=make_uscc(rng), town=rng.choice(TOWNS), sectors=secs,
                        above=rng.random() < 0.35, closed=(i == 7), phone=f"1380571{rng.randrange(10000):04d}"))
    return out


def _xlsx(path: Path, title: str, headers: list, rows: list[list], *, two_row: dict | None = None,
          totals: list | None = None, date_cols: tuple[int, ...] = (), filed: str = "2019年1月10日") -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws.append(["填报单位：西湖区应急管理局（盖章）", None, None, f"填报日期：{filed}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(4, len(headers)))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    if two_row:  # {group label: (first col index, [child labels])}
        top = list(headers)
        sub = [None] * len(headers)
        for group, (c0, children) in two_row.items():
            for k, ch in enumerate(children):
                top[c0 + k] = group if k == 0 else None
                sub[c0 + k] = ch
        ws.append(top)
        ws.append(sub)
        for c in range(len(headers)):
            if sub[c] is None:
                ws.merge_cells(start_row=3, start_column=c + 1, end_row=4, end_column=c + 1)
        for group, (c0, children) in two_row.items():
            ws.merge_cells(start_row=3, start_column=c0 + 1, end_row=3, end_column=c0 + len(children))
    else:
        ws.append(headers)
    for r in rows:
        ws.append(r)
    if totals:
        ws.append(totals)
    for c in date_cols:
        for cell in ws.iter_cols(min_col=c + 1, max_col=c + 1, min_row=3):
            for x in cell:
                if isinstance(x.value, date):
                    x.number_format = "yyyy-mm-dd"
    wb.save(path)


def write_demo_ledgers(folder: Path, seed: int = 2018) -> dict[str, Path]:
    """Write the demo county's ledgers into folder/台账; returns kind -> path."""
    rng = random.Random(seed)
    d = folder / "台账"
    d.mkdir(parents=True, exist_ok=True)
    ents = _enterprises(rng)
    files: dict[str, Path] = {}

    # 企业基本信息台账: title lines, loose sector spellings, a 是/否 and √ mix, one bad USCC
    rows = []
    for i, e in enumerate(ents, 1):
        uscc = e["uscc"]
        if i == 12:
            uscc = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")  # a typo in the check character
        sec = "、".join(rng.choice(SECTOR_SPELLINGS[s]) for s in e["sectors"])
        rows.append([i, e["name"], uscc, "西湖区", e["town"], sec, ("是" if e["above"] else "否") if i % 5 else
                     ("√" if e["above"] else ""), "关闭" if e["closed"] else "在营", e["phone"]])
    files["enterprise"] = d / "西湖区企业基本信息台账.xlsx"
    _xlsx(files["enterprise"], "西湖区企业基本信息台账",
          ["序号", "企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域", "是否规上", "经营状态",
           "联系电话"], rows)

    # 规上企业名录 from the statistics bureau: one above-scale firm missing from the ledger
    above = [e for e in ents if e["above"]]
    extra_uscc = make_uscc(rng)
    rows = [[i, e["name"], e["uscc"], 2018, round(rng.uniform(2000, 90000), 1)] for i, e in enumerate(above, 1)]
    rows.append([len(rows) + 1, "杭州之江精密机械有限公司", extra_uscc, 2018, 5230.0])
    files["above_scale_list"] = d / "2018年规上企业名录.xlsx"
    _xlsx(files["above_scale_list"], "2018年西湖区规上工业企业名录",
          ["序号", "企业名称", "统一社会信用代码", "年度", "主营业务收入（万元）"], rows)

    # 排查记录: CSV in GBK, as WPS saves it; most but not all enterprises screened
    start = date(2017, 7, 1)
    screened = [e for e in ents if rng.random() < 0.88]
    files["screening"] = d / "大检查排查记录.csv"
    with open(files["screening"], "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["企业名称", "统一社会信用代码", "行业领域", "排查日期", "排查类型", "是否重大隐患专项排查", "排查人员"])
        for e in screened:
            day = start + timedelta(days=rng.randrange(0, 540))
            fmt = rng.choice(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"])
            w.writerow([e["name"], e["uscc"], e["sectors"][0], day.strftime(fmt).replace(".0", "."),
                        "安全生产大检查", "是" if rng.random() < 0.3 else "否", rng.choice(["王强", "李敏", "陈杰"])])

    # 隐患排查治理台账: two header rows under merged groups, mixed date forms, a 合计 row
    hz_rows, majors = [], []
    n = 0
    descr = ["消防通道堵塞", "配电箱未接地", "危化品储存超量", "安全出口锁闭", "未设置安全警示标志", "脚手架未设连墙件",
             "叉车司机无证上岗", "燃气管道腐蚀", "电梯维保记录缺失", "车辆超载运输"]
    for e in screened:
        for _ in range(rng.randrange(0, 4)):
            n += 1
            found = start + timedelta(days=rng.randrange(0, 540))
            major = rng.random() < 0.08
            status = rng.choice(["已整改", "已整改", "整改中", "未整改", "已验收销号"])
            rect = found + timedelta(days=rng.randrange(5, 60)) if status in ("已整改", "已验收销号") else None
            deadline = found + timedelta(days=30) if (not major or n % 7) else None
            hno = f"XH{found.year}{n:04d}"
            row = [n, hno, e["name"], e["uscc"], e["sectors"][0], found if n % 3 else found.strftime("%Y.%m.%d"),
                   rng.choice(descr), "重大" if major else "一般", status, deadline, rect,
                   ("是" if rng.random() < 0.7 else "否") if major else None,
                   ("是" if rng.random() < 0.6 else "否") if major else None,
                   "是" if major and rng.random() < 0.8 else ("否" if major else None)]
            if major:
                majors.append((hno, e, found))
            hz_rows.append(row)
    hz_rows[5][10] = hz_rows[5][5] - timedelta(days=3) if isinstance(hz_rows[5][5], date) else "2017.01.01"
    files["hazard"] = d / "隐患排查治理台账.xlsx"
    _xlsx(files["hazard"], "西湖区隐患排查治理台账",
          ["序号", "隐患编号", "企业名称", "统一社会信用代码", "行业领域", "发现日期", "隐患描述", "隐患级别", "整改情况",
           "整改期限", "整改完成日期", "双报告", None, "是否挂牌督办"], hz_rows,
          two_row={"双报告": (11, ["向监管部门报告", "向职代会报告"])},
          totals=["合计", None, None, None, None, None, f"{len(hz_rows)}项"], date_cols=(5, 9, 10))

    # 重大事故隐患登记: most, not all, major hazards registered
    reg = [[i, f"ZD-{hno}", hno, e["name"], found + timedelta(days=3)]
           for i, (hno, e, found) in enumerate(majors, 1) if i % 4]
    files["major_hazard_register"] = d / "重大事故隐患登记表.xlsx"
    _xlsx(files["major_hazard_register"], "重大事故隐患登记表", ["序号", "登记编号", "隐患编号", "企业名称", "登记日期"],
          reg, date_cols=(4,))

    # 重大危险源
    chem = [e for e in ents if "危险化学品" in e["sectors"] or "城市运行" in e["sectors"]][:8]
    rows = [[i, f"WXY-{i:03d}", e["name"], e["uscc"], rng.choice(["液氨储罐区", "甲醇储罐", "液化石油气储配站"]),
             "重大危险源", rng.choice(["一级", "二级", "三级"]), "是" if i % 5 else "否",
             f"{e['town']}第{i}网格" if i % 3 else None, "西湖区人民政府" if i % 3 else None, "区应急管理局"]
            for i, e in enumerate(chem, 1)]
    files["major_risk"] = d / "重大危险源清单.xlsx"
    _xlsx(files["major_risk"], "重大危险源清单",
          ["序号", "危险源编号", "企业名称", "统一社会信用代码", "危险源名称", "类别", "危险源等级", "是否登记", "所属网格",
           "属地责任政府", "监管部门"], rows)

    # 督查记录: county, city and province inspections in 2018 and 2019
    rows = []
    for year, share in ((2018, 0.34), (2019, 0.27)):
        for e in ents:
            if rng.random() < share:
                rows.append([e["name"], e["uscc"], date(year, rng.randrange(1, 13), rng.randrange(1, 28)), "县级",
                             "西湖区应急管理局", rng.choice(["王强、李敏", "陈杰、赵磊"]), "已督查"])
            if rng.random() < 0.11:
                rows.append([e["name"], e["uscc"], date(year, rng.randrange(1, 13), rng.randrange(1, 28)), "市级",
                             "杭州市应急管理局", "周涛、吴芳", "已督查"])
            if rng.random() < 0.05:
                rows.append([e["name"], e["uscc"], date(year, rng.randrange(1, 13), rng.randrange(1, 28)), "省级",
                             "省安监局", "孙伟、郑丽", "已督查"])
    files["inspection"] = d / "督查记录.xlsx"
    _xlsx(files["inspection"], "督查记录", ["企业名称", "统一社会信用代码", "督查日期", "督查层级", "督查部门", "检查人员",
                                          "督查结果"], rows, date_cols=(2,))

    # 行政处罚: UTF-8 with BOM, as Excel's "CSV UTF-8" writes it
    files["penalty"] = d / "行政处罚台账.csv"
    with open(files["penalty"], "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["处罚决定书文号", "被处罚单位", "统一社会信用代码", "处罚日期", "案件来源", "罚款金额（元）"])
        k = 0
        for year, n_acc, n_non in ((2016, 6, 10), (2017, 6, 13), (2018, 5, 16), (2019, 4, 19)):
            for j in range(n_acc + n_non):
                k += 1
                e = rng.choice(ents)
                w.writerow([f"杭西应急罚〔{year}〕{k}号", e["name"], e["uscc"],
                            date(year, rng.randrange(1, 13), rng.randrange(1, 28)).isoformat(),
                            "事故调查" if j < n_acc else "日常执法检查", rng.choice([5000, 10000, 20000, 30000])])

    # 事故统计 with GDP (亿元)
    rows = [["西湖区", 2016, 52, 20, 1010.2], ["西湖区", 2017, 47, 18, 1106.5], ["西湖区", 2018, 40, 15, 1229.0],
            ["西湖区", 2019, 36, 12, 1330.8]]
    files["accident_stat"] = d / "生产安全事故统计.xlsx"
    _xlsx(files["accident_stat"], "生产安全事故统计", ["区县", "年份", "事故起数", "死亡人数", "GDP（亿元）"], rows)

    # 执法人员名录
    people = ["王强", "李敏", "陈杰", "赵磊", "周涛", "吴芳", "孙伟", "郑丽", "钱多", "冯雪", "褚明", "卫东"]
    rows = []
    for i, p in enumerate(people, 1):
        conflicts = ents[i]["uscc"] if i in (2, 5) else None
        # most officers are general enforcement staff; a few hold sector certificates
        certified = "、".join(rng.sample(["工矿商贸", "危险化学品", "建设施工", "消防"], 2)) if i <= 4 else None
        rows.append([p, f"ZJ3301{i:05d}", "西湖区应急管理局", rng.choice(TOWNS), certified, f"1390571{i:04d}",
                     _id_number(f"33010619800101{i:03d}"), conflicts])
    files["inspector"] = d / "执法人员名录.xlsx"
    _xlsx(files["inspector"], "执法人员名录",
          ["姓名", "执法证号", "所属单位", "居住乡镇", "执法领域", "联系电话", "身份证号", "回避企业"], rows)

    # 工作任务台账: the plan's dated tasks as the county tracks them
    rows = [["M02", "建立健全重大风险隐患排查日志制度", "四(三)1", date(2017, 12, 31), date(2017, 12, 20), "已完成"],
            ["M03", "建立健全重大安全隐患报告制度", "四(三)1", date(2017, 12, 31), date(2018, 1, 15), "已完成"],
            ["M04", "建立健全隐患有奖举报制度", "四(三)1", date(2017, 12, 31), None, "推进中"],
            ["M06", "制定四个行业领域风险分级管控和隐患排查治理制度规范", "四(二)1", date(2018, 6, 30), date(2018, 6, 28), "已完成"],
            ["M07", "建立与企业隐患排查治理系统联网的信息平台", "四(二)1", date(2018, 12, 31), None, "推进中"]]
    files["plan_task"] = d / "三年行动工作任务台账.xlsx"
    _xlsx(files["plan_task"], "三年行动工作任务台账", ["任务编号", "任务名称", "依据条款", "完成时限", "完成日期", "完成情况"],
          rows, date_cols=(3, 4))
    return files


def run_demo(folder: Path, echo: Callable[[str], None] | None = None) -> dict:
    """Write the demo ledgers, then run every stage on them: import (with error workbooks),
    audit (with its workbook), a county draw (task list, notices, verification), reports."""
    return _run(folder, echo, write_demo_ledgers, (import_stage, audit_stage, sample_stage, report_stage))


def _run(folder: Path, echo, write_ledgers, stages, period: str = "") -> dict:
    """Ledgers written into a fresh demo database's folder, then each stage in turn."""
    say = echo or (lambda s: None)
    folder.mkdir(parents=True, exist_ok=True)
    files = write_ledgers(folder)
    say(f"已生成演示台账 {len(files)} 份{period}：{folder / '台账'}")
    db = folder / "demo.db"
    if db.exists():
        db.unlink()
    conn = connect(db)
    summary: dict = {"folder": str(folder), "db": str(db), "ledgers": {k: str(v) for k, v in files.items()}}
    try:
        for stage in stages:
            summary.update(stage(conn, folder, say))
    finally:
        conn.close()
    say(f"数据库：{db}")
    return summary


def import_stage(conn, folder: Path, say) -> dict:
    res = import_files(conn, [folder / "台账"], county=COUNTY)
    t = res.totals
    say(f"导入：数据行 {t['rows']}，新增 {t['inserted']}，拒收 {t['rejected']}" +
        (f"（演示台账中故意留有错误，见 zjsafety import {folder / '台账'} --dry-run）" if t["rejected"] else ""))
    books = write_error_books(res, folder / "退回修改")
    if books:
        say(f"错误标注工作簿：{folder / '退回修改'}")
    return {"import": t, "error_books": [str(p) for p in books]}


def audit_stage(conn, folder: Path, say) -> dict:
    """The county at the end of 2018, with its workbook."""
    report = audit.run(conn, COUNTY, date(2018, 12, 31))
    path = write_audit_xlsx(report, audit.explain_all(conn, report), folder / "核查结果_西湖区_2018.xlsx")
    by_rule = report.rule_statuses()  # each rule once, by its worst figure
    counts = {s: sum(1 for st in by_rule.values() if st == s) for s in ("pass", "fail", "amber", "n/a")}
    say(f"核查（截至 2018-12-31）：指标 {len(by_rule)} 项（按县和行业领域 {len(report.results)} 个结果），"
        f"按最差结果计：达标 {counts['pass']}，未达标 {counts['fail']}，预警 {counts['amber']}，"
        f"无数据 {counts['n/a']}；工作簿：{path}")
    return {"audit": counts, "audit_xlsx": str(path)}


def sample_stage(conn, folder: Path, say) -> dict:
    """A plan with the seed committed, the draw from it with its papers, and its verification."""
    req = request(level="county", scope=COUNTY, year=2019, as_of=date(2019, 1, 15), spares=3)
    seed = "2019-县级-第1批"
    p = plan(conn, req, commit_seed=seed)
    papers = write_papers(conn, p, notice_dir=folder / "公告")
    x = folder / "抽查任务_2019_县级_第1批.xlsx"
    d = draw(conn, level="county", scope=COUNTY, year=2019, seed=seed, plan_id=p.id, as_of=date(2019, 1, 15),
             stage=lambda d: stage(conn, d, xlsx=x, notice_dir=folder / "公告"))
    v = verify(conn, d.id)
    res = d.result
    say(f"抽查：从 {d.row['frame_size']} 家企业中抽取 {len(res['selected'])} 家（配额 {d.row['quota']}，"
        f"本年已覆盖 {res['covered']}，合计 {len(res['selected']) + res['covered']}），复核{'通过' if v.ok else '未通过'}；"
        f"任务清单：{x}")
    return {"sample": {"plan": p.id, "id": d.id, "selected": len(res["selected"]), "covered": res["covered"],
                       "verified": v.ok}, "sample_xlsx": str(x),
            "notices": [str(q) for q in papers] + sorted(str(q) for q in (folder / "公告").glob("抽查*公告_*第2号.docx"))}


def report_stage(conn, folder: Path, say) -> dict:
    data = reports.build(conn, COUNTY, date(2019, 6, 30), since=date(2018, 12, 31))
    paths = [reports.write(data, folder / f"西湖区三年行动进展_2019上半年{ext}") for ext in (".xlsx", ".docx", ".html")]
    say("报告：" + "、".join(str(p) for p in paths))
    return {"reports": [str(p) for p in paths]}


# ---------------------------------------------------------------- the 2024—2026 plan

PLAN_2024 = "cn-2024-2026"
AS_OF_2024 = [date(2024, 12, 31), date(2025, 12, 31), date(2026, 11, 30)]
# major hazards found per year and sector: the stock of 2023 and before, a rise in 危险化学品 in
# 2025, and 2026 to the end of November
FOUND = {2022: {"工矿商贸": 3, "危险化学品": 2}, 2023: {"工矿商贸": 5, "危险化学品": 3, "消防": 2},
         2024: {"工矿商贸": 4, "危险化学品": 2, "消防": 2}, 2025: {"工矿商贸": 3, "危险化学品": 4, "消防": 1},
         2026: {"工矿商贸": 2, "危险化学品": 2, "消防": 1}}
DESCRIPTIONS = {"工矿商贸": ["粉尘涉爆除尘系统未按规范设置", "有限空间作业未落实审批", "液氨制冷车间人员密集"],
                "危险化学品": ["储罐区紧急切断阀失效", "重点监管工艺未实现自动化控制", "装置区控制室未抗爆"],
                "消防": ["人员密集场所安全出口锁闭", "高层建筑消防设施瘫痪"]}


def write_demo_ledgers_2024(folder: Path, seed: int = 2024) -> dict[str, Path]:
    """The demo county's enterprises and its major hazards of 2022—2026, in the layout of a
    public hazard system's 重大事故隐患情况列表 (title row, 行业与领域, 计划治理期限, 治理状态,
    实际治理日期): the 2024—2026 plan's rules rest on these dates."""
    rng = random.Random(seed)
    d = folder / "台账"
    d.mkdir(parents=True, exist_ok=True)
    ents = _enterprises(rng)
    files = {"enterprise": d / "西湖区企业基本信息台账.xlsx", "hazard": d / "重大事故隐患情况列表_2022-2026.xlsx",
             "training": d / "主要负责人安全培训记录.xlsx"}
    # national-economy industry codes (GB/T 4754): a few mines and metal smelters among the 工矿商贸 firms
    codes = {"0810": "矿山", "1011": "矿山", "3120": "冶炼", "3211": "冶炼", "3130": "", "1810": "", "3311": ""}
    other = random.Random(seed + 1)  # codes and trainings drawn apart, the hazards stay as they were
    for e in ents:
        e["code"] = other.choice(list(codes)) if e["sectors"][0] == "工矿商贸" and not e["closed"] else ""
    _xlsx(files["enterprise"], "西湖区企业基本信息台账",
          ["序号", "企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域", "国民经济行业代码", "经营状态"],
          [[i, e["name"], e["uscc"], "西湖区", e["town"], "、".join(e["sectors"]), e["code"], "关闭" if e["closed"] else "在营"]
           for i, e in enumerate(ents, 1)], filed="2026年12月1日")
    # 2024: every mine's principal trained; 2025: one smelter's not
    people, smelters = [], [e for e in ents if codes.get(e["code"]) == "冶炼"]
    for e in ents:
        kind = codes.get(e["code"])
        if kind == "矿山":
            people.append([e["name"], e["uscc"], f"{other.choice('张王李赵钱孙')}{other.choice('伟芳敏杰强磊')}", "总经理",
                           date(2024, 4, 1) + timedelta(days=other.randrange(200)), "矿山企业主要负责人安全生产专题培训"])
        elif kind == "冶炼" and e is not smelters[-1]:
            people.append([e["name"], e["uscc"], f"{other.choice('张王李赵钱孙')}{other.choice('伟芳敏杰强磊')}", "董事长",
                           date(2025, 3, 1) + timedelta(days=other.randrange(200)), "金属冶炼企业主要负责人集中培训"])
    _xlsx(files["training"], "主要负责人安全培训记录",
          ["单位名称", "统一社会信用代码", "参训人员姓名", "职务", "培训日期", "培训班次"], people, date_cols=(4,),
          filed="2026年12月1日")
    end = AS_OF_2024[-1]
    rows, n = [], 0
    for year, by_sector in FOUND.items():
        for sector, count in by_sector.items():
            pool = [e for e in ents if sector in e["sectors"] or (sector == "消防" and "工矿商贸" in e["sectors"])]
            for _ in range(count):
                n += 1
                e = rng.choice(pool)
                found = date(year, 1, 1) + timedelta(days=rng.randrange(330 if year == end.year else 365))
                deadline = found + timedelta(days=rng.choice((60, 90, 120)))
                roll = rng.random() * (0.6 if sector == "消防" else 1)  # 消防: every one rectified in time
                done = (found + timedelta(days=rng.randrange(20, 55)) if roll < 0.6 else
                        deadline + timedelta(days=rng.randrange(30, 400)) if roll < 0.85 else None)
                if done is not None and done > end:
                    done = None
                rows.append([n, e["name"], e["uscc"], sector, f"ZD{year}{n:03d}", rng.choice(DESCRIPTIONS[sector]),
                             found, deadline, "已整改" if done else "整改中", done, "是"])
    _xlsx(files["hazard"], "西湖区重大事故隐患情况列表（2022—2026年）",
          ["序号", "单位名称", "统一社会信用代码", "行业与领域", "隐患编号", "隐患内容", "排查日期", "计划治理期限",
           "治理状态", "实际治理日期", "是否挂牌督办"], rows, date_cols=(6, 7, 9), filed="2026年12月1日")
    return files


def run_demo_2024(folder: Path, echo: Callable[[str], None] | None = None) -> dict:
    """The 2024—2026 plan's demo: its ledgers imported, the audit at three dates (the pack in
    force chosen by each date), the workbook and the report at the last."""
    return {"plan": PLAN_2024, **_run(folder, echo, write_demo_ledgers_2024,
                                      (import_stage, audit_stage_2024, report_stage_2024), "（2022—2026年）")}


def audit_stage_2024(conn, folder: Path, say) -> dict:
    audits = {}
    for day in AS_OF_2024:
        report = audit.run(conn, COUNTY, day)
        figures = "；".join(f"{r.title} {r.numerator:g}/{r.denominator:g} {r.status_label()}"
                           for r in report.results if r.denominator is not None and not r.sector)
        say(f"核查（截至 {day}，{report.plan_title}）：{figures}")
        audits[day.isoformat()] = {"plan": report.plan, "statuses": report.rule_statuses()}
    path = write_audit_xlsx(report, audit.explain_all(conn, report), folder / "核查结果_西湖区_2026.xlsx")
    say(f"核查工作簿：{path}")
    return {"audits": audits, "audit_xlsx": str(path)}


def report_stage_2024(conn, folder: Path, say) -> dict:
    data = reports.build(conn, COUNTY, AS_OF_2024[-1], since=date(2025, 11, 30))
    paths = [reports.write(data, folder / f"西湖区治本攻坚三年行动进展_2026{ext}") for ext in (".xlsx", ".docx", ".html")]
    say("报告：" + "、".join(str(p) for p in paths))
    return {"reports": [str(p) for p in paths]}


PLAN_2017 = "zj-2017-2020"
DEMOS = {PLAN_2017: run_demo, PLAN_2024: run_demo_2024}


def run_plan_demo(folder: Path, plan: str = PLAN_2017, echo: Callable[[str], None] | None = None) -> dict:
    """The demo of a shipped pack (`DEMOS`); another name is a usage error naming those there are."""
    if plan not in DEMOS:
        raise UsageError(f"--plan：没有“{plan}”的演示，可用：{'、'.join(DEMOS)}。")
    return DEMOS[plan](folder, echo)

