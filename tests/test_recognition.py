"""Kind and columns from evidence, in the clerk's words (issue 21): the faults found by trying
the tool with real lists, each through the CLI."""

from datetime import date

from conftest import plain, q
from ledgers import NAMES, USCC, xlsx



def ents(cli, tmp_path):
    r = cli("import", xlsx(tmp_path / "企业.xlsx", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                           [[NAMES[i], USCC[i], "西湖区", "工矿商贸"] for i in range(5)]))
    assert r.exit_code == 0


def test_a_departments_plain_list_is_an_enterprise_list(cli, tmp_path, db_path):
    rows = [[i + 1, NAMES[i], USCC[i], "二级", "张工", f"1380571000{i}"] for i in range(3)]
    r, data = cli.json("import", xlsx(tmp_path / "建设局名单.xlsx",
                                      ["序号", "企业名称", "社会统一信用代码", "资质等级", "项目负责人", "联系电话"], rows))
    assert r.exit_code == 0, data
    assert data["files"][0]["kind"] == "enterprise" and data["totals"]["inserted"] == 3
    assert q(db_path, "SELECT DISTINCT county_code FROM enterprise") == [("330106",)]  # from the USCCs, said


def test_name_code_and_county_alone_are_an_enterprise_list(cli, tmp_path, db_path):
    r, data = cli.json("import", xlsx(tmp_path / "名单.xlsx", ["企业名称", "统一社会信用代码", "所属县(市、区)"],
                                      [[NAMES[i], USCC[i], "西湖区"] for i in range(3)]))
    assert r.exit_code == 0 and data["totals"]["inserted"] == 3


def test_forcing_the_kind_never_says_a_present_name_column_is_missing(cli, tmp_path):
    r = cli("import", "--kind", "企业", xlsx(tmp_path / "名单.xlsx", ["序号", "企业名称", "资质等级"], [[1, NAMES[0], "二级"]]),
            "--county", "西湖区")
    assert r.exit_code == 0
    assert "缺少：企业名称" not in plain(r.stdout + r.stderr)


def test_a_penalty_type_is_not_the_accident_flag(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    r, data = cli.json("import", xlsx(tmp_path / "处罚.xlsx", ["处罚决定书文号", "企业名称", "处罚决定日期", "处罚类型", "罚款金额"],
                                      [["〔2018〕1号", NAMES[0], date(2018, 5, 1), "警告", 0],
                                       ["〔2018〕2号", NAMES[1], date(2018, 5, 2), "罚款", 5000]]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT accident_related FROM penalty") == [(None,), (None,)]  # unknown, not "no"
    assert not any(c["field"] == "accident_related" for c in data["files"][0]["columns"].values())


def test_a_planned_date_is_the_deadline_and_a_review_date_closes(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    r, data = cli.json("import", xlsx(tmp_path / "隐患.xlsx", ["企业名称", "排查时间", "隐患名称", "计划完成时间", "复查时间"],
                                      [[NAMES[0], date(2018, 3, 1), "消防通道堵塞", date(2018, 4, 1), date(2018, 3, 28)]]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT deadline, rectified_on, closed_on, status FROM hazard") == [
        ("2018-04-01", None, "2018-03-28", "已销号")]


def test_a_county_column_of_townships_is_the_township(cli, tmp_path, db_path):
    r, data = cli.json("import", xlsx(tmp_path / "企业.xlsx", ["企业名称", "统一社会信用代码", "企业属地"],
                                      [[NAMES[i], USCC[i], ["三墩镇", "蒋村街道"][i % 2]] for i in range(4)]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT DISTINCT township FROM enterprise ORDER BY 1") == [("三墩镇",), ("蒋村街道",)]


def test_a_title_names_the_county_the_level_and_the_enterprise(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    r, data = cli.json("import", xlsx(tmp_path / "检查.xlsx", ["企业名称", "检查日期", "检查结果"],
                                      [[NAMES[0], date(2018, 6, 1), "合格"]], title="2018年县级执法检查记录"))
    assert r.exit_code == 0 and q(db_path, "SELECT level FROM inspection") == [("county",)]
    assert "from_title" in {f["type"] for f in data["files"][0]["findings"]}
    r, data = cli.json("import", xlsx(tmp_path / "台账.xlsx", ["排查时间", "隐患名称", "隐患等级"],
                                      [[date(2018, 3, 1), "安全出口锁闭", "一般"]], title=f"{NAMES[2]}隐患治理信息台账"))
    assert r.exit_code == 0
    assert q(db_path, "SELECT e.name FROM hazard h JOIN enterprise e ON e.id = h.enterprise_id") == [(NAMES[2],)]


def test_a_follow_up_list_completes_stored_hazards_and_refuses_unknown_ones(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    cli("import", xlsx(tmp_path / "隐患.xlsx", ["隐患编号", "企业名称", "发现日期", "隐患描述", "隐患级别"],
                       [["YH-1", NAMES[0], date(2018, 3, 1), "液氨管道腐蚀", "重大"]]))
    r, data = cli.json("import", xlsx(tmp_path / "挂牌督办.xlsx", ["序号", "单位名称", "隐患编号", "是否整改", "挂牌级别"],
                                      [[1, NAMES[0], "YH-1", "否", "市级"], [2, NAMES[0], "YH-9", "否", "市级"]]))
    assert r.exit_code == 1
    # (hazard numbers are stored as codes: YH-1 is YH1)
    assert q(db_path, "SELECT hazard_no, listing_level, description FROM hazard") == [("YH1", "市级", "液氨管道腐蚀")]
    bad = [f for f in data["files"][0]["findings"] if f["type"] == "unknown_hazard"]
    assert len(bad) == 1 and "YH9" in bad[0]["message"]


def test_a_screening_re_imported_with_a_new_column_is_not_doubled(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    rows = [[NAMES[i], USCC[i], date(2018, 4, 1 + i)] for i in range(3)]
    cli("import", xlsx(tmp_path / "排查.xlsx", ["企业名称", "统一社会信用代码", "排查日期"], rows))
    m = tmp_path / "映射.toml"
    m.write_text('[排查]\n检查类型 = "排查类型"\n', encoding="utf-8")  # as a clerk writes it: no quotes on the left
    r, data = cli.json("import", xlsx(tmp_path / "排查2.xlsx", ["企业名称", "统一社会信用代码", "排查日期", "检查类型"],
                                      [r + ["安全生产大检查"] for r in rows]), "--map", m)
    assert data["totals"]["inserted"] == 0 and data["totals"]["updated"] == 3
    assert q(db_path, "SELECT COUNT(*), MIN(campaign) FROM screening") == [(3, "安全生产大检查")]


# ------------------------------------------------------------------ --map in the clerk's words

def test_map_takes_chinese_sections_and_labels(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    m = tmp_path / "映射.toml"
    m.write_text('[隐患]\n"隐患简述" = "隐患描述"\n"查出日期" = "发现日期"\n', encoding="utf-8")
    p = xlsx(tmp_path / "隐患.xlsx", ["企业名称", "查出日期", "隐患简述"], [[NAMES[0], date(2018, 3, 1), "配电箱未接地"]])
    r = cli("import", p, "--map", m)
    assert r.exit_code == 0, r.stdout
    assert q(db_path, "SELECT description FROM hazard") == [("配电箱未接地",)]


def test_a_broken_map_is_a_chinese_message_with_the_line(cli, tmp_path):
    m = tmp_path / "映射.toml"
    m.write_text('[隐患]\n"隐患简述" = "隐患描述"\n隐患日期 发现日期\n', encoding="utf-8")
    r = cli("import", xlsx(tmp_path / "a.xlsx", ["企业名称"], [[NAMES[0]]]), "--map", m)
    text = plain(r.stdout + r.stderr)
    assert r.exit_code == 2 and "第3行" in text and "line" not in text


def test_suggest_map_writes_a_draft_the_clerk_confirms(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    # 隐患简述 is no spelling of ours: without its description column the sheet is no hazard ledger
    p = xlsx(tmp_path / "隐患.xlsx", ["企业名称", "发现日期", "隐患简述", "隐患等级", "查出日期"],
             [[NAMES[0], date(2018, 3, 1), "配电箱未接地", "一般", date(2018, 3, 1)]])
    draft = tmp_path / "映射.toml"
    r = cli("import", p, "--suggest-map", draft)
    assert q(db_path, "SELECT COUNT(*) FROM hazard") == [(0,)]  # nothing stored
    text = draft.read_text("utf-8")
    assert "[隐患]" in text and '# "隐患简述" = "？"' in text and '# "查出日期" = ' in text
    draft.write_text(text.replace('# "隐患简述" = "？"', '"隐患简述" = "隐患描述"'), encoding="utf-8")
    r = cli("import", p, "--map", draft)
    assert r.exit_code == 0 and q(db_path, "SELECT description FROM hazard") == [("配电箱未接地",)]


# ------------------------------------------------------------------ what a ledger leaves implicit

def test_options_give_what_a_ledger_leaves_implicit(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    r = cli("import", xlsx(tmp_path / "检查.xlsx", ["企业名称", "检查日期"], [[NAMES[0], date(2018, 6, 1)]]), "--level", "市级")
    assert r.exit_code == 0 and q(db_path, "SELECT level FROM inspection") == [("city",)]
    r = cli("import", xlsx(tmp_path / "本企业.xlsx", ["排查时间", "隐患名称"], [[date(2018, 3, 1), "叉车无证"]]),
            "--enterprise", USCC[3])
    assert r.exit_code == 0
    assert q(db_path, "SELECT e.uscc FROM hazard h JOIN enterprise e ON e.id = h.enterprise_id") == [(USCC[3],)]
    r = cli("import", xlsx(tmp_path / "事故.xlsx", ["区县", "事故起数", "死亡人数"], [["西湖区", 40, 15]]), "--year", "2018")
    assert r.exit_code == 0 and q(db_path, "SELECT year, accidents FROM accident_stat") == [(2018, 40)]


def test_a_statistic_titled_with_its_year_needs_no_year_column(cli, tmp_path, db_path):
    r = cli("import", xlsx(tmp_path / "事故.xlsx", ["区县", "事故起数", "死亡人数"], [["西湖区", 36, 12]],
                           title="2019年生产安全事故统计"))
    assert r.exit_code == 0 and q(db_path, "SELECT year, accidents FROM accident_stat") == [(2019, 36)]


def test_a_month_only_date_counts_from_the_months_last_day_with_a_warning(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    r, data = cli.json("import", xlsx(tmp_path / "检查.xlsx", ["企业名称", "检查日期", "督查层级"],
                                      [[NAMES[0], "2018-05", "县级"], [NAMES[1], "2018年2月", "县级"]]))
    assert r.exit_code == 0
    assert q(db_path, "SELECT inspected_on FROM inspection ORDER BY 1") == [("2018-02-28",), ("2018-05-31",)]
    assert [f["severity"] for f in data["files"][0]["findings"] if f["type"] == "incomplete_date"] == ["warning"] * 2
    r = cli("import", xlsx(tmp_path / "隐患.xlsx", ["企业名称", "发现日期", "隐患描述"], [[NAMES[0], "2018-05", "叉车无证"]]))
    assert r.exit_code == 1  # a hazard's date found must be a day: deadlines count from it


# ------------------------------------------------------------------ the round trip with townships

def test_a_corrected_error_workbook_comes_back_cleanly(cli, tmp_path, db_path):
    from openpyxl import load_workbook
    ents(cli, tmp_path)
    src = xlsx(tmp_path / "台账.xlsx", ["企业名称", "发现日期", "隐患描述", "备用列"],
               [[NAMES[0], "2018年13月1日", "配电箱未接地", "x"], [NAMES[1], date(2018, 3, 2), "安全出口锁闭", "y"]])
    out = tmp_path / "退回"
    r, data = cli.json("import", src, "--errors-to", out)
    book = data["error_books"][0]
    assert book.endswith("台账.错误标注.xlsx")
    wb = load_workbook(book)
    summary = list(wb["错误汇总"].iter_rows(min_row=2, values_only=True))
    texts = " ".join(str(v) for row in summary for v in row if v)
    assert "--" not in texts and "(hazard)" not in texts  # written for the township, not the office
    assert any(row[6] == "无法识别的列（已忽略）" and row[8] == "该列未导入" for row in summary)
    assert wb["错误汇总"].cell(2, 8).alignment.wrap_text
    ws = wb["Sheet1"]
    ws["B2"] = date(2018, 3, 1)  # the township corrects the date
    wb.save(book)
    r, data = cli.json("import", book, "--errors-to", out)
    assert r.exit_code == 0, data
    assert [f["sheet"] for f in data["files"]] == ["Sheet1"]  # its 错误汇总 sheet is ours: skipped
    assert q(db_path, "SELECT COUNT(*) FROM hazard") == [(2,)]
    for p in data["error_books"]:
        assert ".错误标注.错误标注" not in p


def test_sector_words_of_real_systems_map_through_the_table(cli, tmp_path, db_path):
    rows = [[NAMES[0], USCC[0], "机械制造企业"], [NAMES[1], USCC[1], "商贸制造"], [NAMES[2], USCC[2], "危险化学品运输"],
            [NAMES[3], USCC[3], "食品加工"]]
    r = cli("import", xlsx(tmp_path / "企业.xlsx", ["企业名称", "统一社会信用代码", "行业类别"], rows))
    assert r.exit_code == 0
    assert q(db_path, "SELECT e.name, es.sector FROM enterprise e JOIN enterprise_sector es ON es.enterprise_id = e.id "
                      "ORDER BY e.id") == [(NAMES[0], "工矿商贸"), (NAMES[1], "工矿商贸"), (NAMES[2], "危险化学品"),
                                          (NAMES[3], "工矿商贸")]


def test_a_listing_without_numbers_is_matched_by_enterprise_and_description(cli, tmp_path, db_path):
    ents(cli, tmp_path)
    cli("import", xlsx(tmp_path / "隐患.xlsx", ["企业名称", "发现日期", "隐患描述", "隐患级别"],
                       [[NAMES[0], date(2018, 3, 1), "液氨管道腐蚀", "重大"], [NAMES[1], date(2018, 3, 2), "粉尘涉爆", "重大"]]))
    r, data = cli.json("import", xlsx(tmp_path / "挂牌督办.xlsx", ["单位名称", "隐患内容", "挂牌级别", "督办单位"],
                                      [[NAMES[0], "液氨管道腐蚀", "市级", "杭州市安委办"],
                                       [NAMES[1], "无此隐患", "县级", "西湖区安委办"]]))
    assert r.exit_code == 1
    assert q(db_path, "SELECT description, listing_level, listed FROM hazard ORDER BY found_on") == [
        ("液氨管道腐蚀", "市级", 1), ("粉尘涉爆", None, None)]
    assert [f["type"] for f in data["files"][0]["findings"] if f["severity"] == "error"] == ["unknown_hazard"]


# ------------------------------------------------------------------ accident statistics as offices exchange them

def _two_row(path, top, sub, rows, title=None):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(top)
    ws.append(sub)
    r0 = 2 if title else 1
    c = 0
    while c < len(top):  # merge each group over the blanks after it, and single headers down two rows
        if top[c] is not None and sub[c] is None:
            ws.merge_cells(start_row=r0, start_column=c + 1, end_row=r0 + 1, end_column=c + 1)
            c += 1
            continue
        end = c
        while end + 1 < len(top) and top[end + 1] is None:
            end += 1
        if end > c:
            ws.merge_cells(start_row=r0, start_column=c + 1, end_row=r0, end_column=end + 1)
        c = end + 1
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_a_statistic_with_a_production_subtotal_counts_production_accidents(cli, tmp_path, db_path):
    p = _two_row(tmp_path / "事故.xlsx", ["区县", "年份", "事故起数", None, "死亡人数", None],
                 [None, None, "总数", "其中：生产安全事故", "总数", "其中：生产安全事故"], [["西湖区", 2018, 55, 40, 20, 15]])
    r = cli("import", p)
    assert r.exit_code == 0, r.stdout
    assert q(db_path, "SELECT accidents, deaths FROM accident_stat") == [(40, 15)]


def test_a_statistic_with_a_column_pair_per_sector_is_summed(cli, tmp_path, db_path):
    p = _two_row(tmp_path / "分行业事故.xlsx", ["区县", "年份", "道路交通", None, "工矿商贸", None, "建设施工", None],
                 [None, None, "起数", "死亡人数", "起数", "死亡人数", "起数", "死亡人数"],
                 [["西湖区", 2018, 20, 8, 15, 5, 5, 2]])
    r = cli("import", p)
    assert r.exit_code == 0, r.stdout
    assert q(db_path, "SELECT accidents, deaths FROM accident_stat") == [(40, 15)]


def test_township_rows_are_summed_to_their_county_with_a_note(cli, tmp_path, db_path):
    rows = [["三墩镇", 12, 4], ["蒋村街道", 18, 6], ["留下街道", 10, 5]]
    p = xlsx(tmp_path / "乡镇事故.xlsx", ["乡镇（街道）", "事故起数", "死亡人数"], rows, title="西湖区2018年生产安全事故统计")
    r, data = cli.json("import", p)
    assert r.exit_code == 0, data
    assert q(db_path, "SELECT county_code, year, accidents, deaths FROM accident_stat") == [("330106", 2018, 40, 15)]
    assert "townships_summed" in {f["type"] for f in data["files"][0]["findings"]}


def test_names_and_codes_titled_as_the_above_scale_list_are_that_list(cli, tmp_path, db_path):
    rows = [[NAMES[i], USCC[i]] for i in range(3)]
    r, data = cli.json("import", xlsx(tmp_path / "2018年规上工业企业名录.xlsx", ["企业名称", "统一社会信用代码"], rows))
    assert r.exit_code == 0 and data["files"][0]["kind"] == "above_scale_list"
    assert q(db_path, "SELECT COUNT(*), MIN(list_year) FROM above_scale_list") == [(3, 2018)]
    assert q(db_path, "SELECT COUNT(*) FROM enterprise") == [(0,)]  # never stored as ordinary enterprises


def test_township_rows_of_one_county_and_year_are_summed_across_the_whole_sheet(cli, tmp_path, db_path, monkeypatch):
    """A province's township statistic runs to thousands of rows, more than a batch: the
    townships of one county and year are summed wherever they stand."""
    BATCH = 40
    monkeypatch.setattr("zjsafety.importers.pipeline.BATCH", BATCH)
    rows = [["西湖区", f"镇{i}", 2018, 1, 0] for i in range(BATCH - 10)]
    rows += [["西湖区", f"镇{i}", 2017, 2, 1] for i in range(20)]  # across the first batch's end
    rows += [["西湖区", f"镇{i}", 2018, 1, 1] for i in range(20)]
    p = xlsx(tmp_path / "乡镇事故.xlsx", ["县（市、区）", "乡镇（街道）", "年份", "事故起数", "死亡人数"], rows)
    r, data = cli.json("import", p)
    assert r.exit_code == 0, data
    assert q(db_path, "SELECT year, accidents, deaths FROM accident_stat ORDER BY year") == [
        (2017, 40, 20), (2018, BATCH + 10, 20)]
