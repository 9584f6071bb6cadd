"""Figures the data does not support (issue 22): 无数据, never 0%, when a rule's ledger or column is absent."""

from datetime import date

from ledgers import NAMES, USCC, xlsx


def test_a_register_never_imported_is_no_data_not_zero(cli, tmp_path, db_path):
    cli("import", xlsx(tmp_path / "企业.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                       [[NAMES[i], USCC[i], "西湖区", "工矿商贸"] for i in range(3)]))
    cli("import", xlsx(tmp_path / "隐患.xlsx", ["隐患编号", "企业名称", "发现日期", "隐患描述", "隐患级别", "整改期限"],
                       [[f"H{i}", NAMES[i], date(2018, 3, 1), "液氨管道腐蚀", "重大", date(2018, 4, 1)] for i in range(3)]))
    r, data = cli.json("audit", "--scope", "西湖区", "--as-of", "2018-12-31")
    by = {x["rule"]: x for x in data["results"] if not x.get("sector")}
    reg = [x for x in data["results"] if x["rule"] == "major-hazard-registration"]
    assert reg and all(x["status"] == "n/a" for x in reg), reg
    assert "重大事故隐患登记表" in reg[0]["note"]
    for rule, word in (("listed-supervision", "挂牌督办"), ("dual-report", "报告")):
        rs = [x for x in data["results"] if x["rule"] == rule]
        assert rs and all(x["status"] == "n/a" for x in rs) and word in rs[0]["note"], (rule, rs)
    assert by  # (the audit ran)


def test_a_past_as_of_gives_the_same_figures_after_later_ledgers_arrive(tmp_path):
    """Every rule: the figures as of 2018-12-31 before and after a 2019 round of ledgers (hazards
    rectified in February, new inspections, registrations, penalties, screenings, tasks done)."""
    from openpyxl import load_workbook
    from zjsafety.demo import COUNTY, write_demo_ledgers
    from zjsafety.importers.pipeline import import_files
    from zjsafety.rules import audit
    from zjsafety.store import connect
    files = write_demo_ledgers(tmp_path)
    conn = connect(tmp_path / "d.db")
    import_files(conn, [tmp_path / "台账"], county=COUNTY)

    def figures():
        rep = audit.run(conn, COUNTY, date(2018, 12, 31))
        return sorted((r.rule, r.sector or "", str(r.year or ""), r.numerator, r.denominator, r.status,
                       r.extra.get("overdue_count"), tuple(sorted(map(str, r.missing or ())))) for r in rep.results)
    before = figures()
    # the February update: every hazard still open is rectified on 2019-02-15
    wb = load_workbook(files["hazard"])
    ws = wb.active
    for row in ws.iter_rows(min_row=5):
        if row[8].value in ("整改中", "未整改"):
            row[8].value, row[10].value = "已整改", date(2019, 2, 15)
    wb.save(tmp_path / "隐患2019.xlsx")
    ents = [r for r in load_workbook(files["enterprise"]).active.iter_rows(min_row=4, values_only=True) if r[1]]
    later = tmp_path / "2019"
    later.mkdir()
    xlsx(later / "督查2019.xlsx", ["企业名称", "统一社会信用代码", "督查日期", "督查层级", "督查部门"],
         [[e[1], e[2], date(2019, 3, 1), "县级", "西湖区应急管理局"] for e in ents[:30]])
    xlsx(later / "排查2019.xlsx", ["企业名称", "统一社会信用代码", "排查日期", "行业领域"],
         [[e[1], e[2], date(2019, 3, 2), "工矿商贸"] for e in ents[:40]])
    xlsx(later / "处罚2019.xlsx", ["处罚决定书文号", "被处罚单位", "统一社会信用代码", "处罚日期", "案件来源"],
         [[f"杭西罚〔2019〕9{i}号", e[1], e[2], date(2019, 4, 1), "日常执法检查"] for i, e in enumerate(ents[:5])])
    registered = {r[2] for r in load_workbook(files["major_hazard_register"]).active.iter_rows(min_row=4, values_only=True)}
    haz = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[1] and r[7] == "重大" and r[1] not in registered]
    xlsx(later / "登记2019.xlsx", ["登记编号", "隐患编号", "企业名称", "登记日期"],
         [[f"ZD2019-{i}", h[1], h[2], date(2019, 3, 3)] for i, h in enumerate(haz)])
    res = import_files(conn, [tmp_path / "隐患2019.xlsx", later], county=COUNTY)
    assert res.totals["inserted"] > 50 and res.totals["updated"] > 10  # the update really landed
    assert figures() == before
    conn.close()


def test_rules_are_counted_once_reductions_read_as_reductions_and_ids_are_shown(county_cli, tmp_path):
    from conftest import plain
    r = county_cli("report", "--scope", "西湖区", "--as-of", "2018-12-31", "-o", "-")
    text = plain(r.stdout)
    assert "共核查指标13项" in text and "zjsafety" not in text
    assert "下降" in text and "目标下降" in text
    r = county_cli("audit", "--scope", "西湖区", "--as-of", "2018-12-31", "--rule", "accident-reduction")
    assert "规则编号accident-reduction" in plain(r.stdout)
    r = county_cli("audit", "explain", "二", "--scope", "西湖区", "--as-of", "2018-12-31")  # by its clause
    assert r.exit_code in (0, 1) and "没有规则" not in plain(r.stdout + r.stderr)


def test_overdue_major_hazards_are_listed_by_ledger_number_with_file_and_row(tmp_path):
    from zjsafety.demo import COUNTY, write_demo_ledgers
    from zjsafety.importers.pipeline import import_files
    from zjsafety.rules import audit
    from zjsafety.store import connect
    write_demo_ledgers(tmp_path)
    conn = connect(tmp_path / "d.db")
    import_files(conn, [tmp_path / "台账"], county=COUNTY)
    rep = audit.run(conn, COUNTY, date(2018, 12, 31))
    r = next(x for x in rep.results if x.rule == "listed-supervision" and not x.sector)
    assert r.extra["overdue_count"] > 0 and all(str(i).startswith("XH") for i in r.extra["overdue"])
    items = audit.explain(conn, "listed-supervision", COUNTY, date(2018, 12, 31))
    overdue = [i for i in items if i["label"].startswith("超期未整改")]
    assert len(overdue) == r.extra["overdue_count"]
    assert all(i["file"] == "隐患排查治理台账.xlsx" and i["row"] and "整改期限" in i["label"] for i in overdue)
    conn.close()
