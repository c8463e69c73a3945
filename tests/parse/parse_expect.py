"""Helpers for the parser tests: compare whole tables, written as explicit row lists."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
HTML = FIXTURES / "html"
SHARED_CORPUS = (REPO / ".." / "shared" / "corpus").resolve()

T3_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
T3_COLS8 = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
            "legal_person_subtotal", "total"]
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]
T4_GROUPS = ["review", "litigation_direct", "litigation_after_review"]


def table3(rows: dict[str, list], cols: list[str] = T3_COLS) -> dict:
    """{row: [v, …]} → the parser's {row: {col: v}}; null marks ('—', '/', '无') become None."""
    out = {}
    for key, values in rows.items():
        assert len(values) == len(cols), key
        out[key] = {c: (None if isinstance(v, str) else v) for c, v in zip(cols, values)}
    return out


def table4(numbers: list) -> dict:
    assert len(numbers) == 15
    return {g: dict(zip(T4_COLS, numbers[i * 5:(i + 1) * 5])) for i, g in enumerate(T4_GROUPS)}


def table2_2021(regulations, normative, permits, penalties, coercive, fees) -> dict:
    cols = ["issued", "repealed", "in_force"]
    return {
        "regulations": dict(zip(cols, regulations)),
        "normative_documents": dict(zip(cols, normative)),
        "permits": {"decisions": permits},
        "penalties": {"decisions": penalties},
        "coercive_measures": {"decisions": coercive},
        "fees": {"amount_10k_yuan": None if fees is None else Decimal(fees)},
    }


ZERO_T3_THREE_ROWS = {k: [0] * 7 for k in [
    "new", "carried_over", "granted", "partial", "deny_state_secret", "deny_law_forbidden",
    "deny_security_stability", "deny_third_party", "deny_internal_affairs", "deny_process_info",
    "deny_enforcement_file", "deny_query_matter", "unable_not_held", "unable_needs_creation",
    "unable_unclear", "reject_petition", "reject_duplicate", "reject_publication", "reject_mass_repeat",
    "reject_confirmation", "other_no_correction", "other_no_fee", "other_other", "total", "carry_forward"]}
