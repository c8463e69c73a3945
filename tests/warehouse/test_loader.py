"""The loader (`python -m ingest load`): real archive, real parser, real parsed.duckdb."""

from __future__ import annotations

import random
from decimal import Decimal

import duckdb
import pytest

from ingest.config import paths as make_paths
from ingest.load import flatten
from ingest.load.loader import CHUNK, load
from ingest.synthetic import generate, planted_rule, units, write_archive

from .conftest import HANYIN, HANYIN_URL, REPO, archive_add, ingest, snapshot

TABLES = ["reports", "cells", "narrative_facts", "parse_failures", "issuer_matches"]


def _q(p, sql, params=()):
    con = duckdb.connect(str(p.parsed_db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture
def hanyin_data(tmp_path):
    p = make_paths(tmp_path)
    archive_add(p, HANYIN.read_bytes(), HANYIN_URL, issuer="汉阴县人民政府", source_id="hanyin",
                content_type="text/plain; charset=utf-8")
    return p


def test_loads_the_seed_into_long_form_cells(hanyin_data):
    p = hanyin_data
    summary = load(p, workers=1)
    assert (summary.parsed, summary.failed) == (1, 0)
    (report,) = _q(p, "SELECT report_id, url, issuer, issuer_source, year, template, table3_shape, "
                      "published_date::VARCHAR, info_processing_fee_yuan, is_synthetic FROM reports")
    assert report[1:] == (HANYIN_URL, "汉阴县人民政府", "parser", 2023, "2021", "three_rows", "2024-02-06",
                          Decimal("0.00"), False)
    cells = {(t, r, c): (v, raw, blank) for t, r, c, v, raw, blank in _q(
        p, "SELECT table_key, row_key, column_key, value, raw_text, is_blank FROM cells")}
    # 10 table-2 cells, 25 × 7 table-3 cells, 15 table-4 cells
    assert len(cells) == 10 + 25 * 7 + 15
    assert cells[("table2", "fees", "amount_10k_yuan")] == (Decimal("1077.892534"), "1077.892534", False)
    assert cells[("table3", "granted", "natural_person")] == (Decimal(14), "14", False)
    assert cells[("table2", "permits", "decisions")][0] == Decimal(18468)
    facts = dict(_q(p, "SELECT fact_key, value FROM narrative_facts"))
    assert facts["applications_received"] == Decimal(30)
    (match,) = _q(p, "SELECT issuer_id, issuer_level, region_code FROM issuer_matches")
    assert match == ("610921:county_government", "county_government", "610921")


def test_second_run_changes_nothing(hanyin_data):
    p = hanyin_data
    ingest("load", data_dir=p.data_dir)
    before = snapshot(p.parsed_db, TABLES + ["load_runs"])
    out = ingest("load", data_dir=p.data_dir).stdout
    assert "parsed 0" in out and "already done 1" in out
    assert snapshot(p.parsed_db, TABLES + ["load_runs"]) == before


def test_a_new_parser_version_parses_again_beside_the_old_rows(hanyin_data):
    p = hanyin_data
    load(p, workers=1)
    # Rows written by an earlier parser version: the loader must parse the document again and
    # keep the old rows (dbt reads the newest).
    con = duckdb.connect(str(p.parsed_db))
    for table in ("reports", "cells", "narrative_facts"):
        con.execute(f"UPDATE {table} SET parser_version = '0.9.0'")
    con.execute("UPDATE reports SET parsed_at = parsed_at - INTERVAL 1 DAY")
    con.close()
    summary = load(p, workers=1)
    assert summary.parsed == 1
    versions = _q(p, "SELECT parser_version, count(*) FROM cells GROUP BY 1 ORDER BY 1")
    assert [v for v, _ in versions] == ["0.9.0", summary.parser_version]
    assert versions[0][1] == versions[1][1]


def test_a_failing_document_is_recorded_and_the_run_goes_on(hanyin_data):
    p = hanyin_data
    archive_add(p, b"<html><body><p>\xe6\x9c\xac\xe7\xab\x99\xe6\xad\xa3\xe5\x9c\xa8\xe7\xbb\xb4\xe6\x8a\xa4</p></body></html>",
                "https://example.gov.cn/maintenance.html", content_type="text/html; charset=utf-8")
    archive_add(p, b"\x89PNG\r\n\x1a\nnot really an image", "https://example.gov.cn/report.png")
    archive_add(p, b"%PDF-1.4\nbroken", "https://example.gov.cn/broken.pdf", content_type="application/pdf")
    summary = load(p, workers=1)
    assert (summary.parsed, summary.failed) == (1, 3)
    failures = dict(_q(p, "SELECT url, error_kind FROM parse_failures"))
    assert failures["https://example.gov.cn/maintenance.html"] == "not_a_report"
    assert failures["https://example.gov.cn/report.png"] == "not_a_report"
    assert "https://example.gov.cn/broken.pdf" in failures
    assert all(e for (e,) in _q(p, "SELECT error FROM parse_failures"))
    # failures are not retried by the same parser version unless asked
    assert load(p, workers=1).failed == 0
    again = load(p, workers=1, retry_failures=True)
    assert again.failed == 3 and _q(p, "SELECT count(*) FROM parse_failures")[0][0] == 3


def test_a_corrupt_blob_is_a_failure_not_a_crash(hanyin_data):
    p = hanyin_data
    (sha,) = _q_archive(p)
    blob = p.blobs_dir / sha[:2] / sha
    blob.write_bytes(blob.read_bytes() + b"tampered")
    summary = load(p, workers=1)
    assert summary.failures_by_kind == {"blob_error": 1}


def _q_archive(p):
    con = duckdb.connect(str(p.archive_db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT sha256 FROM document_versions").fetchall()]
    finally:
        con.close()


def test_cli_errors_are_one_line_and_nothing_is_lost(tmp_path):
    proc = ingest("load", data_dir=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no archive" in proc.stderr and "Traceback" not in proc.stderr

    p = make_paths(tmp_path)
    archive_add(p, HANYIN.read_bytes(), HANYIN_URL, issuer="汉阴县人民政府")
    p.parsed_db.write_bytes(b"this is not a duckdb file" * 100)
    before = p.parsed_db.read_bytes()
    proc = ingest("load", data_dir=tmp_path, check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "parsed.duckdb" in proc.stderr and "Traceback" not in proc.stderr
    assert p.parsed_db.read_bytes() == before  # never overwritten

    proc = ingest("load", "--workers", "0", data_dir=tmp_path, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_parallel_load_of_synthetic_reports_round_trips_every_cell(tmp_path):
    """More documents than one chunk, so the process pool runs; every generated value must come
    back in parsed.duckdb exactly, and the reports are marked synthetic."""
    p = make_paths(tmp_path)
    n_units, n_years, seed = 20, 3, 7
    assert write_archive(p, n_units, n_years, seed=seed) == n_units * n_years > CHUNK
    summary = load(p, workers=2)
    assert (summary.parsed, summary.failed) == (60, 0)
    got = {}
    for url, t, r, c, v in _q(p, "SELECT url, table_key, row_key, column_key, value FROM cells "
                                 "JOIN reports USING (report_id, parser_version)"):
        got[(url, t, r, c)] = v
    mismatches = 0
    for i, issuer in enumerate(units(n_units)):
        rng = random.Random(seed * 1_000_003 + i)
        carry = None
        for year in range(2019, 2019 + n_years):
            rep = generate(issuer, year, rng, carry, planted_rule(i, year - 2019, n_years))
            carry = dict(rep.table3["carry_forward"])
            url = f"synthetic://reports/{i:06d}/{year}.txt"
            for tk in ("table2", "table3", "table4"):
                for r, cols in getattr(rep, tk).items():
                    for c, v in cols.items():
                        want = None if v is None else Decimal(str(v))
                        mismatches += got.get((url, tk, r, c), "missing") != want
    assert mismatches == 0
    assert _q(p, "SELECT bool_and(is_synthetic), count(DISTINCT source_id) FROM reports")[0] == (True, 20)


def test_value_text_keeps_exact_decimals():
    assert flatten.value_text(Decimal("1077.892534")) == "1077.892534"
    assert flatten.value_text(Decimal("1E+3")) == "1000"
    assert flatten.value_text(7) == "7" and flatten.value_text(-18) == "-18"
    assert flatten.value_text(None) is None and flatten.value_text(True) is None
    assert flatten.value_text(0.1) == "0.1"


def test_cells_tell_printed_blank_from_missing_layout():
    report = {"table3": {"new": {"natural_person": 3, "research": None, "commercial": None}},
              "raw": {"table3": {"new": {"natural_person": "3", "research": "", "commercial": None}}}}
    rows = flatten.cells(report)
    by_col = dict(zip(rows["column_key"], zip(rows["value"], rows["raw_text"], rows["is_blank"])))
    assert by_col == {"natural_person": ("3", "3", False), "research": (None, "", True),
                      "commercial": (None, None, False)}


def test_narrative_shapes():
    assert flatten.narrative_facts({"narrative": {"a": {"value": 30, "raw_text": "30件"}, "b": 2}}) == [
        ("a", "30", "30件"), ("b", "2", None)]
    assert flatten.narrative_facts({"narrative": None}) == []


def test_synthetic_and_real_documents_are_never_loaded_together(tmp_path):
    p = make_paths(tmp_path)
    write_archive(p, 1, 1)
    archive_add(p, HANYIN.read_bytes(), HANYIN_URL, issuer="汉阴县人民政府", source_id="hanyin")
    proc = ingest("load", data_dir=tmp_path, check=False)
    assert proc.returncode == 2 and "synthetic" in proc.stderr and proc.stderr.count("\n") == 1
    assert not p.parsed_db.exists() or _q(p, "SELECT count(*) FROM reports")[0][0] == 0


def test_a_doc_waits_for_libreoffice_then_is_parsed(tmp_path, monkeypatch):
    """Without LibreOffice a .doc is recorded as needs_tool (not a broken report); runs without
    it write nothing; the first run with it parses the document and clears the failure."""
    import shutil

    doc = REPO / "tests" / "fixtures" / "office" / "word_2021.doc"
    p = make_paths(tmp_path)
    archive_add(p, doc.read_bytes(), "https://example.gov.cn/2023nb.doc", issuer="示范县人民政府")
    monkeypatch.setenv("GOVREPORTS_SOFFICE", "")
    first = load(p, workers=1)
    assert first.failures_by_kind == {"needs_tool": 1} and "LibreOffice" in first.line()
    (kind, error), = _q(p, "SELECT error_kind, error FROM parse_failures")
    assert kind == "needs_tool" and error.startswith("[soffice] needs LibreOffice")
    before = snapshot(p.parsed_db, TABLES + ["load_runs"])
    assert load(p, workers=1).parsed == 0
    assert snapshot(p.parsed_db, TABLES + ["load_runs"]) == before  # idempotent while it is missing
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    monkeypatch.delenv("GOVREPORTS_SOFFICE")
    after = load(p, workers=1)
    assert (after.parsed, after.failed) == (1, 0)
    assert _q(p, "SELECT count(*) FROM parse_failures")[0][0] == 0
    assert _q(p, "SELECT source_kind, year FROM reports") == [("doc", 2023)]
