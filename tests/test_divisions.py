import pytest

from zjsafety.core import divisions
from zjsafety.core.divisions import Division, resolve
from zjsafety.core.normalize import CellError


@pytest.mark.parametrize("raw", ["西湖", "西湖区", "杭州市西湖区", "浙江省杭州市西湖区", "杭州西湖区", "330106",
                                 330106.0, " 西湖区 ", "西湖区三墩镇"])
def test_loose_names_resolve_to_the_code(raw):
    assert resolve(raw) == "330106"


def test_all_current_divisions_resolve_by_their_own_name():
    for d in divisions.all_divisions().values():
        if d.current:
            assert resolve(d.name) == d.code
            assert resolve(d.code) == d.code


def test_cities_and_province():
    assert resolve("杭州市") == "330100"
    assert resolve("3301") == "330100"
    assert resolve("浙江省") == "330000"


def test_longgang_exists_since_2019_and_hangzhou_2021_reorganisation():
    assert resolve("龙港市") == "330383"
    assert resolve("临平区") == "330113"
    assert resolve("钱塘区") == "330114"


def test_superseded_codes_still_resolve():
    assert resolve("下城区") == "330103"
    assert resolve("江干区") == "330104"
    assert divisions.get("330103").retired_in == 2021
    assert divisions.absorbed_into("330105") == ["330103"]
    # 江干 split in two: absorbed by neither alone
    assert "330104" not in divisions.absorbed_into("330102")


def test_a_short_name_prefers_the_current_division():
    assert resolve("临安") == "330112"
    assert resolve("玉环") == "331083"


def test_unknown_name_is_a_finding_not_a_guess():
    with pytest.raises(CellError) as e:
        resolve("鼓楼区")
    assert e.value.slug == "unknown_division" and "鼓楼区" in e.value.message
    with pytest.raises(CellError) as e:
        resolve("339999")
    assert e.value.slug == "unknown_division"


def test_ambiguous_name_names_the_candidates(monkeypatch):
    table = {
        "330000": Division("330000", "浙江省", "province", None, None, ()),
        "330100": Division("330100", "甲市", "prefecture", "330000", None, ()),
        "330200": Division("330200", "乙市", "prefecture", "330000", None, ()),
        "330101": Division("330101", "鼓楼区", "county", "330100", None, ()),
        "330201": Division("330201", "鼓楼区", "county", "330200", None, ()),
    }
    monkeypatch.setattr(divisions, "all_divisions", lambda: table)
    divisions._index.cache_clear()
    try:
        with pytest.raises(CellError) as e:
            resolve("鼓楼区")
        assert e.value.slug == "ambiguous_division"
        assert "330101" in e.value.message and "330201" in e.value.message
        assert resolve("乙市鼓楼区") == "330201"
    finally:
        monkeypatch.undo()
        divisions._index.cache_clear()


def test_scope_helpers():
    assert divisions.scope_prefix("330000") == "33"
    assert divisions.scope_prefix("330100") == "3301"
    assert divisions.in_scope("330106", "3301")
    assert not divisions.in_scope("330205", "330100")
    assert "330383" in divisions.counties_in("3303")
    assert len(divisions.counties_in("330000", include_retired=False)) == 90
