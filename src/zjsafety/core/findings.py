"""Findings: data problems reported to the clerk, never raised."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Finding:
    type: str  # slug, e.g. bad_uscc, missing_value, duplicate_in_file
    message: str  # Chinese, says what is wrong and what is expected
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # as Excel numbers it
    column: str | None = None  # letter, as Excel shows it
    header: str | None = None
    value: str | None = None
    severity: str = "error"  # error: the row (or sheet) was rejected; warning: stored anyway

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("file")
        return d


# The finding types import can report, with what each means: README's catalogue is built
# from this table, and a test checks that every type raised is listed here.
FINDING_TYPES: dict[str, str] = {
    "missing_value": "必填项为空",
    "bad_uscc": "统一社会信用代码无效（长度、字符或校验位不对）",
    "bad_org_code": "组织机构代码无效",
    "bad_date": "日期无法识别",
    "incomplete_date": "日期只有年月",
    "bad_bool": "应填“是/否”",
    "bad_number": "不是数字",
    "bad_integer": "应为整数",
    "negative": "不能为负数",
    "bad_year": "年份不对",
    "unknown_sector": "行业领域无法识别",
    "unknown_division": "不是浙江省的县（市、区）",
    "ambiguous_division": "县（市、区）名称有歧义",
    "bad_status": "整改状态无法识别",
    "bad_hazard_level": "隐患级别无法识别",
    "bad_level": "督查层级无法识别",
    "bad_accident_related": "无法判断是否事故处罚",
    "bad_enterprise_status": "企业状态无法识别",
    "error_cell": "单元格是公式错误值（#N/A 等）",
    "formula_no_value": "公式没有保存计算结果",
    "missing_county": "无法确定所属县（市、区）",
    "unknown_enterprise": "台账所列企业不在数据库中",
    "matched_by_name": "信用代码未找到，按企业名称匹配（请核对）",
    "duplicate_in_file": "同一文件内重复",
    "date_order": "日期先后矛盾（如整改日期早于发现日期）",
    "major_without_deadline": "重大隐患未填整改期限",
    "unknown_hazard": "登记的隐患编号不在隐患台账中",
    "unknown_column": "无法识别的列（已忽略）",
    "ambiguous_column": "列名可能是几个字段之一（未读取）",
    "missing_column": "表中缺少需要的列（整表说一次）",
    "townships_summed": "事故统计中各乡镇（街道）的行已合计为所在县（市、区）的数据",
    "from_title": "按文件名、表名或标题行补上台账未填的县（市、区）、督查层级、企业或隐患级别",
    "county_from_uscc": "未填县（市、区），按信用代码中的登记机关代码推定",
    "hazard_no_reused": "隐患编号在其他企业下也有（按不同隐患保存）",
    "number_reused": "危险源编号或处罚文书号在其他企业下也有（按不同记录保存）",
    "hazard_no_new_year": "隐患编号在该企业另一年度已用于另一隐患（按新的隐患保存）",
    "ambiguous_record": "库中有几条记录都可能是这一行（缺少能区分的列，未导入）",
    "uscc_correction": "信用代码与库中同名企业的只差一个字符，像是更正（未导入，待确认）",
    "inferred_kept": "推定的值与库中不同，保留库中的值",
    "scope_change": "台账所填的县（市、区）、行业领域或整改情况改变了库中的记录（已导入，请核对）",
    "unknown_conflict": "回避企业在数据库中找不到（不起回避作用）",
    "control_character": "含有不可见的控制字符（已删除）",
    "unrecognised_sheet": "工作表不是任何已知台账",
    "ambiguous_sheet": "工作表可能是多种台账",
    "hidden_sheet": "隐藏工作表已跳过",
    "empty_sheet": "工作表没有数据行",
}
