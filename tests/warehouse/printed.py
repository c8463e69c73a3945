"""The printed values of the real reports, for checking the marts cell by cell.

Hanyin 2023: read off tests/fixtures/hanyin_2023_text.txt (the portal page's text).
Hongze 2023/2024: read off the RENDERED PDF pages of ../shared/corpus (see the notes in
tests/parse/test_pdf_hongze.py, where the same reading is used to check the parser). Table-3
rows list the six applicant columns then 总计; table-4 rows 维持, 纠正, 其他, 尚未审结, 总计.
"""

from decimal import Decimal

ZEROS = [0, 0, 0, 0, 0, 0, 0]


def _t3(**rows):
    keys = ["new", "carried_over", "granted", "partial", "deny_state_secret", "deny_law_forbidden",
            "deny_security_stability", "deny_third_party", "deny_internal_affairs", "deny_process_info",
            "deny_enforcement_file", "deny_query_matter", "unable_not_held", "unable_needs_creation",
            "unable_unclear", "reject_petition", "reject_duplicate", "reject_publication",
            "reject_mass_repeat", "reject_confirmation"]
    out = {k: rows.pop(k, ZEROS) for k in keys}
    out.update(rows)
    return out


REPORTS = {
    "hanyin_2023_text.txt": {
        "issuer": "汉阴县人民政府", "region_code": "610921", "year": 2023, "template": "2021",
        "table3_shape": "three_rows", "published_date": "2024-02-06",
        "info_processing_fee_yuan": Decimal("0"),
        "table2": {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 6, "repealed": 0, "in_force": 16},
            "permits": {"decisions": 18468},
            "penalties": {"decisions": 696},
            "coercive_measures": {"decisions": 2},
            "fees": {"amount_10k_yuan": Decimal("1077.892534")},
        },
        "table3": _t3(
            new=[30, 0, 0, 0, 0, 0, 30], granted=[14, 0, 0, 0, 0, 0, 14], partial=[5, 0, 0, 0, 0, 0, 5],
            deny_state_secret=[1, 0, 0, 0, 0, 0, 1], deny_third_party=[3, 0, 0, 0, 0, 0, 3],
            deny_query_matter=[2, 0, 0, 0, 0, 0, 2], unable_not_held=[5, 0, 0, 0, 0, 0, 5],
            other_no_correction=ZEROS, other_no_fee=ZEROS, other_other=ZEROS,
            total=[30, 0, 0, 0, 0, 0, 30], carry_forward=ZEROS),
        "table4": {"review": [0, 0, 0, 0, 0], "litigation_direct": [0, 0, 0, 0, 0],
                   "litigation_after_review": [0, 0, 0, 0, 0]},
    },
    "hongze_2023.pdf": {
        "issuer": "洪泽区人民政府", "region_code": "320813", "year": 2023, "template": "2021",
        "table3_shape": "one_row", "info_processing_fee_yuan": Decimal("0"),
        "table2": {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 0, "repealed": 5, "in_force": 5},
            "permits": {"decisions": 550},
            "penalties": {"decisions": 4119},
            "coercive_measures": {"decisions": 195},
            "fees": {"amount_10k_yuan": Decimal("7730.28")},
        },
        "table3": _t3(
            new=[21, 0, 0, 0, 0, 0, 21], partial=[4, 0, 0, 0, 0, 0, 4],
            deny_state_secret=[1, 0, 0, 0, 0, 0, 1], deny_process_info=[1, 0, 0, 0, 0, 0, 1],
            deny_enforcement_file=[1, 0, 0, 0, 0, 0, 1], unable_not_held=[10, 0, 0, 0, 0, 0, 10],
            unable_needs_creation=[3, 0, 0, 0, 0, 0, 3], reject_petition=[1, 0, 0, 0, 0, 0, 1],
            other=ZEROS, total=[21, 0, 0, 0, 0, 0, 21], carry_forward=ZEROS),
        # printed totals 0 beside non-zero parts: kept as printed
        "table4": {"review": [10, 1, 0, 0, 0], "litigation_direct": [0, 0, 0, 0, 0],
                   "litigation_after_review": [5, 0, 0, 0, 0]},
    },
    "hongze_2024.pdf": {
        "issuer": "淮安市洪泽区人民政府", "region_code": "320813", "year": 2024, "template": "2021",
        "table3_shape": "one_row", "info_processing_fee_yuan": Decimal("0"),
        "table2": {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 3, "repealed": 0, "in_force": 8},
            "permits": {"decisions": 9487},
            "penalties": {"decisions": 2776},
            "coercive_measures": {"decisions": 84},
            "fees": {"amount_10k_yuan": Decimal("7545")},
        },
        "table3": _t3(
            new=[95, 0, 0, 0, 0, 0, 95], granted=[50, 0, 0, 0, 0, 0, 50], partial=[9, 0, 0, 0, 0, 0, 9],
            deny_security_stability=[1, 0, 0, 0, 0, 0, 1], deny_process_info=[1, 0, 0, 0, 0, 0, 1],
            deny_enforcement_file=[1, 0, 0, 0, 0, 0, 1], unable_not_held=[31, 0, 0, 0, 0, 0, 31],
            unable_needs_creation=[1, 0, 0, 0, 0, 0, 1], reject_petition=[1, 0, 0, 0, 0, 0, 1],
            other=ZEROS, total=[95, 0, 0, 0, 0, 0, 95], carry_forward=ZEROS),
        "table4": {"review": [1, 1, 0, 0, 2], "litigation_direct": [1, 0, 0, 0, 1],
                   "litigation_after_review": [2, 0, 1, 0, 3]},
    },
}
