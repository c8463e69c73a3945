"""Every cell of every HTML fixture (tests/fixtures/html, made by generate.py there).

Each fixture reproduces a layout met on real portals; the expected tables are written out in
full from the values the fixture prints, not from what the parser returns.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.errors import NotAReport
from ingest.parse import PARSER_VERSION, parse_bytes, parse_path
from parse_expect import HTML, T3_COLS8, ZERO_T3_THREE_ROWS, table2_2021, table3, table4


def parse(name: str) -> dict:
    return parse_path(HTML / name)


# ---- Word-pasted 2021 tables (the benchmark page) ------------------------------------------------

W2021_T3 = {
    "new": [44, 6, 1, 2, 0, 1, 54],
    "carried_over": [3, 1, 0, 0, 0, 0, 4],
    "granted": [23, 3, 0, 1, 0, 0, 27],
    "partial": [6, 1, 0, 0, 0, 1, 8],
    "deny_state_secret": [1, 0, 0, 0, 0, 0, 1],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [2, 1, 0, 0, 0, 0, 3],
    "deny_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "deny_process_info": [1, 0, 0, 0, 0, 0, 1],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [7, 1, 1, 0, 0, 0, 9],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "unable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "reject_petition": [1, 0, 0, 1, 0, 0, 2],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 1],
    "other_no_fee": [0, 0, 0, 0, 0, 0, 0],
    "other_other": [0, 0, 0, 0, 0, 0, 0],
    "total": [47, 6, 1, 2, 0, 1, 57],
    "carry_forward": [0, 1, 0, 0, 0, 0, 1],
}


def test_word_pasted_2021_every_cell():
    r = parse("word_2021.html")
    assert r["table2"] == table2_2021([0, 0, 0], [4, 1, 23], 12650, 1873, 41, "24252.311082")
    assert r["table3"] == table3(W2021_T3)
    assert r["table4"] == table4([1, 1, 0, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    assert r["warnings"] == []
    assert (r["template"], r["templates"], r["table3_shape"]) == (
        "2021", {"table2": "2021", "table3": "2021"}, "three_rows")


def test_word_pasted_2021_metadata():
    r = parse("word_2021.html")
    assert r["title"] == "示范县人民政府2023年政府信息公开工作年度报告"
    assert (r["year"], r["year_source"]) == (2023, "title")
    assert r["issuer"] == "示范县人民政府"
    assert r["published_date"] == "2024-01-26"
    assert r["index_no"] == "11610000MB0000000X/2024-00017"
    assert r["info_processing_fee_yuan"] == Decimal("120")
    assert {k: v["value"] for k, v in r["narrative"].items()} == {
        "applications_received": 57, "applications_handled": 57, "review_cases": 2,
        "info_processing_fee_yuan": Decimal("120")}  # 未发生…行政诉讼 states no figure
    assert r["narrative"]["applications_received"]["match"] == "共收到政府信息公开申请57件"
    assert r["narrative"]["applications_received"]["raw_text"] == (
        "全年共收到政府信息公开申请57件,已全部按期办结57件,办结率100%")
    assert r["source"] == {"kind": "html", "encoding": "utf-8", "encoding_source": "meta", "url": None}
    assert r["parser_version"] == PARSER_VERSION


def test_word_pasted_numbers_split_over_spans_keep_their_printed_text():
    r = parse("word_2021.html")
    # <span>1265</span><span>0</span> is one printed number, 12650
    assert r["raw"]["table2"]["permits"] == {"decisions": "12650"}
    assert r["raw"]["table2"]["fees"] == {"amount_10k_yuan": "24252.311082"}
    assert isinstance(r["table2"]["fees"]["amount_10k_yuan"], Decimal)
    # every table-3 cell has its printed text beside its value
    for row, cells in r["table3"].items():
        for col, value in cells.items():
            assert r["raw"]["table3"][row][col] == str(value), (row, col)


# ---- a 2019-template report ------------------------------------------------------------------------

R2019_T3 = {
    "new": [12, 2, 0, 0, 1, 0, 15],
    "carried_over": [0, 0, 0, 0, 0, 0, 0],
    "granted": [7, 1, 0, 0, 1, 0, 9],
    "partial": [1, 0, 0, 0, 0, 0, 1],
    "deny_state_secret": [0, 0, 0, 0, 0, 0, 0],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [1, 0, 0, 0, 0, 0, 1],
    "deny_internal_affairs": [0, 0, 0, 0, 0, 0, 0],
    "deny_process_info": [0, 0, 0, 0, 0, 0, 0],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [0, 0, 0, 0, 0, 0, 0],
    "unable_not_held": [2, 1, 0, 0, 0, 0, 3],
    "unable_needs_creation": [0, 0, 0, 0, 0, 0, 0],
    "unable_unclear": [0, 0, 0, 0, 0, 0, 0],
    "reject_petition": [1, 0, 0, 0, 0, 0, 1],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other": [0, 0, 0, 0, 0, 0, 0],
    "total": [12, 2, 0, 0, 1, 0, 15],
    "carry_forward": [0, 0, 0, 0, 0, 0, 0],
}


def test_2019_template_report_every_cell():
    r = parse("report_2019.html")
    assert r["template"] == "2019"
    assert r["templates"] == {"table2": "2019", "table3": "2019"}
    assert r["table3_shape"] == "one_row"
    three = ["made", "published", "total_published"]
    items = ["items_prev_year", "items_change", "decisions"]
    assert r["table2"] == {
        "regulations": dict(zip(three, [0, 0, 0])),
        "normative_documents": dict(zip(three, [5, 5, 37])),
        "permits": dict(zip(items, [412, -18, 9876])),
        "other_services": dict(zip(items, [35, 2, 1204])),
        "penalties": dict(zip(items, [1020, 0, 2231])),
        "coercive_measures": dict(zip(items, [28, -3, 64])),
        "fees": {"items_prev_year": 17, "items_change": -1},
        "procurement": {"projects": 146, "amount": Decimal("75394432.52")},
    }
    assert r["raw"]["table2"]["procurement"] == {"projects": "146", "amount": "75394432.52元"}
    assert r["raw"]["table2"]["other_services"]["items_change"] == "+2"
    assert r["table3"] == table3(R2019_T3)
    assert r["table4"] == table4([1, 0, 0, 0, 1] + [0] * 10)
    assert r["warnings"] == []


def test_2019_report_metadata_from_a_trs_page():
    r = parse("report_2019.html")
    assert r["title"] == "样例区2019年政府信息公开工作年度报告"
    assert (r["year"], r["issuer"], r["published_date"]) == (2019, "样例区", "2020-03-20")
    assert r["index_no"] is None
    assert r["info_processing_fee_yuan"] is None  # section 六 says only 无
    assert r["narrative"]["applications_received"]["value"] == 15


# ---- GBK page labelled gb2312 ----------------------------------------------------------------------

GBK_T3 = {
    "new": [41, 6, 1, 2, 0, 1, 51],
    "carried_over": [3, 1, 0, 0, 0, 0, 4],
    "granted": [20, 3, 0, 1, 0, 0, 24],
    "partial": [6, 1, 0, 0, 0, 1, 8],
    "deny_state_secret": [1, 0, 0, 0, 0, 0, 1],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [2, 1, 0, 0, 0, 0, 3],
    "deny_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "deny_process_info": [1, 0, 0, 0, 0, 0, 1],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [7, 1, 1, 0, 0, 0, 9],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "unable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "reject_petition": [1, 0, 0, 1, 0, 0, 2],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 1],
    "other_no_fee": [0, 0, 0, 0, 0, 0, 0],
    "other_other": [0, 0, 0, 0, 0, 0, 0],
    "total": [44, 6, 1, 2, 0, 1, 54],
    "carry_forward": [0, 1, 0, 0, 0, 0, 1],
}


def test_gbk_page_declared_gb2312_is_read_as_gb18030():
    data = (HTML / "gbk_2022.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is GBK bytes
    r = parse_bytes(data, filename="gbk_2022.html")
    assert r["source"]["encoding"] == "gb18030" and r["source"]["encoding_source"] == "meta"
    # 堃 is outside GB2312: read correctly only because gb2312 is decoded as gb18030
    assert r["title"] == "堃山县人民政府2022年政府信息公开工作年度报告"
    assert r["issuer"] == "堃山县人民政府"
    assert (r["year"], r["published_date"], r["index_no"]) == (2022, "2023-01-18", "000014349/2023-00002")
    assert r["table2"] == table2_2021([0, 0, 0], [2, 0, 9], 3307, 415, 0, "0")
    assert r["table3"] == table3(GBK_T3)
    assert r["table4"] == table4([0] * 15)
    assert r["info_processing_fee_yuan"] == 0
    assert r["warnings"] == []


def test_http_charset_header_wins_over_a_wrong_meta():
    page = (HTML / "report_2019.html").read_text(encoding="utf-8")
    data = page.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">').encode("gb18030")
    r = parse_bytes(data, content_type="text/html; charset=GBK")
    assert r["source"]["encoding"] == "gb18030" and r["source"]["encoding_source"] == "header"
    assert r["title"] == "样例区2019年政府信息公开工作年度报告"
    assert r["table3"] == table3(R2019_T3)


# ---- blanks versus zeros ---------------------------------------------------------------------------

BLANKS_T3 = {
    "new": [42, 6, None, 2, 0, 1, 52],
    "carried_over": [3, 1, None, 0, 0, 0, 4],
    "granted": [21, 3, None, 1, 0, 0, None],
    "partial": [6, 1, None, 0, 0, 1, None],
    "deny_state_secret": [1, 0, None, 0, 0, 0, None],
    "deny_law_forbidden": ["—", 0, None, 0, 0, 0, None],
    "deny_security_stability": ["/", 0, None, 0, 0, 0, None],
    "deny_third_party": [2, 1, None, 0, 0, 0, None],
    "deny_internal_affairs": [1, 0, None, 0, 0, 0, None],
    "deny_process_info": [1, 0, None, 0, 0, 0, None],
    "deny_enforcement_file": [0, "无", None, 0, 0, 0, None],
    "deny_query_matter": [2, 0, None, 0, 0, 0, None],
    "unable_not_held": [7, 1, None, 0, 0, 0, None],
    "unable_needs_creation": [1, 0, None, 0, 0, 0, None],
    "unable_unclear": [1, 0, None, 0, 0, 0, None],
    "reject_petition": [1, 0, None, 1, 0, 0, None],
    "reject_duplicate": [0, 0, None, 0, 0, 0, None],
    "reject_publication": [0, 0, None, 0, 0, 0, None],
    "reject_mass_repeat": [0, 0, None, 0, 0, 0, None],
    "reject_confirmation": [0, 0, None, 0, 0, 0, None],
    "other_no_correction": [1, 0, None, 0, 0, 0, None],
    "other_no_fee": [0, 0, None, 0, 0, 0, None],
    "other_other": [0, 0, None, 0, 0, 0, None],
    "total": [45, 6, None, 2, 0, 1, None],
    "carry_forward": [0, 1, None, 0, 0, 0, 1],
}


def test_blank_cells_are_null_and_distinct_from_zero():
    r = parse("blanks.html")
    assert r["table2"] == {
        "regulations": {"issued": None, "repealed": None, "in_force": None},
        "normative_documents": {"issued": 3, "repealed": 0, "in_force": 12},
        "permits": {"decisions": 870},
        "penalties": {"decisions": None},
        "coercive_measures": {"decisions": None},
        "fees": {"amount_10k_yuan": None},
    }
    assert r["table3"] == table3(BLANKS_T3)
    assert r["table4"] == table4([0, 0, 0, 0, 0, None, None, None, None, None, 0, 0, 0, 0, 0])
    raw = r["raw"]
    # a printed blank keeps "" as its text; a printed null mark keeps the mark
    assert raw["table2"]["regulations"] == {"issued": "", "repealed": "", "in_force": ""}
    assert raw["table2"]["penalties"] == {"decisions": "/"}
    assert raw["table2"]["coercive_measures"] == {"decisions": "—"}
    assert raw["table2"]["fees"] == {"amount_10k_yuan": "无"}
    assert raw["table3"]["granted"]["total"] == ""
    assert raw["table3"]["deny_law_forbidden"]["natural_person"] == "—"
    assert raw["table3"]["deny_enforcement_file"]["commercial"] == "无"
    assert raw["table3"]["deny_enforcement_file"]["natural_person"] == "0"
    assert r["table3"]["deny_enforcement_file"]["natural_person"] == 0  # a printed 0 stays 0
    assert raw["table4"]["litigation_direct"]["total"] == ""
    assert r["warnings"] == []  # blanks are what the report printed, not a parser guess


# ---- table 4 printed without its 总计 header cells ------------------------------------------------


def test_table4_without_total_headers_still_reads_all_fifteen():
    r = parse("table4_no_totals.html")
    assert r["table4"] == table4([2, 1, 0, 1, 4, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    assert r["table2"] == table2_2021([0, 0, 0], [1, 0, 4], 96, 12, 0, "3.5")
    assert r["table3"] == table3(ZERO_T3_THREE_ROWS)
    assert r["title"] == "示范县审计局2023年度政府信息公开工作年度报告"
    assert r["issuer"] == "示范县审计局"
    assert r["warnings"] == []


# ---- a table split in two --------------------------------------------------------------------------

SPLIT_T3 = {
    "new": [46, 6, 1, 2, 0, 1, 56],
    "carried_over": [3, 1, 0, 0, 0, 0, 4],
    "granted": [25, 3, 0, 1, 0, 0, 29],
    "partial": [6, 1, 0, 0, 0, 1, 8],
    "deny_state_secret": [1, 0, 0, 0, 0, 0, 1],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [2, 1, 0, 0, 0, 0, 3],
    "deny_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "deny_process_info": [1, 0, 0, 0, 0, 0, 1],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [7, 1, 1, 0, 0, 0, 9],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "unable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "reject_petition": [1, 0, 0, 1, 0, 0, 2],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 1],
    "other_no_fee": [0, 0, 0, 0, 0, 0, 0],
    "other_other": [0, 0, 0, 0, 0, 0, 0],
    "total": [49, 6, 1, 2, 0, 1, 59],
    "carry_forward": [0, 1, 0, 0, 0, 0, 1],
}


def test_table_split_in_two_is_joined():
    r = parse("split_table.html")
    assert r["table3"] == table3(SPLIT_T3)
    assert r["table2"] == table2_2021([0, 0, 0], [7, 2, 31], 5402, 388, 17, "512.3")
    assert r["table4"] == table4([0] * 15)
    assert (r["index_no"], r["published_date"]) == ("SLQ-2024-000123", "2024-03-01")
    assert r["warnings"] == []


# ---- a report nested in a layout table -------------------------------------------------------------


def test_report_nested_in_a_layout_table():
    r = parse("nested.html")
    t3 = dict(ZERO_T3_THREE_ROWS)
    for key in ("new", "granted", "total"):
        t3[key] = [2, 0, 0, 0, 0, 0, 2]
    assert r["table3"] == table3(t3)
    assert r["table2"] == table2_2021([0, 0, 0], [0, 0, 2], 0, 0, 0, "0")
    assert r["table4"] == table4([0] * 15)
    assert r["title"] == "样例镇人民政府2023年政府信息公开工作年度报告"
    assert (r["issuer"], r["year"], r["published_date"]) == ("样例镇人民政府", 2023, "2024-02-02")
    assert r["info_processing_fee_yuan"] == 0
    assert r["warnings"] == []


# ---- mixed templates: 2021 table 2 beside a one-row （六） ----------------------------------------

MIXED_T3 = {
    "new": [43, 6, 1, 2, 0, 1, 53],
    "carried_over": [3, 1, 0, 0, 0, 0, 4],
    "granted": [22, 3, 0, 1, 0, 0, 26],
    "partial": [6, 1, 0, 0, 0, 1, 8],
    "deny_state_secret": [1, 0, 0, 0, 0, 0, 1],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [2, 1, 0, 0, 0, 0, 3],
    "deny_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "deny_process_info": [1, 0, 0, 0, 0, 0, 1],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [7, 1, 1, 0, 0, 0, 9],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "unable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "reject_petition": [1, 0, 0, 1, 0, 0, 2],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other": [1, 0, 0, 0, 0, 0, 1],
    "total": [46, 6, 1, 2, 0, 1, 56],
    "carry_forward": [0, 1, 0, 0, 0, 0, 1],
}


def test_mixed_templates_2021_table2_and_one_row_other():
    r = parse("mixed_templates.html")
    assert r["template"] == "2021"
    assert r["templates"] == {"table2": "2021", "table3": "2019"}
    assert r["table3_shape"] == "one_row"
    assert list(r["table3"]) == list(MIXED_T3)  # printed order, `other` in place of the three
    assert r["table3"] == table3(MIXED_T3)
    assert r["table2"] == table2_2021([1, 0, 3], [9, 4, 52], 20381, 2965, 130, "7730.28")
    assert r["warnings"] == []


# ---- the 28 × 8 subtotal variant -------------------------------------------------------------------

SUB_T3 = {
    "new": [45, 6, 1, 2, 0, 1, 10, 55],
    "carried_over": [3, 1, 0, 0, 0, 0, 1, 4],
    "granted": [24, 3, 0, 1, 0, 0, 4, 28],
    "partial": [6, 1, 0, 0, 0, 1, 2, 8],
    "deny_subtotal": [7, 1, 0, 0, 0, 0, 1, 8],
    "deny_state_secret": [1, 0, 0, 0, 0, 0, 0, 1],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [2, 1, 0, 0, 0, 0, 1, 3],
    "deny_internal_affairs": [1, 0, 0, 0, 0, 0, 0, 1],
    "deny_process_info": [1, 0, 0, 0, 0, 0, 0, 1],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 0, 2],
    "unable_subtotal": [9, 1, 1, 0, 0, 0, 2, 11],
    "unable_not_held": [7, 1, 1, 0, 0, 0, 2, 9],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 0, 1],
    "unable_unclear": [1, 0, 0, 0, 0, 0, 0, 1],
    "reject_subtotal": [1, 0, 0, 1, 0, 0, 1, 2],
    "reject_petition": [1, 0, 0, 1, 0, 0, 1, 2],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0, 0],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 0, 1],
    "other_no_fee": [0, 0, 0, 0, 0, 0, 0, 0],
    "other_other": [0, 0, 0, 0, 0, 0, 0, 0],
    "total": [48, 6, 1, 2, 0, 1, 10, 58],
    "carry_forward": [0, 1, 0, 0, 0, 0, 1, 1],
}


def test_subtotal_variant_keeps_subtotals_under_their_own_keys():
    r = parse("subtotals_28x8.html")
    assert r["table3"] == table3(SUB_T3, T3_COLS8)
    assert list(r["table3"]) == list(SUB_T3)
    assert r["table3_shape"] == "three_rows"
    assert r["warnings"] == []


# ---- truncated report, not a report -----------------------------------------------------------------


def test_truncated_report_gives_what_is_there_and_warns():
    r = parse("truncated.html")
    assert r["table2"] == table2_2021([0, 0, 0], [4, 1, 23], 12650, 1873, 41, "24252.311082")
    printed = {k: W2021_T3[k] for k in ["new", "carried_over", "granted", "partial", "deny_state_secret",
                                         "deny_law_forbidden", "deny_security_stability", "deny_third_party"]}
    missing = {k: [None] * 7 for k in W2021_T3 if k not in printed}
    assert r["table3"] == table3({**printed, **missing})
    assert all(r["raw"]["table3"][k][c] is None for k in missing for c in r["table3"][k])
    assert r["table4"] is None and r["raw"]["table4"] is None
    assert r["title"] == "示范县人民政府2023年政府信息公开工作年度报告"
    w = r["warnings"]
    assert any("deny_internal_affairs" in x and "not found" in x for x in w)
    assert any("carry_forward" in x for x in w)
    assert any(x.startswith("table4:") for x in w)


def test_page_that_is_not_a_report_raises_not_a_report():
    with pytest.raises(NotAReport, match="does not look like a 政府信息公开工作年度报告"):
        parse("not_a_report.html")


# ---- layouts written inline: small enough to read in the test ---------------------------------------

TABLE2_AS_FOUR_TABLES = """<html><head><meta charset="utf-8"><title>示范县2023年政府信息公开工作年度报告</title></head>
<body><p>二、主动公开政府信息情况</p>
<table><tr><td colspan="4">第二十条第（一）项</td></tr><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td>
<td>现行有效件数</td></tr><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr><tr><td>行政规范性文件</td><td>1</td><td>2</td>
<td>3</td></tr></table>
<table><tr><td colspan="2">第二十条第（五）项</td></tr><tr><td>信息内容</td><td>本年处理决定数量</td></tr><tr><td>行政许可</td>
<td>4</td></tr></table>
<table><tr><td>信息内容</td><td>本年处理决定数量</td></tr><tr><td>行政处罚</td><td>5</td></tr><tr><td>行政强制</td><td>6</td></tr></table>
<table><tr><td>行政事业性收费</td><td>7.5</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p>
<table><tr><td>三、收到和处理政府信息公开申请情况（续）</td></tr></table>
<table><tr><td colspan="15">四、政府信息公开行政复议、行政诉讼情况</td></tr>
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr>""" + "".join(f"<td>{i}</td>" for i in range(15)) + """</tr></table>
</body></html>"""


def test_table2_printed_as_small_tables_each_under_the_right_heading():
    r = parse_bytes(TABLE2_AS_FOUR_TABLES.encode("utf-8"))
    # the last small table ends right where heading 三 starts: it still belongs to table 2
    assert r["table2"] == table2_2021([0, 0, 0], [1, 2, 3], 4, 5, 6, "7.5")
    # a heading printed as a table's first row places that table
    assert r["table4"] == table4(list(range(15)))
    assert r["table3"] is None
    assert r["title"] == "示范县2023年政府信息公开工作年度报告" and r["issuer"] == "示范县"
