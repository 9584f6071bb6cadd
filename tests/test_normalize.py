import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from zjsafety.core.normalize import (USCC_ALPHABET, CellError, canonical_sector, industry_sector_hint,
                                org_code_check_char, parse_bool, parse_date, parse_int, parse_number,
                                parse_sectors, parse_uscc, uscc_check_char, uscc_problem)

PUBLISHED = Path(__file__).parent / "fixtures" / "uscc_published.csv"


def published():
    with open(PUBLISHED, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("row", published(), ids=lambda r: r["uscc"])
def test_published_uscc_validity_matches_reference(row):
    assert (uscc_problem(row["uscc"]) is None) == (row["valid"] == "True")


@pytest.mark.parametrize("row", [r for r in published() if r["valid"] == "True"], ids=lambda r: r["uscc"])
def test_every_single_character_change_of_a_real_uscc_is_invalid(row):
    code = row["uscc"]
    for pos in range(18):
        for c in USCC_ALPHABET:
            if c != code[pos]:
                changed = code[:pos] + c + code[pos + 1:]
                assert uscc_problem(changed) is not None, changed


def test_uscc_normalised_from_fullwidth_spaces_and_lower_case():
    assert parse_uscc(" ９１３３０１００５８０２７４７９５ｂ ") == "91330100580274795B"
    assert parse_uscc("91330100-580274795b") == "91330100580274795B"
    assert parse_uscc("") is None


def test_uscc_messages_say_what_is_wrong():
    with pytest.raises(CellError) as e:
        parse_uscc("9133010058027479")
    assert e.value.slug == "bad_uscc" and "18位" in e.value.message
    with pytest.raises(CellError) as e:
        parse_uscc("91330100580274795I")
    assert "I" in e.value.message
    with pytest.raises(CellError) as e:
        parse_uscc("91330000749021884X")  # the fabricated code in circulation
    assert "组织机构代码校验位" in e.value.message


def test_embedded_org_code_is_checked_even_when_outer_check_char_fits():
    body = "12345678"
    wrong = "9" if org_code_check_char(body) != "9" else "8"
    first17 = "91330106" + body + wrong
    code = first17 + uscc_check_char(first17)
    assert "组织机构代码" in uscc_problem(code)


uscc_bodies = st.tuples(st.sampled_from(["91", "92", "93", "11", "12"]),
                        st.sampled_from(["330106", "330000", "330383", "330183"]),
                        st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))


@given(uscc_bodies)
def test_generated_codes_with_both_check_chars_are_valid(parts):
    kind, region, org8 = parts
    org = org8 + org_code_check_char(org8)
    if org[-1] not in USCC_ALPHABET:  # GB 11714 check 'X' is in the alphabet; all digits are
        return
    first17 = kind + region + org
    assert uscc_problem(first17 + uscc_check_char(first17)) is None


@pytest.mark.parametrize("raw", ["2018-06-30", "2018/6/30", "2018.6.30", "2018年6月30日", "20180630",
                                 "2018 年 6 月 30 日", "２０１８．６．３０", 43281, 43281.0, "43281",
                                 date(2018, 6, 30), datetime(2018, 6, 30, 9, 30), 20180630.0,
                                 "2018-06-30 00:00:00"])
def test_dates_in_ledger_forms(raw):
    assert parse_date(raw) == date(2018, 6, 30)


def test_1904_serials():
    assert parse_date(41819, date1904=True) == date(2018, 6, 30)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]))
def test_any_date_written_in_a_known_form_parses_back(d, fmt):
    assert parse_date(d.strftime(fmt)) == d


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_excel_serials_round_trip(d):
    serial = (d - date(1899, 12, 30)).days
    assert parse_date(float(serial)) == d


@pytest.mark.parametrize("raw,slug", [("2018-02-30", "bad_date"), ("明天", "bad_date"), ("2018年6月", "incomplete_date"),
                                      ("1880-01-01", "bad_date"), (timedelta(days=3), "bad_date")])
def test_bad_dates(raw, slug):
    with pytest.raises(CellError) as e:
        parse_date(raw)
    assert e.value.slug == slug


@pytest.mark.parametrize("raw,want", [("是", True), ("否", False), ("√", True), ("×", False), ("有", True),
                                      ("无", False), ("Y", True), ("n", False), ("", None), (None, None),
                                      ("  是 ", True), (1.0, True), (0, False)])
def test_yes_no_cells(raw, want):
    assert parse_bool(raw) is want


def test_yes_no_rejects_other_text():
    with pytest.raises(CellError) as e:
        parse_bool("也许")
    assert e.value.slug == "bad_bool" and "是" in e.value.message


@pytest.mark.parametrize("raw,want", [("危化品", "危险化学品"), ("工贸", "工矿商贸"), ("建筑施工", "建设施工"),
                                      ("道路运输", "道路交通"), ("消防", "消防"), ("危险化学品行业", "危险化学品"),
                                      ("特种设备", "特种设备"), (" 工矿商贸 ", "工矿商贸")])
def test_sector_spellings(raw, want):
    assert canonical_sector(raw) == want


def test_unknown_sector_lists_the_valid_ones():
    with pytest.raises(CellError) as e:
        canonical_sector("航天")
    assert e.value.slug == "unknown_sector" and "工矿商贸" in e.value.message


def test_a_cell_with_two_sectors():
    assert parse_sectors("工贸、危化品") == ["工矿商贸", "危险化学品"]
    assert parse_sectors("工矿商贸;工贸") == ["工矿商贸"]


@pytest.mark.parametrize("code,want", [("2614", "危险化学品"), ("C2614", "危险化学品"), ("3311", "工矿商贸"),
                                       ("4710", "建设施工"), ("5411", "道路交通"), ("0411", "渔业船舶"),
                                       ("4500", "城市运行"), ("9999", None), ("", None)])
def test_industry_code_hints(code, want):
    assert industry_sector_hint(code) == want


def test_numbers_as_text_and_units():
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("5000元") == 5000
    assert parse_int("12.0") == 12
    with pytest.raises(CellError):
        parse_int("1.5")
    with pytest.raises(CellError):
        parse_int("-3")
