"""Issuer identity: every report under its government and county, by evidence in order.

Names are the real ones of the corpus (the 平潭 glued reports' issuers, Hanyin, Hongze) and of
the portal patterns in ../shared/spec/portals.md.
"""

from __future__ import annotations

import csv

import pytest

from ingest.data import regions
from ingest.load import issuers
from ingest.load.issuers import ISSUER_LEVELS, MATCH_METHODS, SourceEntry, identify

PINGTAN = SourceEntry("pingtan", "平潭县", "350128", "福建省", "福州市", "平潭县人民政府", ("pingtan.gov.cn",))
HANYIN = SourceEntry("hanyin", "汉阴县", "610921", "陕西省", "安康市", "汉阴县人民政府", ("hanyin.gov.cn",))
HONGZE = SourceEntry("hongze", "洪泽区", "320813", "江苏省", "淮安市", "洪泽区人民政府", ("hongze.gov.cn",))


@pytest.mark.parametrize("issuer, level, issuer_id", [
    # the zone's own government, under the names its reports use
    ("平潭综合实验区管委会", "county_government", "350128:county_government"),
    ("平潭综合实验区管理委员会", "county_government", "350128:county_government"),
    ("平潭综合实验区党工委管委会", "county_government", "350128:county_government"),
    ("平潭县人民政府", "county_government", "350128:county_government"),
    # the corpus' glued reports (manifest.csv)
    ("平潭综合实验区管委会办公室", "general_office", "350128:general_office"),
    ("平潭综合实验区国有资产管理局", "department", "350128:department:国有资产管理局"),
    ("平潭综合实验区经济发展局", "department", "350128:department:经济发展局"),
    ("平潭综合实验区综合执法与应急管理局", "department", "350128:department:综合执法与应急管理局"),
    ("平潭综合实验区君山片区管理局", "area_office", "350128:area_office:君山片区管理局"),
])
def test_pingtan_reports_land_under_the_entry_code(issuer, level, issuer_id):
    m = identify(issuer, source=PINGTAN)
    assert (m.region_code, m.issuer_level, m.issuer_id, m.match_method) == ("350128", level, issuer_id, "source")
    assert "pingtan" in m.evidence
    # without the registry source, the reviewed alias alone still places it
    a = identify(issuer)
    assert (a.region_code, a.issuer_level, a.issuer_id) == ("350128", level, issuer_id)
    assert a.match_method in ("alias", "name")


def test_the_source_government_name_decides_even_when_no_dataset_name_occurs():
    entry = SourceEntry("pt", "平潭县", "350128", "福建省", "福州市", "岚岛管理委员会")
    m = identify("岚岛管理委员会", source=entry)
    assert (m.region_code, m.issuer_level, m.match_method) == ("350128", "county_government", "source")
    assert identify("岚岛管理委员会").region_code is None  # no evidence without the source


def test_a_renamed_government_under_its_source_is_the_government():
    m = identify("洪泽县人民政府", source=HONGZE)  # 洪泽县 became 洪泽区 in 2016
    assert (m.region_code, m.issuer_level, m.issuer_id) == ("320813", "county_government", "320813:county_government")
    assert "lacks" in m.evidence


@pytest.mark.parametrize("issuer, level, issuer_id", [
    ("城关镇", "township", "610921:township:城关镇"),
    ("城关镇人民政府", "township", "610921:township:城关镇"),
    ("县教育局", "department", "610921:department:教育局"),
    ("县政府办", "general_office", "610921:general_office"),
    ("汉阴县教育体育和科技局", "department", "610921:department:教育体育和科技局"),
    ("陕西省安康市汉阴县人民政府", "county_government", "610921:county_government"),
    ("汉阴县月河川现代农业园区管委会", "area_office", "610921:area_office:月河川现代农业园区管委会"),
    # a name of several units (城区: 长治, 阳泉, 晋城 …) inside a township's name is no other county
    ("城区街道办事处", "township", "610921:township:城区街道"),
])
def test_bodies_listed_under_a_county_source_belong_to_it(issuer, level, issuer_id):
    m = identify(issuer, source=HANYIN)
    assert (m.region_code, m.issuer_level, m.issuer_id, m.match_method) == ("610921", level, issuer_id, "source")


def test_another_county_named_outright_is_a_conflict_not_a_guess():
    m = identify("石泉县人民政府", source=HANYIN)
    assert m.region_code is None and m.match_method == "conflict"
    assert "石泉县" in m.evidence and "hanyin" in m.evidence


@pytest.mark.parametrize("issuer, level, method", [
    ("安康市人民政府", "prefecture_body", "prefecture_body"),
    ("淮安市教育局", "prefecture_body", "prefecture_body"),
    ("陕西省统计局", "province_body", "province_body"),
])
def test_prefecture_and_province_bodies_have_no_county(issuer, level, method):
    for source in (None, HANYIN):
        m = identify(issuer, source=source)
        assert (m.region_code, m.issuer_level, m.match_method) == (None, level, method)


def test_a_prefecture_bureau_branch_in_the_county_belongs_to_it():
    m = identify("安康市生态环境局汉阴分局", source=HANYIN)
    assert (m.region_code, m.issuer_level, m.issuer_id) == (
        "610921", "department", "610921:department:安康市生态环境局汉阴分局")
    assert identify("安康市生态环境局汉阴分局").region_code is None  # without the source: unknown


def test_a_street_named_after_a_province_is_no_province_body():
    m = identify("江苏路街道办事处", source=SourceEntry("cn", "长宁区", "310105", "上海市", "上海市", "长宁区人民政府"))
    assert (m.region_code, m.issuer_level) == ("310105", "township")


def test_duplicated_name_is_settled_by_the_source_context():
    beijing = SourceEntry("cy", "朝阳区", "110105", "北京市", "北京市", "朝阳区人民政府")
    m = identify("朝阳区人民政府", source=beijing)
    assert m.region_code == "110105"
    assert identify("朝阳区人民政府").match_method == "ambiguous"


def test_index_no_and_url_host_are_the_last_evidence():
    m = identify("城关镇", index_no="11610921MB1234567X/2024-00012")
    assert (m.region_code, m.match_method) == ("610921", "index_no")
    m = identify("城关镇", index_no="610921-01-2024-0003")
    assert (m.region_code, m.match_method) == ("610921", "index_no")
    # the Hanyin seed's 索引号 carries no code: no evidence from it
    assert identify("城关镇", index_no="gzgbmgzgbm-GK-2024-0043").region_code is None
    m = identify("城关镇", url="https://www.hanyin.gov.cn/Content-1.html", sources={"hanyin": HANYIN})
    assert (m.region_code, m.match_method) == ("610921", "url_host")
    assert identify("城关镇", url="https://example.org/x", sources={"hanyin": HANYIN}).region_code is None


def test_unknown_keeps_a_reason():
    for m in (identify("城关镇"), identify(None), identify("朝阳区人民政府")):
        assert m.region_code is None and m.evidence
        assert m.match_method in MATCH_METHODS and m.issuer_level in ISSUER_LEVELS


def test_alias_table_is_reviewed_and_points_at_county_level_units():
    with issuers.ALIASES_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"alias", "region_code", "stands_for", "reason", "evidence"} <= set(rows[0])
    for r in rows:
        assert r["region_code"] in regions.by_code(), r
        assert regions.by_code()[r["region_code"]].name == r["region_name"], r
        assert r["reason"].strip() and r["evidence"].strip(), r
        assert r["stands_for"] in ISSUER_LEVELS


def test_fingerprint_moves_with_the_registry_entries():
    a = issuers.rules_fingerprint({"pingtan": PINGTAN})
    b = issuers.rules_fingerprint({"pingtan": SourceEntry("pingtan", "平潭县", "350128", government="X")})
    assert a != b and a == issuers.rules_fingerprint({"pingtan": PINGTAN})


def test_a_county_name_inside_a_longer_unknown_name_is_no_match():
    # 示范县 (the fixtures' fictional county) ends in 范县 (410926): not the same unit
    assert identify("示范县人民政府").region_code is None
    assert identify("示范县人民政府").match_method == "unmatched"
    # but a vertical agency's prefix before the county name is fine
    m = identify("国家税务总局汉阴县税务局")
    assert (m.region_code, m.issuer_level) == ("610921", "department")
