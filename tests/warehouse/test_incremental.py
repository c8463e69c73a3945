"""Incremental builds: a build that starts from the published warehouse and rewrites only what
the changed reports touch gives, table by table, the warehouse a full rebuild gives — for new
reports, corrected cells, revisions, reports that moved to another county, issuer or year, a
report served under one more URL, and reports that left the parse. The published file is never written while it builds."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import shutil

import duckdb
import pytest

from ingest.config import paths as make_paths
from ingest.load.incremental import diff_warehouses
from ingest.crawl.archive import Archive
from ingest.synthetic import FIRST_YEAR, extend_archive, generate, insert_documents, units, write_archive

from .conftest import ingest

pytestmark = pytest.mark.slow

UNITS, YEARS = 40, 5


def _last_build(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT mode, reason, reports, reports_added, reports_changed, reports_removed "
                           "FROM warehouse_builds ORDER BY finished_at DESC LIMIT 1").fetchall()[0]
    finally:
        con.close()


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _full_rebuild_differences(p, tmp_path) -> list[str]:
    """Build the same inputs from scratch beside the published warehouse and compare."""
    incremental = tmp_path / "incremental.duckdb"
    shutil.copy2(p.warehouse_db, incremental)
    proc = ingest("build", "--skip-load", "--full", "--no-swap", data_dir=p.data_dir)
    assert "build: full (--full" in proc.stdout
    return diff_warehouses(incremental, p.build_dir / "warehouse.duckdb")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("incremental")
    p = make_paths(data)
    write_archive(p, UNITS, YEARS)
    proc = ingest("build", data_dir=data)
    assert "build: full (no published warehouse" in proc.stdout
    return p


def test_changed_reports_are_rebuilt_alone_and_equal_a_full_rebuild(demo, tmp_path, monkeypatch):
    p = demo
    first = tmp_path / "first.duckdb"
    shutil.copy2(p.warehouse_db, first)
    unit = units(UNITS)[3]
    con = duckdb.connect(str(p.warehouse_db), read_only=True)
    total = con.execute("SELECT count(*) FROM dim_report").fetchall()[0][0]
    revised_id = con.execute("SELECT report_id FROM dim_report WHERE source_url = ?",
                             [f"synthetic://reports/{3:06d}/{FIRST_YEAR + 1}.txt"]).fetchall()[0][0]
    reports = [r for r in con.execute(
        "SELECT report_id, issuer_id, region_code, year FROM dim_report "
        "WHERE issuer_level = 'county_government' ORDER BY region_code, year").fetchall() if r[0] != revised_id]
    moved_year, moved_county, gone, corrected = reports[5], reports[11], reports[17], reports[23]
    mirrored = reports[35]
    mirrored_source = con.execute("SELECT source_id FROM intermediate.int_reports WHERE report_id = ?",
                                  [mirrored[0]]).fetchall()[0][0]
    cell = con.execute("SELECT outcome_key, applicant_type, raw_text FROM fct_applications "
                       "WHERE report_id = ? AND applications > 0 ORDER BY outcome_key, applicant_type LIMIT 1",
                       [corrected[0]]).fetchall()[0]
    con.close()

    # 1. next year's reports of ten units (what a daily crawl brings)
    assert extend_archive(p, UNITS, YEARS, 10) == 10
    # 2. a reviewed correction of one printed cell
    corrections = tmp_path / "corrections.csv"
    monkeypatch.setenv("INGEST_CORRECTIONS_FILE", str(corrections))
    ingest("correct", corrected[0][:12], f"table3.{cell[0]}.{cell[1]}", str(int(cell[2]) + 1),
           "--reason", "test", "--by", "tester", "--evidence", cell[2], data_dir=p.data_dir)
    # 3. a revision: the URL of one report serves other bytes in a later run
    revised = generate(unit, FIRST_YEAR + 1, random.Random(7), None, None)
    data = revised.text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    with Archive(p) as archive:
        archive.blob_path(sha).parent.mkdir(parents=True, exist_ok=True)
        archive.blob_path(sha).write_bytes(data)
        insert_documents(archive, {"sha256": [sha], "url": [f"synthetic://reports/{3:06d}/{FIRST_YEAR + 1}.txt"],
                                   "source_id": [f"synthetic-{3:06d}"], "issuer": [unit], "bytes": [len(data)],
                                   "year_hint": [FIRST_YEAR + 1]},
                         dt.datetime.now(dt.UTC).replace(tzinfo=None), "revision-run")
    # 4. one report's bytes found under a second URL (a mirror): its URL count changes
    with Archive(p) as archive:
        insert_documents(archive, {"sha256": [mirrored[0]], "url": ["synthetic://mirror/report.txt"],
                                   "source_id": [mirrored_source], "issuer": [None], "bytes": [1],
                                   "year_hint": [mirrored[3]]},
                         dt.datetime.now(dt.UTC).replace(tzinfo=None), "mirror-run")
    ingest("load", data_dir=p.data_dir)
    # 5. reports a new parse files elsewhere: another year, another county, and one that left the
    #    parse (as when parsed.duckdb is rebuilt from an archive that lost it)
    other_region = reports[30][2]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = duckdb.connect(str(p.parsed_db))
    con.execute("UPDATE reports SET year = year + 10, parsed_at = ? WHERE report_id = ?", [now, moved_year[0]])
    con.execute("UPDATE report_issuers SET region_code = ?, issuer_id = issuer_id || '-moved' WHERE report_id = ?",
                [other_region, moved_county[0]])
    # (its report_issuers rows stay behind: rows of no report, which neither build keeps)
    for table in ("cells", "narrative_facts", "reports"):
        con.execute(f"DELETE FROM {table} WHERE report_id = ?", [gone[0]])
    con.close()

    published = _sha(p.warehouse_db)
    proc = ingest("build", "--skip-load", "--no-swap", data_dir=p.data_dir)
    # dbt wrote the copy; the published file was never opened for writing
    assert _sha(p.warehouse_db) == published
    assert "build: incremental" in proc.stdout
    built = p.build_dir / "warehouse.duckdb"
    mode, _, n, added, changed, removed = _last_build(built)
    assert mode == "incremental"
    # added: the 10 new and the revised document; changed: the corrected report, the superseded
    # one, the two moved, the mirrored one; removed: the one gone
    assert (added, changed, removed) == (11, 5, 1)
    # staging and int_reports rewrote only the reports whose source rows changed: not the
    # corrected or the superseded report (their digests were recomputed all the same)
    con = duckdb.connect(str(built), read_only=True)
    source_changes = dict(con.execute("SELECT change, count(*) FROM intermediate.int_source_changes "
                                      "GROUP BY ALL").fetchall())
    con.close()
    assert source_changes == {"added": 11, "changed": 3, "removed": 1}
    waits_before = _waits_for_totals(p)
    assert n == total + 11 - 1
    # the data tests of report-grain models read only the changed reports' rows
    tests = p.build_dir / "dbt_target" / "compiled" / "gov_disclosure" / "models" / "marts" / "fct_applications_history.yml"
    checks = next(tests.glob("column_checks_fct_applications_*.sql")).read_text()
    # ...picked out once, then read by the row checks, the three relationships and the key's two
    assert checks.count("where report_id in (select report_id from") == 1, checks
    assert checks.count('"fct_applications_history"') == 1, checks
    assert "narrowed_rows as materialized" in checks and checks.count("from narrowed_rows") == 6, checks
    shutil.move(built, p.warehouse_db)

    # the full rebuild makes the two largest facts in batches of reports (a batch of 37 reports:
    # six batches here, as at national size with the default of 50,000): same rows
    monkeypatch.setenv("WAREHOUSE_REPORT_BATCH", "37")
    assert _full_rebuild_differences(p, tmp_path) == []
    compiled = p.build_dir / "dbt_target" / "compiled" / "gov_disclosure" / "models" / "marts"
    for model in ("fct_applications_history", "fct_application_totals_history"):
        assert "% 6 = 0 /* report batch */" in (compiled / f"{model}.sql").read_text()
    # in batches the two largest facts never run side by side; in one batch (the builds above) they may
    assert _waits_for_totals(p) and not waits_before


    # the comparison can fail: the first warehouse differs from this one in the tables that changed
    before = diff_warehouses(first, p.warehouse_db)
    assert any(x.startswith("main.dim_report:") for x in before)
    assert any(x.startswith("main.mart_county_year:") for x in before)


def _waits_for_totals(p) -> bool:
    """Whether the last build's fct_applications_history depended on fct_application_totals_history."""
    # nodes.json: the DAG of the nodes the build ran (ingest/load/dbt_runner.py)
    nodes = json.loads((p.build_dir / "dbt_target" / "nodes.json").read_text())
    node = nodes["nodes"]["model.gov_disclosure.fct_applications_history"]
    return "model.gov_disclosure.fct_application_totals_history" in node["depends_on"]["nodes"]


def test_a_build_by_another_project_is_not_a_base(demo, tmp_path):
    p = demo
    con = duckdb.connect(str(p.warehouse_db))
    con.execute("UPDATE warehouse_builds SET project_fingerprint = 'another project'")
    con.close()
    proc = ingest("build", "--skip-load", "--no-swap", data_dir=p.data_dir)
    assert "build: full (the dbt project" in proc.stdout
    mode, reason, *_ = _last_build(p.build_dir / "warehouse.duckdb")
    assert mode == "full" and "dbt project" in reason
    # the history of earlier builds is carried into the new file
    con = duckdb.connect(str(p.build_dir / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM warehouse_builds").fetchall()[0][0] >= 2
    con.close()
