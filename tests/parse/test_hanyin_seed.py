"""The Hanyin seed (one cell per line, as copied from the portal page) parsed exactly.

Read from the repository's copy (tests/fixtures/hanyin_2023_text.txt) and, when present, from
../shared/corpus (skipped cleanly when absent). Every cell of the three tables is asserted.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.parse import parse_bytes, parse_path
from parse_expect import FIXTURES, SHARED_CORPUS, table2_2021, table3, table4

HANYIN_T3 = {
    "new": [30, 0, 0, 0, 0, 0, 30],
    "carried_over": [0, 0, 0, 0, 0, 0, 0],
    "granted": [14, 0, 0, 0, 0, 0, 14],
    "partial": [5, 0, 0, 0, 0, 0, 5],
    "deny_state_secret": [1, 0, 0, 0, 0, 0, 1],
    "deny_law_forbidden": [0, 0, 0, 0, 0, 0, 0],
    "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "deny_third_party": [3, 0, 0, 0, 0, 0, 3],
    "deny_internal_affairs": [0, 0, 0, 0, 0, 0, 0],
    "deny_process_info": [0, 0, 0, 0, 0, 0, 0],
    "deny_enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "deny_query_matter": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [5, 0, 0, 0, 0, 0, 5],
    "unable_needs_creation": [0, 0, 0, 0, 0, 0, 0],
    "unable_unclear": [0, 0, 0, 0, 0, 0, 0],
    "reject_petition": [0, 0, 0, 0, 0, 0, 0],
    "reject_duplicate": [0, 0, 0, 0, 0, 0, 0],
    "reject_publication": [0, 0, 0, 0, 0, 0, 0],
    "reject_mass_repeat": [0, 0, 0, 0, 0, 0, 0],
    "reject_confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other_no_correction": [0, 0, 0, 0, 0, 0, 0],
    "other_no_fee": [0, 0, 0, 0, 0, 0, 0],
    "other_other": [0, 0, 0, 0, 0, 0, 0],
    "total": [30, 0, 0, 0, 0, 0, 30],
    "carry_forward": [0, 0, 0, 0, 0, 0, 0],
}
HANYIN_T2 = table2_2021([0, 0, 0], [6, 0, 16], 18468, 696, 2, "1077.892534")
HANYIN_T4 = table4([0] * 15)


def seed_copies():
    copies = [pytest.param(FIXTURES / "hanyin_2023_text.txt", id="fixture")]
    copies.append(pytest.param(SHARED_CORPUS / "hanyin_2023_text.txt", id="shared-corpus",
                               marks=pytest.mark.corpus))
    return copies


@pytest.fixture(params=seed_copies())
def hanyin(request) -> dict:
    path = request.param
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return parse_path(path)


def test_every_cell_of_the_three_tables(hanyin):
    assert hanyin["table2"] == HANYIN_T2
    assert hanyin["table3"] == table3(HANYIN_T3)
    assert hanyin["table4"] == HANYIN_T4


def test_templates_and_shape(hanyin):
    assert hanyin["template"] == "2021"
    assert hanyin["templates"] == {"table2": "2021", "table3": "2021"}
    assert hanyin["table3_shape"] == "three_rows"
    assert list(hanyin["table3"]) == list(HANYIN_T3)  # printed order


def test_metadata_fee_and_narrative(hanyin):
    assert hanyin["title"] == "汉阴县人民政府2023年度政府信息公开工作年度报告"
    assert hanyin["year"] == 2023 and hanyin["year_source"] == "title"
    assert hanyin["issuer"] == "汉阴县人民政府"
    assert hanyin["published_date"] == "2024-02-06"
    assert hanyin["index_no"] == "gzgbmgzgbm-GK-2024-0043"
    assert hanyin["info_processing_fee_yuan"] == 0
    assert isinstance(hanyin["info_processing_fee_yuan"], Decimal)
    assert hanyin["narrative"] == {
        # the whole sentence is kept as evidence, the words that bound the figure as `match`
        "applications_received": {"value": 30, "match": "受理依申请公开申请30件",
                                  "raw_text": "(二)依申请公开一是全年受理依申请公开申请30件,同比增加58%,"
                                              "其中网络申请21件,信函申请9件"},
        "info_processing_fee_yuan": {"value": Decimal(0), "raw_text": "本年度未收取政府信息公开信息处理费"},
    }
    assert hanyin["warnings"] == []


def test_money_is_an_exact_decimal_with_its_printed_text(hanyin):
    fee = hanyin["table2"]["fees"]["amount_10k_yuan"]
    assert isinstance(fee, Decimal) and fee == Decimal("1077.892534")
    assert hanyin["raw"]["table2"]["fees"]["amount_10k_yuan"] == "1077.892534"
    assert hanyin["raw"]["table2"]["permits"]["decisions"] == "18468"


def test_raw_has_the_nesting_of_the_tables(hanyin):
    for table in ("table2", "table3", "table4"):
        assert set(hanyin["raw"][table]) == set(hanyin[table])
        for row, cells in hanyin[table].items():
            assert set(hanyin["raw"][table][row]) == set(cells)
            for col, value in cells.items():
                assert hanyin["raw"][table][row][col] == str(value)


def test_the_seed_parses_the_same_from_bytes_without_a_file_name():
    data = (FIXTURES / "hanyin_2023_text.txt").read_bytes()
    r = parse_bytes(data)
    assert r["table3"] == table3(HANYIN_T3) and r["source"]["kind"] == "text"


def test_the_seed_in_gbk_with_crlf_line_ends():
    text = (FIXTURES / "hanyin_2023_text.txt").read_text(encoding="utf-8")
    data = text.replace("\n", "\r\n").encode("gb18030")
    r = parse_bytes(data, filename="hanyin.txt")
    assert r["source"]["encoding"] == "gb18030"
    assert r["table2"] == HANYIN_T2 and r["table3"] == table3(HANYIN_T3) and r["table4"] == HANYIN_T4
    assert r["title"] == "汉阴县人民政府2023年度政府信息公开工作年度报告"
