"""The built warehouse, checked against the printed reports cell by cell (real `python -m
ingest build`: loader, dbt build as a subprocess, swap). Hanyin always; the Hongze PDFs when
../shared/corpus is present."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingest import templates

from .conftest import HANYIN_URL, HONGZE, ingest, snapshot
from .printed import REPORTS

pytestmark = pytest.mark.slow

T = templates.load()
DETAIL = T.table3_detail_columns
T3_PRINTED_COLUMNS = [c.key for c in T.table3_columns if not c.optional]  # six + 总计
T4_RESULTS = [c.key for c in T.table4_columns]
URLS = {"hanyin_2023_text.txt": HANYIN_URL, **HONGZE}


def _report_id(con, name):
    rows = con.execute("SELECT report_id FROM dim_report WHERE source_url = ?", [URLS[name]]).fetchall()
    assert len(rows) == 1, name
    return rows[0][0]


def _names(real_warehouse):
    return real_warehouse["names"]


@pytest.fixture(params=list(REPORTS))
def printed(request, real_warehouse):
    if request.param not in real_warehouse["names"]:
        pytest.skip(f"../shared/corpus/{request.param} is not available")
    return request.param, REPORTS[request.param]


def test_dim_report_traces_each_report_to_its_source(real_con, printed):
    name, exp = printed
    rid = _report_id(real_con, name)
    row = real_con.execute(
        "SELECT issuer, region_code, year, template, table3_shape, content_sha256, issuer_level, "
        "is_synthetic, issuer_id FROM dim_report WHERE report_id = ?", [rid]).fetchall()[0]
    assert row[:5] == (exp["issuer"], exp["region_code"], exp["year"], exp["template"], exp["table3_shape"])
    assert row[5] == rid and len(rid) == 64
    assert row[6:] == ("county_government", False, f"{exp['region_code']}:county_government")


def test_fct_applications_holds_every_detail_cell_as_printed(real_con, printed):
    name, exp = printed
    rid = _report_id(real_con, name)
    got = {(r, c): (v, raw) for r, c, v, raw in real_con.execute(
        "SELECT outcome_key, applicant_type, applications, raw_text FROM fct_applications "
        "WHERE report_id = ?", [rid]).fetchall()}
    want = {}
    for row_key in T.table3_outcome_rows(exp["table3_shape"]):
        for col, value in zip(T3_PRINTED_COLUMNS, exp["table3"][row_key]):
            if col in DETAIL:
                want[(row_key, col)] = value
    assert {k: v for k, (v, _) in got.items()} == want
    assert all(raw is not None for _, raw in got.values())


def test_intake_and_printed_totals_are_separate_from_detail(real_con, printed):
    name, exp = printed
    rid = _report_id(real_con, name)
    intake = {(m, c): v for m, c, v in real_con.execute(
        "SELECT intake_measure, applicant_type, applications FROM fct_application_intake "
        "WHERE report_id = ?", [rid]).fetchall()}
    for m in ("new", "carried_over", "carry_forward"):
        for col, value in zip(T3_PRINTED_COLUMNS, exp["table3"][m]):
            if col in DETAIL:
                assert intake[(m, col)] == value, (m, col)
    totals = {(r, c): (p, k) for r, c, p, k in real_con.execute(
        "SELECT row_key, column_key, printed_total, total_kind FROM fct_application_totals "
        "WHERE report_id = ?", [rid]).fetchall()}
    # the printed 总计 column of every row, and the （七）总计 row of every column
    for row_key, values in exp["table3"].items():
        assert totals[(row_key, "total")][0] == values[-1], row_key
    for col, value in zip(T3_PRINTED_COLUMNS, exp["table3"]["total"]):
        assert totals[("total", col)][0] == value
    assert totals[("total", "total")][1] == "grand_total"
    # no total ever reaches the detail fact
    leaked = real_con.execute("SELECT count(*) FROM fct_applications WHERE applicant_type = 'total' "
                              "OR outcome_key = 'total'").fetchall()[0][0]
    assert leaked == 0


def test_table2_facts_as_printed(real_con, printed):
    name, exp = printed
    rid = _report_id(real_con, name)
    t2 = exp["table2"]
    permits = dict(real_con.execute("SELECT measure, value FROM fct_permits WHERE report_id = ? AND "
                                    "permit_item = 'permits'", [rid]).fetchall())
    assert permits == t2["permits"]
    pen = {(k, m): v for k, m, v in real_con.execute(
        "SELECT enforcement_kind, measure, value FROM fct_penalties WHERE report_id = ?", [rid]).fetchall()}
    assert pen == {("penalties", "decisions"): t2["penalties"]["decisions"],
                   ("coercive_measures", "decisions"): t2["coercive_measures"]["decisions"]}
    regs = {(k, m): v for k, m, v in real_con.execute(
        "SELECT document_kind, measure, value FROM fct_regulations WHERE report_id = ?", [rid]).fetchall()}
    assert regs == {(k, m): v for k in ("regulations", "normative_documents") for m, v in t2[k].items()}
    fees = {m: (y, pv, raw) for m, y, pv, raw in real_con.execute(
        "SELECT measure, amount_yuan, printed_value, raw_text FROM fct_fees WHERE report_id = ?", [rid]).fetchall()}
    printed_10k = t2["fees"]["amount_10k_yuan"]
    assert fees["fee_amount_yuan"][0] == (printed_10k * 10000).quantize(Decimal("0.01"))
    assert fees["fee_amount_yuan"][1] == printed_10k
    assert fees["info_processing_fee_yuan"][0] == exp["info_processing_fee_yuan"]
    assert set(fees) == {"fee_amount_yuan", "info_processing_fee_yuan"}  # no 2019 item counts here


def test_table4_detail_and_printed_totals(real_con, printed):
    name, exp = printed
    rid = _report_id(real_con, name)
    detail = {(p, r): v for p, r, v in real_con.execute(
        "SELECT proceeding, result, cases FROM fct_reviews_litigation WHERE report_id = ?", [rid]).fetchall()}
    totals = {p: (t, c, d) for p, t, c, d in real_con.execute(
        "SELECT proceeding, printed_total, computed_from_detail, difference "
        "FROM fct_reviews_litigation_totals WHERE report_id = ?", [rid]).fetchall()}
    for proceeding, values in exp["table4"].items():
        printed_vals = dict(zip(T4_RESULTS, values))
        for result in T4_RESULTS[:-1]:
            assert detail[(proceeding, result)] == printed_vals[result]
        parts = sum(values[:-1])
        # printed as published even when it does not add up (Hongze 2023 prints 0 beside 10 + 1)
        assert totals[proceeding] == (values[-1], parts, values[-1] - parts)


def test_every_fact_row_leads_back_to_report_url_and_raw_text(real_con):
    for fact in ("fct_applications", "fct_application_intake", "fct_permits", "fct_penalties",
                 "fct_regulations", "fct_reviews_litigation"):
        bad = real_con.execute(f"""
            SELECT count(*) FROM {fact} f LEFT JOIN dim_report d USING (report_id)
            WHERE d.report_id IS NULL OR f.source_url IS DISTINCT FROM d.source_url
               OR (f.raw_text IS NULL AND f.is_printed)""").fetchall()[0][0]
        assert bad == 0, fact
        # every printed fact value is the cell's own raw text, read back from int_report_cells
        assert real_con.execute(f"SELECT count(*) FROM {fact} WHERE is_printed").fetchall()[0][0] > 0


def test_every_fact_row_says_how_its_value_was_read(real_con):
    # The seed and the Hongze PDFs print every cell in a cell of its own: read_method 'printed'
    # wherever the report has the cell, null where its layout lacks it.
    for fact in ("fct_applications", "fct_application_intake", "fct_application_totals",
                 "fct_permits", "fct_penalties", "fct_regulations", "fct_fees",
                 "fct_reviews_litigation", "fct_reviews_litigation_totals"):
        rows = dict(real_con.execute(f"""
            SELECT coalesce(read_method, 'null') || '/' || is_printed::varchar, count(*)
            FROM {fact} WHERE raw_text IS NOT NULL OR NOT is_printed GROUP BY ALL""").fetchall())
        assert set(rows) <= {"printed/true", "null/false"}, (fact, rows)
        assert rows.get("printed/true", 0) > 0, fact
        cols = {r[0]: r[1] for r in real_con.execute(
            f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{fact}'"
        ).fetchall()}
        assert cols["read_method"] == "VARCHAR" and cols["read_confidence"] == "DOUBLE", fact
        assert cols["page_no"] == "INTEGER" and cols["bbox"] == "DOUBLE[]", fact


def test_county_year_mart(real_con, real_warehouse):
    rows = {(r[0], r[1]): r[2:] for r in real_con.execute("""
        SELECT region_code, year, applications_new, carried_over, handled, disclosure_rate,
               denial_share, not_held_share, review_cases, litigation_cases, correction_rate,
               permit_decisions, penalty_decisions, coercive_measure_decisions, fee_amount_yuan,
               info_processing_fee_yuan, reports_for_year, province_name, prefecture_name,
               applications_new_rank_in_prefecture
        FROM mart_county_year""").fetchall()}
    han = rows[("610921", 2023)]
    assert han[:5] == (30, 0, 30, pytest.approx(19 / 30), pytest.approx(6 / 30))
    assert han[5] == pytest.approx(5 / 30)
    assert han[6:9] == (0, 0, None)  # no case concluded: correction rate unknown, not 0
    assert han[9:14] == (18468, 696, 2, Decimal("10778925.34"), Decimal("0.00"))
    assert han[14:] == (1, "陕西省", "安康市", 1)
    if "hongze_2023.pdf" in real_warehouse["names"]:
        hz = rows[("320813", 2023)]
        assert hz[:3] == (21, 0, 21) and hz[3] == pytest.approx(4 / 21)
        assert hz[4] == pytest.approx(3 / 21) and hz[5] == pytest.approx(10 / 21)
        # detail results, not the printed 总计 0: 10 + 1 reviews; 5 litigation; 1 corrected of 16
        assert hz[6:9] == (11, 5, pytest.approx(1 / 16))
    if "hongze_2024.pdf" in real_warehouse["names"]:
        cur = real_con.execute("SELECT applications_new_yoy_change, applications_new_yoy_pct, issuer "
                               "FROM mart_county_year WHERE region_code = '320813' AND year = 2024").fetchall()[0]
        prev_known = "hongze_2023.pdf" in real_warehouse["names"]
        assert cur[:2] == ((74, pytest.approx(74 / 21)) if prev_known else (None, None))
        assert cur[2] == "淮安市洪泽区人民政府"


def test_dimensions(real_con):
    n_regions = real_con.execute("SELECT count(*) FROM dim_region").fetchall()[0][0]
    assert n_regions > 2800
    assert real_con.execute("SELECT region_name, province_name, prefecture_name, county_government_reports "
                            "FROM dim_region WHERE region_code = '610921'").fetchall() == [
        ("汉阴县", "陕西省", "安康市", 1)]
    outcomes = {r[0]: r[1:] for r in real_con.execute(
        "SELECT outcome_key, outcome_group, group_number, name_en, comparable_at, table3_shape FROM dim_outcome").fetchall()}
    assert outcomes["other"] == ("other", "（六）", "Other handling (one row)", "group", "one_row")
    assert outcomes["other_other"][0] == "other" and outcomes["other_other"][3] == "group"
    assert outcomes["granted"][:3] == ("granted", "（一）", "Disclosed in full")
    assert outcomes["granted"][3] == "row"
    types = real_con.execute("SELECT count(*) FILTER (WHERE is_detail) FROM dim_applicant_type").fetchall()[0][0]
    assert types == 6


def test_second_build_changes_nothing(real_warehouse):
    p = real_warehouse["paths"]
    tables = ["fct_applications", "fct_application_totals", "fct_fees", "mart_county_year", "intermediate.int_report_cells"]
    before = snapshot(p.warehouse_db, tables)
    parsed_before = snapshot(p.parsed_db, ["reports", "cells", "narrative_facts"])
    out = ingest("build", data_dir=p.data_dir).stdout
    assert "parsed 0" in out
    assert snapshot(p.parsed_db, ["reports", "cells", "narrative_facts"]) == parsed_before
    assert snapshot(p.warehouse_db, tables) == before


def test_data_dictionary(real_warehouse):
    """`build --docs` writes dbt's docs (the data dictionary) beside the published warehouse."""
    import json

    p = real_warehouse["paths"]
    catalog = p.reports_dir / "data_dictionary" / "catalog.json"
    assert (p.reports_dir / "data_dictionary" / "index.html").is_file()
    nodes = json.loads(catalog.read_text())["nodes"]
    mart = nodes["model.gov_disclosure.mart_county_year"]
    assert "disclosure_rate" in mart["columns"]
    manifest = json.loads((p.reports_dir / "data_dictionary" / "manifest.json").read_text())
    described = manifest["nodes"]["model.gov_disclosure.mart_county_year"]["columns"]["disclosure_rate"]
    assert "handled" in described["description"]


def test_every_mart_column_is_described(real_warehouse):
    """The data dictionary explains every column an analyst sees (fct_*, dim_*, mart_*)."""
    from ingest.export import dbt_column_docs

    docs = dbt_column_docs()
    con = duckdb.connect(str(real_warehouse["paths"].warehouse_db), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'main' "
            "and regexp_matches(table_name, '^(fct|dim|mart)_') order by all").fetchall()
    finally:
        con.close()
    assert len(columns) > 300
    undescribed = [f"{t}.{c}" for t, c in columns if not docs.get((t, c), {}).get("description")]
    assert undescribed == [], f"{len(undescribed)} mart column(s) without a description in dbt_project/models"
