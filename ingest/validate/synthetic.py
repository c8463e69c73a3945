"""Contract tables (dim_report, int_report_cells, int_narrative_facts) for N synthetic reports.

For the validation benchmark and the unit tests of the pipeline-break paths, which need a
warehouse without running the parser and dbt. Generated in DuckDB SQL from the template
description, deterministic (hash-based), balanced by construction: every rule holds, including
carried_over(N) = carry_forward(N−1) across an issuer's years. `break_every` plants one
table-4 total break in every k-th report, so a run also has findings to write.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ingest import templates
from ingest.validate.frames import SHAPES

YEARS = list(range(2019, 2026))


def write(db: Path, reports: int, *, break_every: int = 0, one_row_every: int = 20) -> None:
    """(Re)create the contract tables for `reports` synthetic reports in `db`."""
    t = templates.load()

    con = duckdb.connect(str(db))
    try:
        # Bounded, in chunks: 210,000 reports are 50 million cells.
        con.execute("SET memory_limit = '3GB'; SET preserve_insertion_order = false; "
                    "SET enable_progress_bar = false")
        con.execute(f"SET temp_directory = '{db.parent / (db.name + '.tmp')}'")
        cells = []
        for tid in t.template_ids:
            for shape in SHAPES:
                cells += [(tid, shape, *c) for c in t.expected_cells(tid, shape)]
        cells_df = pd.DataFrame(cells, columns=["template", "shape", "table_key", "row_key", "column_key"])
        kinds = {(tid, c): t.cell_kind(tid, "table2", c) for tid in t.template_ids
                 for c in t.table2_columns(tid)}
        cells_df["kind"] = [kinds.get((tp, ck), "count") if tb == "table2" else "count"
                            for tp, tb, ck in zip(cells_df["template"], cells_df["table_key"],
                                                  cells_df["column_key"])]
        shape_rows = {s: t.table3_outcome_rows(s) for s in SHAPES}
        cells_df["outcome"] = [tb == "table3" and rk in shape_rows[sh]
                               for sh, tb, rk in zip(cells_df["shape"], cells_df["table_key"],
                                                     cells_df["row_key"])]
        cells_df["detail"] = cells_df["column_key"].isin(t.table3_detail_columns)
        con.register("tpl_cells", cells_df)
        con.execute("DROP TABLE IF EXISTS int_report_cells; DROP TABLE IF EXISTS dim_report; "
                    "DROP TABLE IF EXISTS int_narrative_facts")
        con.execute(f"""
            CREATE TABLE dim_report AS
            WITH r AS (SELECT i, i // {len(YEARS)} AS issuer_no, {YEARS[0]} + i % {len(YEARS)} AS year
                       FROM range({reports}) t(i))
            SELECT sha256('synthetic-' || i) AS report_id,
                   'syn-' || lpad(issuer_no::VARCHAR, 6, '0') AS issuer_id,
                   '合成县' || issuer_no || '人民政府' AS issuer,
                   'county_government' AS issuer_level,
                   lpad((100000 + issuer_no % 900000)::VARCHAR, 6, '0') AS region_code,
                   year::INTEGER AS year,
                   CASE WHEN year < 2021 THEN '2019' ELSE '2021' END AS template,
                   CASE WHEN year < 2021 THEN '2019' ELSE '2021' END AS table3_template,
                   CASE WHEN year < 2021 OR i % {one_row_every} = 0 THEN 'one_row' ELSE 'three_rows' END
                       AS table3_shape,
                   'https://example.invalid/' || i AS source_url,
                   sha256('synthetic-' || i) AS content_sha256,
                   make_date(year + 1, 2, 1) AS published_date,
                   'synthetic' AS parser_version, TRUE AS is_synthetic, i AS _i, issuer_no AS _issuer_no
            FROM r
        """)
        for lo in range(0, reports, CHUNK):
            _cells(con, lo, min(reports, lo + CHUNK), create=lo == 0)
        if break_every:
            # A published 总计 printed as 0 beside non-zero parts, as in real reports.
            con.execute(f"""
                UPDATE int_report_cells SET value = 0, raw_text = '0'
                WHERE table_key = 'table4' AND row_key = 'review' AND column_key = 'total'
                  AND report_id IN (SELECT report_id FROM dim_report WHERE _i % {break_every} = 0)
                  AND report_id IN (SELECT report_id FROM int_report_cells WHERE table_key = 'table4'
                                    AND row_key = 'review' AND column_key = 'upheld' AND value > 0)
            """)
        con.execute("""
            CREATE TABLE int_narrative_facts AS
            SELECT report_id, 'applications_received' AS fact_key, value, raw_text
            FROM int_report_cells WHERE table_key = 'table3' AND row_key = 'new' AND column_key = 'total'
        """)
        con.execute("ALTER TABLE dim_report DROP COLUMN _i; ALTER TABLE dim_report DROP COLUMN _issuer_no")
    finally:
        con.close()


CHUNK = 20_000  # reports generated per statement batch


def _cells(con: duckdb.DuckDBPyConnection, lo: int, hi: int, *, create: bool) -> None:
    """Cells of reports lo ≤ _i < hi: table 3 built from random outcome rows upwards, so every
    balancing rule holds; carried_over(N) and carry_forward(N−1) hash the same (issuer, year)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE base AS
        SELECT d.report_id, d._i, d._issuer_no, d.year, d.template, d.table3_shape,
               c.table_key, c.row_key, c.column_key, c.kind, c.outcome, c.detail
        FROM dim_report d JOIN tpl_cells c ON c.template = d.template AND c.shape = d.table3_shape
        WHERE d._i >= {lo} AND d._i < {hi};

        CREATE OR REPLACE TEMP TABLE t3 AS
        WITH o AS (
            SELECT report_id, _issuer_no, year, row_key, column_key, outcome,
                   CASE WHEN outcome THEN (hash(report_id, row_key, column_key) % 3)
                                          + CASE WHEN row_key = 'granted' THEN 3 ELSE 0 END END AS v
            FROM base WHERE table_key = 'table3' AND detail),
        tot AS (SELECT report_id, column_key, sum(v) AS total FROM o WHERE outcome GROUP BY ALL),
        k AS (SELECT DISTINCT report_id, _issuer_no, year, column_key FROM o),
        flows AS (
            SELECT k.*, tot.total,
                   hash(k._issuer_no, k.year, k.column_key) % 3 AS carry_forward,
                   CASE WHEN k.year > {YEARS[0]} THEN hash(k._issuer_no, k.year - 1, k.column_key) % 3
                        ELSE 0 END AS carried_over
            FROM k JOIN tot USING (report_id, column_key))
        SELECT o.report_id, o.row_key, o.column_key,
               CASE WHEN o.outcome THEN o.v
                    WHEN o.row_key = 'total' THEN f.total
                    WHEN o.row_key = 'carry_forward' THEN f.carry_forward
                    WHEN o.row_key = 'carried_over' THEN f.carried_over
                    WHEN o.row_key = 'new' THEN f.total + f.carry_forward - f.carried_over
               END AS v
        FROM o JOIN flows f USING (report_id, column_key);

        CREATE OR REPLACE TEMP TABLE t4 AS
        WITH p AS (
            SELECT report_id, row_key, column_key,
                   CASE WHEN column_key <> 'total' THEN hash(report_id, row_key, column_key) % 2 END AS v
            FROM base WHERE table_key = 'table4')
        SELECT report_id, row_key, column_key,
               CASE WHEN column_key = 'total'
                    THEN sum(v) OVER (PARTITION BY report_id, row_key) ELSE v END AS v
        FROM p;
    """)
    select = """
        WITH t3all AS (
            SELECT * FROM t3
            UNION ALL
            SELECT report_id, row_key, 'total', sum(v) FROM t3 GROUP BY ALL),
        v AS (
            SELECT b.report_id, b.table_key, b.row_key, b.column_key,
                   CASE WHEN b.table_key = 'table2' THEN
                            CASE WHEN b.kind = 'money' THEN (hash(b.report_id, b.row_key) % 10000000) / 1000000.0
                                 WHEN b.kind = 'signed_count' THEN (hash(b.report_id, b.row_key) % 21)::INTEGER - 10
                                 ELSE hash(b.report_id, b.row_key, b.column_key) % 500 END
                        WHEN b.table_key = 'table3' THEN t3all.v
                        ELSE t4.v END AS value
            FROM base b
            LEFT JOIN t3all ON b.table_key = 'table3' AND t3all.report_id = b.report_id
                           AND t3all.row_key = b.row_key AND t3all.column_key = b.column_key
            LEFT JOIN t4 ON b.table_key = 'table4' AND t4.report_id = b.report_id
                        AND t4.row_key = b.row_key AND t4.column_key = b.column_key)
        SELECT v.report_id, d.issuer_id, d.issuer, d.region_code, d.year, d.template, d.table3_shape,
               v.table_key, v.row_key, v.column_key, v.value::DECIMAL(24,6) AS value,
               v.value::VARCHAR AS raw_text, FALSE AS is_blank
        FROM v JOIN dim_report d USING (report_id)
    """
    if create:
        con.execute(f"CREATE TABLE int_report_cells AS {select}")
    else:
        con.execute(f"INSERT INTO int_report_cells {select}")
