"""The five real glued reports of ../shared/corpus/glued against their hand-read truth.

Every cell of the truth must come out exactly; a cell the truth leaves out (truly ambiguous in
the glue) must come out null with a warning naming it; a report whose own totals do not add up
(`balances: false`) keeps its printed digits and a warning names the broken rule. Skips cleanly
without ../shared (the glued files are never copied into the repository).
"""

from __future__ import annotations

import json

import pytest

from ingest import templates
from ingest.parse import parse_path
from tests.conftest import CORPUS

pytestmark = pytest.mark.corpus

NAMES = ["pingtan_gwh_2022_txt", "pingtan_gyz_2019_txt", "pingtan_jjf_2025_txt",
         "pingtan_jsp_2021_txt", "pingtan_zhz_2023_txt"]
T3_KEYS = {"deny_1": "deny_state_secret", "deny_2": "deny_law_forbidden",
           "deny_3": "deny_security_stability", "deny_4": "deny_third_party",
           "deny_5": "deny_internal_affairs", "deny_6": "deny_process_info",
           "deny_7": "deny_enforcement_file", "deny_8": "deny_query_matter",
           "unable_1": "unable_not_held", "unable_2": "unable_needs_creation",
           "unable_3": "unable_unclear", "reject_1": "reject_petition", "reject_2": "reject_duplicate",
           "reject_3": "reject_publication", "reject_4": "reject_mass_repeat",
           "reject_5": "reject_confirmation", "other_1": "other_no_correction",
           "other_2": "other_no_fee", "other_3": "other_other"}
T3_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_services",
           "other_org", "total"]
T4 = [(g, c) for g in ("review", "litigation_direct", "litigation_after_review")
      for c in ("upheld", "corrected", "other", "pending", "total")]


def _load(name: str):
    path = CORPUS / "glued" / f"{name}.txt"
    if not path.is_file():
        pytest.skip(f"../shared/corpus/glued/{name}.txt is not available")
    return parse_path(path), json.loads((CORPUS / "glued" / f"{name}.truth.json").read_text("utf-8"))


def _table2_keys(template: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(printed row label, printed column label) of the truth → (row key, column key)."""
    t = templates.load()
    cols = t.table2_columns(template)
    return {(r.zh, cols[c].zh): (r.key, c) for r in t.table2_rows(template) for c in r.columns}


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_of_the_truth_and_nulls_with_warnings_elsewhere(name):
    report, truth = _load(name)
    assert report["template"] == truth["template"]
    assert report["year"] == truth["year"]
    warnings = "\n".join(report["warnings"])
    expected: dict[tuple[str, str, str], int] = {}
    keys = _table2_keys(truth["template"])
    for row_zh, cols in truth["table2"].items():
        for col_zh, v in cols.items():
            expected[("table2", *keys[(row_zh, col_zh)])] = v
    for row, vals in truth["table3"].items():
        for col, v in zip(T3_COLS, vals):
            expected[("table3", T3_KEYS.get(row, row), col)] = v
    for (g, c), v in zip(T4, truth["table4"]):
        expected[("table4", g, c)] = v
    wrong = []
    for table in ("table2", "table3", "table4"):
        for row, cols in report[table].items():
            for col, got in cols.items():
                key = (table, row, col)
                if key in expected:
                    if got != expected.pop(key):
                        wrong.append((key, got))
                else:  # left out of the truth on purpose: must be null, with a warning
                    assert got is None, (key, got)
                    assert f"{table} {row}" in warnings and col in warnings, key
                    assert report["cell_meta"][table][row][col]["undecided"] is True
    assert not wrong, wrong
    assert not expected, f"cells of the truth missing from the output: {sorted(expected)}"
    # provenance: recovered cells say so; every printed cell has its dict
    reads = {m["read"] for t in ("table2", "table3", "table4")
             for cols in report["cell_meta"][t].values() for m in cols.values() if m}
    assert reads <= {"printed", "recovered"}
    if truth["balances"]:
        assert "kept as printed" not in warnings
    else:
        # the publisher's totals do not add up: printed digits kept, the broken rules named
        assert "t3_outcome_total(natural_person)" in warnings
        assert "t4_group_total(review)" in warnings


def test_recovered_cells_carry_how_they_were_decided():
    report, _truth = _load("pingtan_gwh_2022_txt")
    meta = report["cell_meta"]
    new = meta["table3"]["new"]
    assert new["natural_person"]["read"] == "recovered"  # 14 cut out of 142000016
    assert new["natural_person"]["candidates"] > 1
    assert "t3_row_total" in new["natural_person"]["rules"]
    nd = meta["table2"]["normative_documents"]["issued"]  # 34089: decided by 制发规范性文件34件
    assert report["table2"]["normative_documents"] == {"issued": 34, "repealed": 0, "in_force": 89}
    assert any(r.startswith("narrative") for r in nd["rules"])
    t4 = meta["table4"]["litigation_direct"]["upheld"]  # printed between spaces
    assert t4["read"] == "printed"


def test_the_ambiguous_row_names_its_digits_and_candidates():
    report, _truth = _load("pingtan_jjf_2025_txt")
    line = next(w for w in report["warnings"] if "normative_documents" in w)
    assert "'164640'" in line and "16|46|40" in line and "left null" in line
    assert report["raw"]["table2"]["normative_documents"]["issued"] == "164640"
