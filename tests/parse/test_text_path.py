"""The flattened-text front end: PDF text lines (numbers separated by spaces, labels wrapped
onto the line before or after their numbers) and one-cell-per-line copies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.parse import parse_bytes
from ingest.parse.mapping import mapper
from ingest.parse import rows
from ingest.parse.readers import text
from parse_expect import SHARED_CORPUS, T3_COLS8, table2_2021, table3, table4

# The text layer of a PDF report as pdfplumber prints it (a fictional issuer, the layout of a
# real one): title over two lines, spaces between CJK and digits, labels wrapped around their
# numbers, the vertical 三、本年度办理结果 leaking one character per line, page footers, a
# label that lost characters (其他法律行政止公开), table 4's header words scrambled.
PDF_TEXT = """样例区人民政府
2023 年政府信息公开工作年度报告
本报告由样例区人民政府办公室根据《中华人民共和国政府信息公开条例》要求编制。
一、总体情况
2023 年，样例区人民政府持续推进政务公开。全区受理政府信息公开申请 38 件，
均在法定期限内答复。全年被申请行政复议 3 件，行政诉讼 1 件。
二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 0 0 0
规范性文件 2 1 14
第二十条第（五）项
信息内容 本年处理决定数量
行政许可 1,204
- 2 -
第二十条第（六）项
信息内容 本年处理决定数量
行政处罚 ８７
行政强制 5
第二十条第（八）项
信息内容 本年收费金额（单位：万元）
行政事业性收费 312.5
三、收到和处理政府信息公开申请情况
申请人情况
法人或其他组织
（本列数据的勾稽关系为：第一项加第二项之和，等
于第三项加第四项之和）
自然人 社会 法律 总计
商业 科研
公益 服务 其他
企业 机构
组织 机构
一、本年新收政府信息公开申请数量 35 2 0 1 0 0 38
二、上年结转政府信息公开申请数量 1 0 0 0 0 0 1
（一）予以公开 15 1 0 0 0 0 16
（二）部分公开（区分处理的，只计这一情 形，不
4 0 0 1 0 0 5
计其他情形）
2 0 0 0 0 0 2
1.属于国家秘密
三 2.其他法律行政止公开 0 0 0 0 0 0 0
、
1 0 0 0 0 0 1
本 3.危及“三安全一稳定”
年
度 4.保护第三方合法权益 1 1 0 0 0 0 2
办 （三）不予公开
理 5.属于三类内部事务信息 0 0 0 0 0 0 0
结
果 6.属于四类过程性信息 1 0 0 0 0 0 1
7.属于行政执法案卷 0 0 0 0 0 0 0
8.属于行政查询事项 2 0 0 0 0 0 2
6 0 0 0 0 0 6
1.本机关不掌握相关政府信息
（四）无法提供
1 0 0 0 0 0 1
2.没有现成信息需要另行制作
- 3 -
3.补正后申请内容仍不明确 0 0 0 0 0 0 0
1.信访举报投诉类申请 1 0 0 0 0 0 1
2.重复申请 1 0 0 0 0 0 1
3.要求提供公开出版物 0 0 0 0 0 0 0
（五）不予处理
0 0 0 0 0 0 0
4.无正当理由大量反复 申请
5.要求行政机关确认或重 新出具
0 0 0 0 0 0 0
已获取信息
（六）其他处理 1 0 0 0 0 0 1
（七）总计 35 2 0 1 0 0 38
四、结转下年度继续办理 1 0 0 0 0 0 1
四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
未经复议直接起诉 复议后起诉
结果 结果 其他 尚未
总 计
维持 纠正 结果 审结 结果 结果 其他 尚未 结果 结果 其他 尚未
总 计 总计
维持 纠正 结果 审结 维持 纠正 结果 审结
2 1 0 0 3 1 0 0 0 1 0 0 0 0 0
五、存在的主要问题及整改措施
政策解读质量有待提升。
六、其他需要报告的事项
2023 年，区政府严格落实《政府信息公开信息处理费管理办
法》，全年收取政府信息公开信息处理费 0 元。
- 5 -
"""

PDF_T3 = {
    "new": [35, 2, 0, 1, 0, 0, 38],
    "carried_over": [1, 0, 0, 0, 0, 0, 1],
    "granted": [15, 1, 0, 0, 0, 0, 16],
    "partial": [4, 0, 0, 1, 0, 0, 5],
    "deny_state_secret": [2, 0, 0, 0, 0, 0, 2],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [1, 0, 0, 0, 0, 0, 1],
    "deny_third_party": [1, 1, 0, 0, 0, 0, 2],
    "deny_internal_affairs": [0, 0, 0, 0, 0, 0, 0],
    "deny_process_info": [1, 0, 0, 0, 0, 0, 1],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [6, 0, 0, 0, 0, 0, 6],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "unable_unclear": [0, 0, 0, 0, 0, 0, 0],
    "reject_petition": [1, 0, 0, 0, 0, 0, 1],
    "reject_duplicate": [1, 0, 0, 0, 0, 0, 1],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other": [1, 0, 0, 0, 0, 0, 1],
    "total": [35, 2, 0, 1, 0, 0, 38],
    "carry_forward": [1, 0, 0, 0, 0, 0, 1],
}


def test_pdf_text_layer_every_cell():
    r = parse_bytes(PDF_TEXT.encode("utf-8"), filename="report.txt")
    assert r["table2"] == table2_2021([0, 0, 0], [2, 1, 14], 1204, 87, 5, "312.5")
    assert r["raw"]["table2"]["permits"]["decisions"] == "1,204"
    assert r["raw"]["table2"]["penalties"]["decisions"] == "８７"
    assert r["table3_shape"] == "one_row"
    assert r["templates"] == {"table2": "2021", "table3": "2019"}
    assert r["table3"] == table3(PDF_T3)
    # totals printed as the publisher printed them (review total 3 = 2 + 1)
    assert r["table4"] == table4([2, 1, 0, 0, 3, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    assert r["warnings"] == []


def test_pdf_text_layer_metadata():
    r = parse_bytes(PDF_TEXT.encode("utf-8"))
    assert r["title"] == "样例区人民政府2023年政府信息公开工作年度报告"
    assert (r["issuer"], r["year"], r["year_source"]) == ("样例区人民政府", 2023, "title")
    assert r["published_date"] is None and r["index_no"] is None
    assert r["info_processing_fee_yuan"] == Decimal(0)
    facts = {k: v["value"] for k, v in r["narrative"].items()}
    assert facts == {"applications_received": 38, "review_cases": 3, "litigation_cases": 1,
                     "info_processing_fee_yuan": Decimal(0)}


def test_rows_from_lines_keeps_wrapped_labels_as_rows_of_their_own():
    got = rows.rows_from_lines(["（二）部分公开（区分处理的，只计这一情 形，不", "4 0 0 1 0 0 5", "计其他情形）",
                                 "规章", "0", "0", "0", "行政许可 18468"])
    assert got == [["（二）部分公开（区分处理的，只计这一情 形，不"], ["4", "0", "0", "1", "0", "0", "5"],
                    ["计其他情形）", ], ["规章", "0", "0", "0"], ["行政许可", "18468"]]


def test_split_line_leaves_item_numbers_in_the_label():
    assert rows.split_line("1.属于国家秘密 1 0 0") == ("1.属于国家秘密", ["1", "0", "0"])
    assert rows.split_line("2. 重复申请 0 0") == ("2. 重复申请", ["0", "0"])
    assert rows.split_line("（一）予以公开 15 1 O 0 16") == ("（一）予以公开", ["15", "1", "O", "0", "16"])
    assert rows.split_line("30") == ("", ["30"])
    assert rows.split_line("第二十条第（一）项") == ("第二十条第（一）项", [])


SUBTOTAL_TEXT = """示范县水利局2023年政府信息公开工作年度报告
发布日期：2024年1月19日
三、收到和处理政府信息公开申请情况
申请人情况
自然人
法人或其他组织
总计
商业企业
科研机构
社会公益组织
法律服务机构
其他
小计
一、本年新收政府信息公开申请数量
3\n0\n0\n0\n0\n1\n1\n4
二、上年结转政府信息公开申请数量
0\n0\n0\n0\n0\n0\n0\n0
（一）予以公开
2\n0\n0\n0\n0\n1\n1\n3
（二）部分公开（区分处理的，只计这一情形，不计其他情形）
0\n0\n0\n0\n0\n0\n0\n0
（三）不予公开
小计
1\n0\n0\n0\n0\n0\n0\n1
1.属于国家秘密
0\n0\n0\n0\n0\n0\n0\n0
2.其他法律行政法规禁止公开
0\n0\n0\n0\n0\n0\n0\n0
3.危及“三安全一稳定”
0\n0\n0\n0\n0\n0\n0\n0
4.保护第三方合法权益
1\n0\n0\n0\n0\n0\n0\n1
5.属于三类内部事务信息
0\n0\n0\n0\n0\n0\n0\n0
6.属于四类过程性信息
0\n0\n0\n0\n0\n0\n0\n0
7.属于行政执法案卷
0\n0\n0\n0\n0\n0\n0\n0
8.属于行政查询事项
0\n0\n0\n0\n0\n0\n0\n0
（四）无法提供
1.本机关不掌握相关政府信息
0\n0\n0\n0\n0\n0\n0\n0
2.没有现成信息需要另行制作
0\n0\n0\n0\n0\n0\n0\n0
3.补正后申请内容仍不明确
0\n0\n0\n0\n0\n0\n0\n0
（五）不予处理
1.信访举报投诉类申请
0\n0\n0\n0\n0\n0\n0\n0
2.重复申请
0\n0\n0\n0\n0\n0\n0\n0
3.要求提供公开出版物
0\n0\n0\n0\n0\n0\n0\n0
4.无正当理由大量反复申请
0\n0\n0\n0\n0\n0\n0\n0
5.要求行政机关确认或重新出具已获取信息
0\n0\n0\n0\n0\n0\n0\n0
（六）其他处理
小计
0\n0\n0\n0\n0\n0\n0\n0
1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请
0\n0\n0\n0\n0\n0\n0\n0
2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请
0\n0\n0\n0\n0\n0\n0\n0
3.其他
0\n0\n0\n0\n0\n0\n0\n0
（七）总计
3\n0\n0\n0\n0\n1\n1\n4
四、结转下年度继续办理
0\n0\n0\n0\n0\n0\n0\n0
"""


def test_one_cell_per_line_with_a_subtotal_column_and_subtotal_rows():
    r = parse_bytes(SUBTOTAL_TEXT.encode("utf-8"))
    zero = [0] * 8
    expected = {
        "new": [3, 0, 0, 0, 0, 1, 1, 4], "carried_over": zero, "granted": [2, 0, 0, 0, 0, 1, 1, 3],
        "partial": zero, "deny_subtotal": [1, 0, 0, 0, 0, 0, 0, 1], "deny_state_secret": zero,
        "deny_law_forbidden": zero, "deny_security_stability": zero,
        "deny_third_party": [1, 0, 0, 0, 0, 0, 0, 1], "deny_internal_affairs": zero,
        "deny_process_info": zero, "deny_enforcement_file": zero, "deny_query_matter": zero,
        "unable_not_held": zero, "unable_needs_creation": zero, "unable_unclear": zero,
        "reject_petition": zero, "reject_duplicate": zero, "reject_publication": zero,
        "reject_mass_repeat": zero, "reject_confirmation": zero, "other_subtotal": zero,
        "other_no_correction": zero, "other_no_fee": zero, "other_other": zero,
        "total": [3, 0, 0, 0, 0, 1, 1, 4], "carry_forward": zero,
    }
    assert r["table3"] == table3(expected, T3_COLS8)
    assert list(r["table3"]) == list(expected)
    # table 2 and 4 are not printed: null tables, and a warning says so
    assert r["table2"] is None and r["table4"] is None and r["template"] is None
    assert any(w.startswith("table2:") for w in r["warnings"])
    assert r["published_date"] == "2024-01-19"


def test_unreadable_cell_is_null_with_a_warning_naming_it():
    bad = PDF_TEXT.replace("行政强制 5", "行政强制 5件").replace(
        "（一）予以公开 15 1 0 0 0 0 16", "（一）予以公开 15 1 O 0 0 0 16")
    r = parse_bytes(bad.encode("utf-8"))
    assert r["table2"]["coercive_measures"] == {"decisions": 5}  # a unit is not an error
    assert r["table3"]["granted"]["research"] is None
    assert r["raw"]["table3"]["granted"]["research"] == "O"
    assert r["table3"]["granted"]["natural_person"] == 15
    assert any("table3 granted/research" in w and "'O'" in w for w in r["warnings"])


def test_title_without_year_takes_the_publication_year_minus_one_and_warns():
    page = "示范县统计局政府信息公开工作年度报告\n发布日期：2024-02-01\n" + PDF_TEXT.split("\n", 2)[2]
    r = parse_bytes(page.encode("utf-8"))
    assert r["title"] == "示范县统计局政府信息公开工作年度报告"
    assert (r["year"], r["year_source"]) == (2023, "published_date")
    assert any(w.startswith("year:") for w in r["warnings"])
    assert r["issuer"] is None  # no year in the title to cut it at, no 来源 header


def test_text_without_section_headings_is_cut_by_its_labels():
    body = [ln for ln in PDF_TEXT.splitlines()
            if not ln.startswith(("二、主动", "三、收到", "四、政府", "一、总体", "五、", "六、"))]
    r = parse_bytes("\n".join(body).encode("utf-8"))
    assert r["table2"] == table2_2021([0, 0, 0], [2, 1, 14], 1204, 87, 5, "312.5")
    assert r["table3"] == table3(PDF_T3)
    assert r["table4"] == table4([2, 1, 0, 0, 3, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0])


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["hongze_2023.pdf", "hongze_2024.pdf"])
def test_pdf_text_layer_through_the_text_path_equals_the_pdf_path(name):
    path = SHARED_CORPUS / name
    if not path.is_file():
        pytest.skip(f"../shared/corpus/{name} is not available")
    import pdfplumber

    from ingest.parse import parse_path

    with pdfplumber.open(path) as pdf:
        lines = "\n".join(page.extract_text() or "" for page in pdf.pages).splitlines()
    via_text = mapper.build_report(text.document_from_lines(lines))
    via_pdf = parse_path(path)
    for key in ("table2", "table3", "table4", "title", "year", "issuer", "table3_shape",
                "info_processing_fee_yuan"):
        assert via_text[key] == via_pdf[key], key
    assert via_text["warnings"] == []
