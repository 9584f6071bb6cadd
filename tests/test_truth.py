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
