"""Narrative figures: what a sentence states plainly, and nothing it does not.

Every sentence here is a real one (short quotes): from the 平潭 reports of issue 11 (the crawl
whose false findings started this), the corpus' glued 平潭 reports, the Hanyin seed, the Hongze
PDFs and the word-pasted HTML layout fixture.
"""

from __future__ import annotations

import pytest

from ingest.parse.vocab import narrative


def figures(text: str) -> dict[str, int]:
    return {k: v["value"] for k, v in narrative.facts(text).items()}


# ---- what must be read -----------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    # 平潭 (issue 11): 749 = 713 new + 36 carried over; 受理 may count both, so it is its own key
    ("全县全年共受理政府信息公开申请749件。", {"applications_received": 749}),
    # glued 平潭 reports
    ("2022年共收到政府信息公开申请16件，主要涉及政府工作报告、项目建设、征地拆迁、统计数据等方面。",
     {"applications_received": 16}),
    ("2022年共发布信息2479条（含行政规范性文件34件），办结政府信息依申请公开16件。",
     {"applications_handled": 16}),
    ("2021年共受理政府信息公开申请8件，已全部在规定时间内答复及办结。", {"applications_received": 8}),
    # Hanyin seed: the parts after 其中 are not the whole
    ("一是全年受理依申请公开申请30件,同比增加58%,其中网络申请21件,信函申请9件。",
     {"applications_received": 30}),
    # Hongze
    ("2023年全区受理政府信息公开申请21件，均在法定期限答复。", {"applications_received": 21}),
    ("2024年，区政府办代表区政府受理政府信息公开申请17件，均已在法定期限内予以答复。",
     {"applications_received": 17}),
    # word-pasted layout fixture: the negated clause states nothing, the other clause does
    ("全年被申请行政复议2件，未发生因政府信息公开引起的行政诉讼。", {"review_cases": 2}),
    ("全年共收到政府信息公开申请57件，已全部按期办结57件，办结率100%。",
     {"applications_received": 57, "applications_handled": 57}),
    # 新收 names new applications only: the unambiguous key
    ("本年新收政府信息公开申请713件，上年结转36件。", {"applications_new": 713}),
])
def test_figures_stated_plainly_are_read(sentence, expected):
    assert figures(sentence) == expected


def test_each_figure_keeps_its_sentence_and_the_words_that_bound_it():
    f = narrative.facts("一、总体情况\n全县全年共受理政府信息公开申请749件。二、主动公开")
    assert f["applications_received"]["raw_text"] == "全县全年共受理政府信息公开申请749件"
    assert f["applications_received"]["match"] == "受理政府信息公开申请749件"


# ---- what must not be read -----------------------------------------------------------------

@pytest.mark.parametrize("sentence", [
    # 平潭 (issue 11): no case was *corrected* or *lost*; 55 reviews and 34 suits were filed
    "全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。",
    # 平潭 (issue 11): the granted count, not the handled one
    "同意公开答复9件。",
    # glued 平潭: negated "no case of X"
    "2023年度,我局未收到政府信息公开申请,没有发生因政府信息公开工作而引起的行政复议、行政诉讼等情况。",
    # glued 平潭: items disclosed on application (条), not applications received
    "2025年我局共制发政府信息405条，其中主动公开政府信息140条、依申请公开177条、不予公开88条。",
    "共发布政府信息（文件）687份，其中主动公开299份，依申请公开及不予公开388份。",
    # Hanyin: 受理 of website error reports, and a rate
    "受理国务院办公厅“我为政府网站找错”平台有效纠错留言1条,按期办结率100%。",
    # glued 平潭: a number before 办结 restates the received count; 办结率 is a rate
    "16件公开申请均已办结，办结率100%。",
    # conditional: a time limit, not a count
    "如申请人对答复不服，可在收到答复之日起60日内申请行政复议。",
    # one number for two measures binds to neither
    "行政复议和行政诉讼各1件。",
    # corrected / lost cases are outcomes, not cases
    "被行政复议纠错1件。",
    "行政诉讼败诉2件。",
    # an earlier year's figure
    "上年受理政府信息公开申请20件。",
    # applications of another kind (政务服务 paragraphs of the 2019 template's reports)
    "全年共受理行政许可申请3000件。",
])
def test_figures_not_stated_plainly_are_not_read(sentence):
    assert figures(sentence) == {}


def test_review_application_received_is_a_review_not_an_information_request():
    assert figures("收到行政复议申请2件，行政诉讼1起。") == {"review_cases": 2, "litigation_cases": 1}


def test_applications_named_only_by_who_applied_are_disclosure_applications():
    assert figures("全年共受理群众申请15件。") == {"applications_received": 15}
    assert figures("共收到申请36件。") == {"applications_received": 36}


def test_first_statement_of_a_measure_wins():
    text = "全年共受理政府信息公开申请20件。其中，当面受理申请5件。"
    assert figures(text) == {"applications_received": 20}


# ---- the test before squash -----------------------------------------------------------------

def test_measure_words_are_found_before_squash():
    # facts() skips, before squashing it, a sentence whose printed text holds no measure word
    # (申请 复议 诉讼 办结) once its whitespace is dropped. Sound only while squash's NFKC makes
    # none of their characters from another character but U+1F238 (squared 申), and every
    # character it squashes away is whitespace already: checked here over all of Unicode.
    import sys

    words = set("申请复议诉讼办结")
    made = {c for c in map(chr, range(sys.maxunicode + 1))
            if c not in words and words & set(narrative.squash(c))}
    assert made == {"\U0001f238"}
    dropped = [c for c in map(chr, range(sys.maxunicode + 1)) if narrative.squash(c) == ""]
    assert all(c.isspace() or c == "\u200b" for c in dropped)
    # spread by whitespace, full-width, or squared: still read
    assert figures("全年共收到政府信息公开申 请57件。") == {"applications_received": 57}
    assert figures("全年共收到政府信息公开\U0001f238请５７件。") == {"applications_received": 57}
