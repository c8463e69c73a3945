"""The region dataset and the issuer → region matching (ingest/data/regions.py, ingest/load/issuers.py)."""

from __future__ import annotations

import collections

import pytest

from ingest.data import regions
from ingest.load.issuers import ISSUER_LEVELS, classify_issuer


def test_every_county_level_unit_with_province_and_prefecture():
    units = regions.county_level_units()
    # the national totals of county-level divisions are about 2,840; the dataset must be complete
    assert 2800 <= len(units) <= 2900
    kinds = collections.Counter(u.region_type for u in units)
    assert kinds["county"] > 1200 and kinds["district"] > 900 and kinds["county_level_city"] > 350
    for u in units:
        assert len(u.code) == 6 and u.code.isdigit(), u
        assert u.name and u.province_name and u.prefecture_name and u.prefecture_code, u
        assert u.code.startswith(u.province_code[:2]), u
    by = regions.by_code()
    assert by["610921"].name == "汉阴县" and by["610921"].prefecture_name == "安康市"
    assert by["610921"].province_name == "陕西省"
    assert by["320813"].name == "洪泽区" and by["320813"].prefecture_name == "淮安市"


def test_municipality_districts_and_directly_governed_counties_have_a_prefecture_group():
    by = regions.by_code()
    assert by["110105"].prefecture_name == "北京市" and by["110105"].prefecture_type_zh == "直辖市"
    xiantao = by["429004"]  # 仙桃市, governed by 湖北省 directly
    assert xiantao.prefecture_name == regions.DIRECT_GROUP_NAME and xiantao.prefecture_code == "429000"


@pytest.mark.parametrize("issuer, code, level, issuer_id", [
    ("汉阴县人民政府", "610921", "county_government", "610921:county_government"),
    ("陕西省汉阴县人民政府", "610921", "county_government", "610921:county_government"),
    ("汉阴县人民政府办公室", "610921", "general_office", "610921:general_office"),
    ("汉阴县政府办", "610921", "general_office", "610921:general_office"),
    ("汉阴县教育体育和科技局", "610921", "department", "610921:department:教育体育和科技局"),
    ("汉阴县涧池镇人民政府", "610921", "township", "610921:township:涧池镇"),
    ("汉阴县城关镇人民政府", "610921", "township", "610921:township:城关镇"),
    # the same body under two names (Hongze 2023 vs 2024) is one issuer
    ("洪泽区人民政府", "320813", "county_government", "320813:county_government"),
    ("淮安市洪泽区人民政府", "320813", "county_government", "320813:county_government"),
    # a name shared by several units is settled by the prefecture printed before it
    ("北京市朝阳区人民政府", "110105", "county_government", "110105:county_government"),
    ("长春市朝阳区人民政府", "220104", "county_government", "220104:county_government"),
    ("仙桃市人民政府", "429004", "county_government", "429004:county_government"),
    # a county-level name inside the department's own name does not win over the issuer's unit
    ("汉阴县城区管理局", "610921", "department", "610921:department:城区管理局"),
    (" 汉阴县 人民政府 ", "610921", "county_government", "610921:county_government"),
])
def test_issuer_is_mapped_to_its_county_and_level(issuer, code, level, issuer_id):
    m = classify_issuer(issuer)
    assert (m.region_code, m.issuer_level, m.issuer_id) == (code, level, issuer_id)
    assert m.issuer_level in ISSUER_LEVELS


def test_ambiguous_or_unknown_issuers_are_not_guessed():
    amb = classify_issuer("朝阳区人民政府")  # Beijing or Changchun: say so, do not pick
    assert amb.region_code is None and amb.match_method == "ambiguous" and amb.issuer_level == "other"
    pref = classify_issuer("淮安市人民政府")  # a prefecture government is not a county-level unit
    assert pref.region_code is None and pref.issuer_level == "prefecture_body"
    assert classify_issuer(None).issuer_id == "unmatched:?"


def test_archive_issuer_settles_what_the_report_leaves_open():
    m = classify_issuer("朝阳区人民政府", hint="北京市朝阳区人民政府")
    assert (m.region_code, m.issuer_level, m.match_method) == ("110105", "county_government", "hint")
    m = classify_issuer("县政府办", hint="汉阴县人民政府")
    assert (m.region_code, m.issuer_level) == ("610921", "general_office")


def test_demo_units_are_fictional_and_identified_like_real_ones():
    """The demo's places exist nowhere: a 99xxxx code no real unit has, 演示 in every name, no
    name shared with a real unit; the real matcher files their issuers (and still files real ones)."""
    real = regions.county_level_units()
    demo = regions.demo_units()
    assert len(demo) == 48 and all(r.is_fictional for r in demo) and not any(r.is_fictional for r in real)
    assert all(r.code.startswith("99") and "演示" in r.name + r.prefecture_name + r.province_name
               for r in demo)
    assert not {r.code for r in demo} & {r.code for r in real}
    assert not any(d.name in r.name or r.name in d.name for d in demo for r in real)
    m = classify_issuer("甲子演示区人民政府")
    assert (m.region_code, m.issuer_level, m.match_method) == ("990101", "county_government", "name")
    m = classify_issuer("丁亥演示县财政局")
    assert (m.region_code, m.issuer_level) == ("990412", "department")
    assert classify_issuer("东城区人民政府").region_code == "110101"
