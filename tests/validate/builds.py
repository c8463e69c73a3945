"""What an incremental build leaves for validation, written by hand on a test warehouse.

The incremental dbt build writes `intermediate.int_report_changes` (one row per report whose
facts changed in that build) and appends `main.warehouse_builds`. These helpers write the same
two tables (same columns) on the small contract-table warehouses of these tests, by comparing a
digest of each report (its dim_report row, cells and narrative facts) before and after the test
changed the file, so the tests do not depend on the build.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd

_DIGEST = """
    WITH d AS (SELECT report_id, any_value(issuer_id) AS issuer_id, any_value(region_code) AS region_code,
                      any_value(year)::INTEGER AS year,
                      md5(string_agg(r::VARCHAR, '\n' ORDER BY r::VARCHAR)) AS h
               FROM dim_report r GROUP BY report_id),
         c AS (SELECT report_id, md5(string_agg(c::VARCHAR, '\n' ORDER BY c::VARCHAR)) AS h
               FROM int_report_cells c GROUP BY report_id),
         n AS (SELECT report_id, md5(string_agg(n::VARCHAR, '\n' ORDER BY n::VARCHAR)) AS h
               FROM int_narrative_facts n GROUP BY report_id)
    SELECT d.report_id, d.issuer_id, d.region_code, d.year,
           md5(concat_ws('|', d.h, c.h, n.h)) AS digest
    FROM d LEFT JOIN c USING (report_id) LEFT JOIN n USING (report_id)
"""


def snapshot(db: Path) -> pd.DataFrame:
    """report_id, issuer_id, region_code, year and a digest of each report in `db`."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(_DIGEST).df()


def record_build(db: Path, before: pd.DataFrame | None, mode: str = "incremental") -> pd.DataFrame:
    """Write int_report_changes (the reports that differ from `before`; every report 'added' when
    `before` is None) and append a warehouse_builds row, as an `ingest build` of `mode` would.
    Returns the changes."""
    after = snapshot(db)
    if before is None:
        before = after.iloc[0:0]
    m = after.merge(before, on="report_id", how="outer", suffixes=("", "_prev"), indicator=True)
    change = m["_merge"].map({"left_only": "added", "right_only": "removed", "both": "changed"})
    m = m.assign(change=change.astype(str))
    m = m[(m["change"] != "changed") | (m["digest"] != m["digest_prev"])]
    changes = pd.DataFrame({
        "report_id": m["report_id"], "change": m["change"],
        "issuer_id": m["issuer_id"], "region_code": m["region_code"], "year": m["year"].astype("Int32"),
        "prev_issuer_id": m["issuer_id_prev"], "prev_region_code": m["region_code_prev"],
        "prev_year": m["year_prev"].astype("Int32")}).reset_index(drop=True)
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.register("changes_df", changes)
        con.execute("""
            CREATE OR REPLACE TABLE intermediate.int_report_changes AS
            SELECT report_id::VARCHAR AS report_id, change::VARCHAR AS change,
                   issuer_id::VARCHAR AS issuer_id, region_code::VARCHAR AS region_code, year::INTEGER AS year,
                   prev_issuer_id::VARCHAR AS prev_issuer_id, prev_region_code::VARCHAR AS prev_region_code,
                   prev_year::INTEGER AS prev_year
            FROM changes_df""")
        con.execute("""
            CREATE TABLE IF NOT EXISTS main.warehouse_builds (
                build_id VARCHAR, mode VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
                reports INTEGER, reports_added INTEGER, reports_changed INTEGER, reports_removed INTEGER)""")
        last = con.execute("SELECT max(started_at) FROM main.warehouse_builds").fetchone()[0]
        started = max(datetime.now(timezone.utc).replace(tzinfo=None),
                      (last + timedelta(seconds=1)) if last else datetime.min)
        counts = changes["change"].value_counts()
        con.execute("INSERT INTO main.warehouse_builds VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            "b-" + uuid.uuid4().hex[:8], mode, started, started + timedelta(milliseconds=1), len(after),
            int(counts.get("added", 0)), int(counts.get("changed", 0)), int(counts.get("removed", 0))])
    return changes
