"""The mapper on hand-built intermediate forms (the contract every front end feeds), label
matching, and the metadata readers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.parse.vocab import labels, narrative
from ingest.parse.mapping import mapper
from ingest.parse.mapping import metadata
from ingest.parse.mapping.table3 import table3_row_key
from ingest.parse.layout import Block, Document
from parse_expect import ZERO_T3_THREE_ROWS, table3, table4

T3_LABELS = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "1.属于国家秘密", "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
    "7.属于行政执法案卷", "8.属于行政查询事项", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确", "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
    "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计",
    "四、结转下年度继续办理"]


def doc_of(*blocks: Block, text: str = "示范县人民政府2023年政府信息公开工作年度报告") -> Document:
    return Document(kind="pdf", text=text, blocks=list(blocks))


def test_flattened_rows_in_template_order_map_by_label():
    rows = [["申请人情况"], ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    rows += [[label] + [str(i)] * 7 for i, label in enumerate(T3_LABELS)]
    r = mapper.build_report(doc_of(Block(rows=rows, section="table3")))
    expected = {key: [i] * 7 for i, key in enumerate(ZERO_T3_THREE_ROWS)}
    assert r["table3"] == table3(expected)
    assert r["table2"] is None and r["table4"] is None


def test_grid_block_with_spans_maps_columns_by_header():
    # A grid as a PDF front end may build it: the 总计 column printed FIRST (a local layout),
    # label cells spanning rows, cell ids telling copies from cells.
    header = ["申请人情况", "申请人情况", "总计", "自然人", "法人或其他组织", "法人或其他组织", "法人或其他组织",
              "法人或其他组织", "法人或其他组织"]
    header2 = ["申请人情况", "申请人情况", "总计", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    ids = [[0, 0, 1, 2, 3, 3, 3, 3, 3], [0, 0, 1, 2, 4, 5, 6, 7, 8]]
    rows = [header, header2]
    nid = 100
    for i, label in enumerate(T3_LABELS):
        rows.append([label, label, str(7 * i)] + [str(i)] * 6)
        ids.append([nid, nid] + list(range(nid + 1, nid + 8)))
        nid += 10
    r = mapper.build_report(doc_of(Block(rows=rows, section="table3", grid=True, cell_ids=ids)))
    expected = {key: [i] * 6 + [7 * i] for i, key in enumerate(ZERO_T3_THREE_ROWS)}
    assert r["table3"] == table3(expected)
    assert not [w for w in r["warnings"] if w.startswith("table3")]


def test_rows_of_values_without_labels_are_placed_by_template_order_with_a_warning():
    rows = [[label] + ["1"] * 7 for label in T3_LABELS]
    rows[5] = ["1"] * 7  # the label of deny_law_forbidden lost
    r = mapper.build_report(doc_of(Block(rows=rows, section="table3")))
    assert r["table3"]["deny_law_forbidden"]["total"] == 1
    assert any("deny_law_forbidden" in w and "template order" in w for w in r["warnings"])


def test_unknown_block_is_classified_by_its_labels():
    t4 = Block(rows=[["行政复议", "行政诉讼"], ["未经复议直接起诉", "复议后起诉"],
                     [str(i) for i in range(15)]], section=None)
    r = mapper.build_report(doc_of(t4))
    assert r["table4"] == table4(list(range(15)))


def test_table4_with_twelve_numbers_and_no_total_headers():
    rows = [["行政复议 行政诉讼"], ["结果维持 结果纠正 其他结果 尚未审结"], [str(i) for i in range(1, 13)]]
    r = mapper.build_report(doc_of(Block(rows=rows, section="table4")))
    assert r["table4"] == {
        "review": {"upheld": 1, "corrected": 2, "other": 3, "pending": 4, "total": None},
        "litigation_direct": {"upheld": 5, "corrected": 6, "other": 7, "pending": 8, "total": None},
        "litigation_after_review": {"upheld": 9, "corrected": 10, "other": 11, "pending": 12, "total": None},
    }
    assert any("12 numbers" in w for w in r["warnings"])


def test_table2_variant_label_and_header_order():
    rows = [["第二十条第（一）项"], ["信息内容", "现行有效件数", "本年制发件数", "本年废止件数"],
            ["规范性文件", "40", "3", "1"], ["规章", "0", "0", "0"],
            ["行政许可", "5"], ["行政处罚", "6"], ["行政强制", "7"], ["行政事业性收费", "8.5万元"]]
    r = mapper.build_report(doc_of(Block(rows=rows, section="table2")))
    assert r["template"] == "2021"
    # 规范性文件 is a variant of 行政规范性文件; the header order decides the columns
    assert r["table2"]["normative_documents"] == {"issued": 3, "repealed": 1, "in_force": 40}
    assert r["table2"]["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert r["table2"]["fees"] == {"amount_10k_yuan": Decimal("8.5")}


def test_fee_printed_in_yuan_in_the_10k_column_is_kept_and_flagged():
    rows = [["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "23500元"]]
    r = mapper.build_report(doc_of(Block(rows=rows, section="table2")))
    assert r["table2"]["fees"] == {"amount_10k_yuan": Decimal("23500")}
    assert any("万元 column" in w for w in r["warnings"])


@pytest.mark.parametrize("printed, key", [
    ("（一）予以公开", "granted"), ("1.属于国家秘密", "deny_state_secret"),
    ("3.危及三安全一稳定", "deny_security_stability"), ("本 3.危及“三安全一稳定”", "deny_security_stability"),
    ("三 2.其他法律行政止公开", "deny_law_forbidden"),  # a PDF text layer that lost two characters
    ("5.要求行政机关确认或重 新出具", "reject_confirmation"),  # the start of a wrapped label
    ("（七）总计", "total"), ("四、结转下年度继续办理", "carry_forward"),
])
def test_table3_label_matching(printed, key):
    got, score = labels.indexes().table3_rows.match(labels.label(printed).norm)
    assert got == key and score >= labels.FUZZY


def test_other_depends_on_its_group():
    idx = labels.indexes()
    assert table3_row_key("3.其他", "other", idx)[0] == "other_other"
    assert table3_row_key("3.其他", "deny", idx)[0] is None
    assert table3_row_key("小计", "unable", idx)[0] == "unable_subtotal"
    assert table3_row_key("（四）无法提供", None, idx)[0] is None  # a group, not a row


# ---- metadata -------------------------------------------------------------------------------------


@pytest.mark.parametrize("title, issuer, year", [
    ("汉阴县人民政府2023年度政府信息公开工作年度报告", "汉阴县人民政府", 2023),
    ("2023年汉阴县人民政府政府信息公开工作年度报告", "汉阴县人民政府", 2023),
    ("2022年汉阴县人民政府信息公开工作年度报告", "汉阴县人民政府", 2022),
    ("汉阴县教育体育和科技局二〇二一年政府信息公开工作年度报告", "汉阴县教育体育和科技局", 2021),
    ("关于汉阴县城关镇2020年度政府信息公开工作年度报告", "关于汉阴县城关镇", 2020),
])
def test_issuer_and_year_from_title(title, issuer, year):
    assert metadata.year_from_title(title) == year
    assert metadata.issuer_from_title(title) == issuer


@pytest.mark.parametrize("sentence, fee", [
    ("本年度未收取政府信息公开信息处理费。", Decimal(0)),
    ("2023年，全年收取政府信息公开信息处理费 0 元。", Decimal(0)),
    ("本年度共收取信息处理费1,250.5元。", Decimal("1250.5")),
    ("依申请公开收取信息处理费0.12万元。", Decimal("1200.00")),
    ("本机关没有产生信息处理费。", Decimal(0)),
    ("本年度收取 300 元信息处理费。", Decimal(300)),
    ("按照《政府信息公开信息处理费管理办法》执行。", None),
])
def test_fee_from_section_six(sentence, fee):
    narrative = "一、总体情况\n全年受理申请3件。\n六、其他需要报告的事项\n" + sentence
    assert metadata.find_fee(narrative)[0] == fee


def test_narrative_headline_numbers():
    text = ("2023年，本机关共收到政府信息公开申请126件，办结126件。全年发生政府信息公开行政复议案件4件，"
            "被提起行政诉讼2件。")
    facts = narrative.facts(text)
    assert {k: v["value"] for k, v in facts.items()} == {
        "applications_received": 126, "applications_handled": 126, "review_cases": 4, "litigation_cases": 2}
    assert facts["review_cases"]["match"] == "行政复议案件4件"
    assert facts["review_cases"]["raw_text"] == "全年发生政府信息公开行政复议案件4件,被提起行政诉讼2件"


def test_published_date_from_signature_when_no_header():
    doc = Document(kind="text", text="示范县2023年政府信息公开工作年度报告\n正文\n示范县人民政府\n二〇二四年一月二十日")
    assert metadata.find_published_date(doc, doc.text.splitlines()) == "2024-01-20"
