"""Warehouse tables → the pandas frames the GX suites validate.

Arithmetic is done in DuckDB on the exact DECIMAL cells and only the results come to pandas:
one row per check, with `actual` (the lhs of the rule as printed), `expected` (its rhs) and
`difference` = actual − expected, which the suites require to be 0. A check with a null term is
not evaluable: its difference is null, which GX's column expectations skip, so a report that
leaves a cell blank is never called unbalanced for it.

Frames carry `report_no` (a dense int per report) instead of the 64-character report id, and
categorical keys, so 210,000 reports fit comfortably in memory; `Frames.reports` maps back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ingest import templates
from ingest.errors import PipelineError, UserError

# The contract tables and the columns validation reads (ARCHITECTURE.md, warehouse ↔ validation).
REQUIRED = {
    "int_report_cells": ["report_id", "table_key", "row_key", "column_key", "value"],
    "dim_report": ["report_id", "issuer_id", "issuer", "region_code", "year", "template",
                   "table3_shape", "content_sha256"],
}
OPTIONAL = {"int_narrative_facts": ["report_id", "fact_key", "value"]}
SHAPES = ("one_row", "three_rows")
TABLES = ("table2", "table3", "table4")
NONE = "-"  # profile key of a report without table 2 (no template) or without table 3 (no shape)


@dataclass
class Frames:
    reports: pd.DataFrame  # report_no, report_id, issuer_id, issuer, region_code, year, in_scope, …
    checks: dict[str, pd.DataFrame] = field(default_factory=dict)  # frame name → frame
    details: dict[str, pd.DataFrame] = field(default_factory=dict)  # pipeline-break detail rows


def open_readonly(db: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory session with the warehouse attached read-only as `wh`."""
    if not db.is_file():
        raise UserError(f"no warehouse at {db}: run `make build` first")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    # The 210,000-report warehouse must validate beside analysts' sessions on a 24 GB machine;
    # DuckDB spills to the temp directory rather than growing past this.
    con.execute(f"SET memory_limit = '{os.environ.get('INGEST_VALIDATE_MEMORY', '2GB')}'")
    tmp = db.parent / "validate_tmp"
    con.execute(f"SET temp_directory = '{_sql_str(tmp)}'")
    try:
        con.execute(f"ATTACH '{_sql_str(db)}' AS wh (READ_ONLY)")
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0]
        raise UserError(f"{db} is not a readable DuckDB warehouse: {first}") from None
    _check_contract(con, db)
    return con


def _check_contract(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    cols = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'wh'"
    ).fetchall()
    have: dict[str, set[str]] = {}
    for t, c in cols:
        have.setdefault(t, set()).add(c)
    for table, needed in REQUIRED.items():
        if table not in have:
            raise PipelineError(f"warehouse {db} has no table {table}: the dbt build did not finish; "
                                "rebuild with `make build`")
        missing = [c for c in needed if c not in have[table]]
        if missing:
            raise PipelineError(f"warehouse table {table} lacks column(s) {', '.join(missing)}")


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute("""
        SELECT count(*) FROM (SELECT table_name AS name FROM duckdb_tables() WHERE database_name = 'wh'
                              UNION ALL
                              SELECT view_name FROM duckdb_views() WHERE database_name = 'wh')
        WHERE name = ?""", [table]).fetchall()
    return found[0][0] > 0


def _bind_layers(con: duckdb.DuckDBPyConnection) -> None:
    """Temp views wh_int_report_cells / wh_int_narrative_facts over wherever the attached warehouse
    keeps them (schema `intermediate` since the layers split; `main` in older or hand-made files)."""
    from ingest import layers

    for table in ("int_report_cells", "int_narrative_facts"):
        try:
            where = layers.locate(con, table, "wh")
        except LookupError:
            continue
        con.execute(f"CREATE OR REPLACE TEMP VIEW wh_{table} AS SELECT * FROM {where}")


def load(con: duckdb.DuckDBPyConnection, scope: pd.Series | None = None) -> Frames:
    """Every frame the suites check. With `scope` (report ids; incremental.py decides which), the
    per-report frames hold only those reports and the orphan reports (cells without a dim_report
    row), and only their cells are read: the filter is a semi join in DuckDB before anything
    reaches pandas. `reports` and the report_identity frame always hold every report (see
    `_bind_scope`)."""
    _bind_layers(con)
    t = templates.load()
    if scope is not None:
        _bind_scope(con, scope, t)
    _register_template_tables(con, t)
    reports = _reports(con, t)
    frames = Frames(reports=reports)
    for rule in t.rules:
        if rule.across_years:
            frames.checks[rule.id] = _carry_over(con, rule)
        else:
            frames.checks[rule.id] = _balance(con, rule)
    frames.checks["cell_values"], frames.details["bad_values"] = _cell_values(con)
    frames.checks["narrative"], frames.details["narrative_evidence"] = _narrative(con, t)
    frames.checks["report_identity"] = _identity(reports)
    frames.checks["tables_printed"] = _tables_printed(reports)
    frames.checks["completeness"], details = _completeness(con, reports)
    frames.details.update(details)
    return frames


def _bind_scope(con: duckdb.DuckDBPyConnection, scope: pd.Series, t: templates.Templates) -> None:
    """Rebind wh_int_report_cells / wh_int_narrative_facts to the cells an incremental run reads.

    Read: the reports in scope; the reports of the same issuer the year before each of them (the
    cross-year rule compares a report with last year's: those are read, never checked); the
    reports without a usable template or shape (few: whether they *print* tables 2 and 3 decides
    report_has_template, which runs on every report); and every orphan report (cells whose
    report is not in dim_report). The orphan search is the one full pass over
    int_report_cells (a semi-join on report_id only): "cells without a report in dim_report" is
    a pipeline check of the whole warehouse, so it runs fully, never scoped."""
    con.register("v_scope_df", pd.DataFrame({"report_id": pd.Series(scope, dtype="object").dropna().unique()}))
    con.execute("CREATE OR REPLACE TEMP TABLE v_scope AS SELECT DISTINCT report_id::VARCHAR AS report_id "
                "FROM v_scope_df")
    con.unregister("v_scope_df")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE v_orphans AS
        SELECT DISTINCT report_id FROM (SELECT report_id FROM wh_int_report_cells
                                        ANTI JOIN wh.dim_report USING (report_id))""")
    template_ids = ", ".join(f"'{x}'" for x in t.template_ids)
    shapes = ", ".join(f"'{x}'" for x in SHAPES)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE v_read AS
        SELECT report_id FROM v_scope
        UNION SELECT report_id FROM v_orphans
        UNION SELECT prev.report_id
              FROM wh.dim_report cur SEMI JOIN v_scope USING (report_id)
              JOIN wh.dim_report prev ON prev.issuer_id = cur.issuer_id AND prev.year = cur.year - 1
        UNION SELECT report_id FROM wh.dim_report
              WHERE template IS NULL OR template NOT IN ({template_ids})
                 OR table3_shape IS NULL OR table3_shape NOT IN ({shapes})""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE v_scoped_cells AS
        SELECT report_id, table_key, row_key, column_key, value, raw_text
        FROM wh_int_report_cells SEMI JOIN v_read USING (report_id)""")
    con.execute("CREATE OR REPLACE TEMP VIEW wh_int_report_cells AS SELECT * FROM v_scoped_cells")
    if has_table(con, "int_narrative_facts"):
        con.execute("""
            CREATE OR REPLACE TEMP TABLE v_scoped_narrative AS
            SELECT * FROM wh_int_narrative_facts SEMI JOIN v_scope USING (report_id)""")
        con.execute("CREATE OR REPLACE TEMP VIEW wh_int_narrative_facts AS SELECT * FROM v_scoped_narrative")


def _in_scope_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The in_scope column of v_reports: every report in a full run; in an incremental run the
    reports in scope and the orphans (both only ever known to this session's temp tables)."""
    scoped = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'v_scope'"
                         ).fetchone()[0]
    if not scoped:
        return "TRUE"
    return ("(report_id IN (SELECT report_id FROM v_scope) OR report_id IN (SELECT report_id FROM v_orphans))")


# ---- template description → small DuckDB tables ---------------------------------------------

def _register_template_tables(con: duckdb.DuckDBPyConnection, t: templates.Templates) -> None:
    terms = []
    for rule in t.rules:
        if rule.across_years:
            continue
        for shape in (*SHAPES, NONE):
            rhs = _expand(t, rule.rhs, shape)
            for side, keys in (("lhs", list(rule.lhs)), ("rhs", rhs)):
                for k in keys:
                    terms.append((rule.id, shape, side, k, len(rule.lhs), len(rhs)))
    con.register("v_terms_df", pd.DataFrame(
        terms, columns=["rule_id", "shape", "side", "term", "need_lhs", "need_rhs"]))
    con.execute("CREATE OR REPLACE TEMP TABLE v_terms AS SELECT * FROM v_terms_df")

    # Cell lists per (template, shape) profile, "-" standing for a table the report does not
    # print: table 2 follows the template, table 3 the shape, table 4 is always there (as the
    # warehouse's int_report_cells does).
    expected, known, kinds = [], [], []
    any_tid = t.template_ids[0]
    for tid in [*t.template_ids, NONE]:
        for shape in [*SHAPES, NONE]:
            for cells, out in ((t.expected_cells, expected), (t.known_cells, known)):
                for c in cells(tid if tid != NONE else any_tid, shape if shape != NONE else SHAPES[0]):
                    if (c[0] == "table2" and tid == NONE) or (c[0] == "table3" and shape == NONE):
                        continue
                    out.append((tid, shape, *c))
    for tid in t.template_ids:
        for row in t.table2_rows(tid):
            for col in row.columns:
                kinds.append((tid, "table2", row.key, col, t.cell_kind(tid, "table2", col)))
    cell_cols = ["template", "shape", "table_key", "row_key", "column_key"]
    con.register("v_expected_df", pd.DataFrame(expected, columns=cell_cols))
    con.register("v_known_df", pd.DataFrame(known, columns=cell_cols))
    con.register("v_kinds_df", pd.DataFrame(
        kinds, columns=["template", "table_key", "row_key", "column_key", "kind"]))
    for name in ("v_expected", "v_kinds"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT * FROM {name}_df")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE v_known AS
        SELECT k.*,
               (row_number() OVER (ORDER BY k.template, k.shape, k.table_key, k.row_key, k.column_key)
               )::INTEGER AS cell_no,
               e.template IS NOT NULL AS expected
        FROM (SELECT DISTINCT * FROM v_known_df) k
        LEFT JOIN v_expected e USING (template, shape, table_key, row_key, column_key)
    """)


def _expand(t: templates.Templates, rhs, shape: str) -> list[str]:
    if rhs == "detail_columns":
        return t.table3_detail_columns
    if rhs == "outcome_rows":
        return t.table3_outcome_rows(shape)
    if isinstance(rhs, str):
        raise PipelineError(f"templates.yaml rule term '{rhs}' is not understood by validation")
    return list(rhs)


# ---- reports ---------------------------------------------------------------------------------

def _reports(con: duckdb.DuckDBPyConnection, t: templates.Templates) -> pd.DataFrame:
    # Reports that only the cells know of are kept too: a cell without its report is a
    # pipeline break the identity suite reports. Every report is here in an incremental run too
    # (dim_report only: one row per report): report_no, labels and the identity suite are global.
    in_scope = _in_scope_sql(con)
    # Versions and unread tables (dim_report's is_current, superseded_by, tables_unread): a
    # warehouse built before them has every report current and every table read.
    versions = ("is_current, superseded_by" if _has_column(con, "dim_report", "is_current")
                else "TRUE AS is_current, NULL::VARCHAR AS superseded_by")
    unread = ("tables_unread" if _has_column(con, "dim_report", "tables_unread")
              else "[]::VARCHAR[] AS tables_unread")
    df = con.execute(f"""
        WITH d AS (SELECT report_id, issuer_id, issuer, region_code, year::INTEGER AS year, template,
                          table3_shape, content_sha256, TRUE AS in_dim_report, {versions}, {unread}
                   FROM wh.dim_report),
             c AS (SELECT DISTINCT report_id FROM wh_int_report_cells),
             u AS (SELECT * FROM d
                   UNION ALL
                   SELECT c.report_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, FALSE, TRUE, NULL, []
                   FROM c ANTI JOIN d USING (report_id))
        SELECT (row_number() OVER (ORDER BY report_id, issuer_id, year) - 1)::INTEGER AS report_no, *,
               coalesce(template, '-') AS tkey, coalesce(table3_shape, '-') AS skey,
               coalesce({in_scope}, FALSE) AS in_scope
        FROM u ORDER BY report_no
    """).df()
    printed = con.execute("""
        SELECT report_id, table_key, count(raw_text) AS printed
        FROM wh_int_report_cells GROUP BY ALL
    """).df().pivot(index="report_id", columns="table_key", values="printed")
    con.execute("CREATE OR REPLACE TEMP TABLE v_reports AS SELECT * FROM df")
    for table in TABLES:
        col = printed[table] if table in printed else pd.Series(dtype="float64")
        df[f"{table}_printed"] = df["report_id"].map(col).fillna(0).astype("int64")
    # A report may lack table 2 or 3 altogether (an image-only table): then it has no template
    # or shape for it, which is the publisher's doing (tables_printed). A template we cannot
    # name for a table that *is* printed is ours.
    template_ok = df["template"].isin(t.template_ids) | (df["template"].isna() & (df["table2_printed"] == 0))
    shape_ok = df["table3_shape"].isin(SHAPES) | (df["table3_shape"].isna() & (df["table3_printed"] == 0))
    df["has_template"] = df["in_dim_report"] & template_ok & shape_ok
    return df


def report_labels(reports: pd.DataFrame) -> pd.Index:
    """`issuer year` per report_no, for the unexpected-row samples of the Data Docs."""
    issuer = reports["issuer"].fillna(reports["report_id"].str.slice(0, 12)).astype(str)
    # a report without a year (cells without a dim_report row): "?" (astype(str) gives nan for
    # a missing value under pandas 3, "<NA>" before; categories must not be null)
    year = reports["year"].astype("Int64").astype("string").fillna("?")
    labels = issuer + " " + year
    # categories must be unique: a duplicate (issuer, year) gets its report id prefix
    dup = labels.duplicated(keep=False)
    labels = labels.where(~dup, labels + " [" + reports["report_id"].str.slice(0, 8) + "]")
    labels = labels.where(~labels.duplicated(), labels + " #" + reports["report_no"].astype(str))
    return pd.Index(labels)


def _with_labels(df: pd.DataFrame, labels: pd.Index) -> pd.DataFrame:
    df["report"] = pd.Categorical.from_codes(df["report_no"].to_numpy(), categories=labels)
    return df


# ---- balancing rules -------------------------------------------------------------------------

def _balance(con: duckdb.DuckDBPyConnection, rule: templates.Rule) -> pd.DataFrame:
    # per column: the terms are rows and one check per column; per row/group: the reverse.
    if rule.per == "column":
        match, key = "row_key", "column_key"
    else:
        match, key = "column_key", "row_key"
    df = con.execute(f"""
        WITH s AS (
            SELECT r.report_no, c.{key} AS key,
                   sum(c.value) FILTER (WHERE t.side = 'lhs') AS actual,
                   sum(c.value) FILTER (WHERE t.side = 'rhs') AS expected,
                   count(c.value) FILTER (WHERE t.side = 'lhs') = any_value(t.need_lhs)
                   AND count(c.value) FILTER (WHERE t.side = 'rhs') = any_value(t.need_rhs) AS evaluable
            FROM wh_int_report_cells c
            JOIN v_reports r USING (report_id)
            JOIN v_terms t ON t.rule_id = ? AND t.shape = r.skey AND t.term = c.{match}
            WHERE c.table_key = ? AND r.in_dim_report AND r.in_scope
            GROUP BY ALL)
        SELECT report_no, key,
               CASE WHEN evaluable THEN actual END::DOUBLE AS actual,
               CASE WHEN evaluable THEN expected END::DOUBLE AS expected,
               CASE WHEN evaluable THEN actual - expected END::DOUBLE AS difference
        FROM s ORDER BY report_no, key
    """, [rule.id, rule.table]).df()
    df["report_no"] = df["report_no"].astype("int32")
    df["key"] = df["key"].astype("category")
    return df


def _carry_over(con: duckdb.DuckDBPyConnection, rule: templates.Rule) -> pd.DataFrame:
    if len(rule.lhs) != 1 or isinstance(rule.rhs, str) or len(rule.rhs) != 1:
        raise PipelineError(f"rule {rule.id}: a cross-year rule compares one row with one row")
    df = con.execute(f"""
        SELECT cur.report_no, prev.report_no AS prev_report_no, co.column_key AS key,
               co.value::DOUBLE AS actual, cf.value::DOUBLE AS expected,
               (co.value - cf.value)::DOUBLE AS difference
        FROM v_reports cur
        JOIN v_reports prev ON prev.issuer_id = cur.issuer_id AND prev.year = cur.year - 1
                           AND prev.in_dim_report
        JOIN wh_int_report_cells co ON co.report_id = cur.report_id AND co.table_key = ?
                                   AND co.row_key = ?
        JOIN wh_int_report_cells cf ON cf.report_id = prev.report_id AND cf.table_key = ?
                                   AND cf.row_key = ? AND cf.column_key = co.column_key
        WHERE cur.in_dim_report AND cur.in_scope
        ORDER BY cur.report_no, prev.report_no, key
    """, [rule.table, rule.lhs[0], rule.table, rule.rhs[0]]).df()
    df["report_no"] = df["report_no"].astype("int32")
    df["prev_report_no"] = df["prev_report_no"].astype("int32")
    df["key"] = df["key"].astype("category")
    return df


# ---- cell values -----------------------------------------------------------------------------

def _cell_values(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (report, table): the smallest count, the largest fractional part of a count, the
    smallest money amount; plus every offending cell, for the findings.

    The suite checks these aggregates rather than 5 million single cells (50 million at 210,000
    reports): a report's table passes iff every cell in it does, so the verdict is the same and
    the frame stays small. Only printed values count: a null is "not reported" and has no sign.
    """
    values = """
        SELECT r.report_no, c.table_key, c.row_key, c.column_key, c.value,
               CASE WHEN c.table_key = 'table2' THEN k.kind ELSE 'count' END AS kind
        FROM wh_int_report_cells c
        JOIN v_reports r USING (report_id)
        LEFT JOIN v_kinds k ON c.table_key = 'table2' AND k.template = r.template
                           AND k.row_key = c.row_key AND k.column_key = c.column_key
        WHERE c.value IS NOT NULL AND r.in_dim_report AND r.in_scope"""
    agg = con.execute(f"""
        SELECT report_no, table_key,
               min(value) FILTER (WHERE kind = 'count')::DOUBLE AS min_count,
               max(abs(value - trunc(value))) FILTER (WHERE kind IN ('count', 'signed_count'))::DOUBLE
                   AS max_count_fraction,
               min(value) FILTER (WHERE kind = 'money')::DOUBLE AS min_money,
               count(*) FILTER (WHERE kind = 'count') AS n_count,
               count(*) FILTER (WHERE kind IN ('count', 'signed_count')) AS n_integer,
               count(*) FILTER (WHERE kind = 'money') AS n_money
        FROM ({values}) WHERE kind IS NOT NULL
        GROUP BY ALL ORDER BY ALL
    """).df()
    bad = con.execute(f"""
        SELECT report_no, table_key, row_key, column_key, value::DOUBLE AS value,
               (value - trunc(value))::DOUBLE AS fraction,
               CASE WHEN kind = 'count' AND value < 0 THEN 'count_non_negative'
                    WHEN kind = 'money' AND value < 0 THEN 'money_non_negative' END AS sign_rule,
               kind IN ('count', 'signed_count') AND value <> trunc(value) AS not_integer
        FROM ({values})
        WHERE (kind IN ('count', 'money') AND value < 0)
           OR (kind IN ('count', 'signed_count') AND value <> trunc(value))
        ORDER BY ALL
    """).df()
    agg["report_no"] = agg["report_no"].astype("int32")
    agg["table_key"] = agg["table_key"].astype("category")
    return agg, bad


# ---- narrative -------------------------------------------------------------------------------

def _narrative(con: duckdb.DuckDBPyConnection, t: templates.Templates) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One check per (report, narrative fact): the figure against the cell sums it may restate
    (templates.yaml `cells` / `or_cells`): difference 0 when any reading agrees, else the
    difference from the first reading; not evaluable when no reading has all its cells.
    Also the sentence of each fact (the finding's evidence)."""
    readings = t.narrative_readings()
    empty = pd.DataFrame({"report_no": pd.Series(dtype="int32"), "key": pd.Categorical([]),
                          "actual": pd.Series(dtype=float), "expected": pd.Series(dtype=float),
                          "difference": pd.Series(dtype=float)})
    no_evidence = pd.DataFrame({"report_no": pd.Series(dtype="int32"), "key": pd.Series(dtype=str),
                                "evidence": pd.Series(dtype=str), "reading": pd.Series(dtype="Int64")})
    if not readings or not has_table(con, "int_narrative_facts"):
        return empty, no_evidence
    con.register("v_narrative_map_df", pd.DataFrame(
        [(k, i, len(cells), *c) for k, alts in readings.items() for i, cells in enumerate(alts) for c in cells],
        columns=["fact_key", "reading", "n_cells", "table_key", "row_key", "column_key"]))
    raw = "n.raw_text" if _has_column(con, "int_narrative_facts", "raw_text") else "NULL::VARCHAR"
    df = con.execute(f"""
        WITH s AS (
            SELECT r.report_no, n.fact_key AS key, m.reading, any_value(n.value) AS actual,
                   any_value({raw}) AS evidence,
                   sum(c.value) AS expected, count(c.value) = any_value(m.n_cells) AS evaluable
            FROM wh_int_narrative_facts n
            JOIN v_narrative_map_df m USING (fact_key)
            JOIN v_reports r USING (report_id)
            LEFT JOIN wh_int_report_cells c ON c.report_id = n.report_id AND c.table_key = m.table_key
                                           AND c.row_key = m.row_key AND c.column_key = m.column_key
            WHERE r.in_dim_report AND r.in_scope AND n.value IS NOT NULL
            GROUP BY ALL),
        pick AS (
            SELECT report_no, key, actual, evidence, reading, expected, evaluable,
                   row_number() OVER (PARTITION BY report_no, key
                                      ORDER BY (evaluable AND expected = actual) DESC, evaluable DESC,
                                               reading) AS rk
            FROM s)
        SELECT report_no, key, actual::DOUBLE AS actual,
               CASE WHEN evaluable THEN expected END::DOUBLE AS expected,
               CASE WHEN evaluable THEN actual - expected END::DOUBLE AS difference,
               evidence, CASE WHEN evaluable THEN reading END AS reading
        FROM pick WHERE rk = 1 ORDER BY report_no, key
    """).df()
    if df.empty:
        return empty, no_evidence
    df["report_no"] = df["report_no"].astype("int32")
    evidence = df[["report_no", "key", "evidence", "reading"]].copy()
    evidence["key"] = evidence["key"].astype(str)
    df = df.drop(columns=["evidence", "reading"])
    df["key"] = df["key"].astype("category")
    return df, evidence


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'wh' AND table_name = ? "
                       "AND column_name = ?", [table, column]).fetchone()[0] > 0


def narrative_cells(t: templates.Templates) -> dict[str, list[tuple[str, str, str]]]:
    """narrative fact_key → the (table, row, column) cells it restates (templates.yaml)."""
    return t.narrative_facts()


# ---- report identity and completeness (pipeline) ---------------------------------------------

def _tables_printed(reports: pd.DataFrame) -> pd.DataFrame:
    """One row per report and table: how many of its cells the report printed."""
    rows = reports[reports["in_dim_report"] & reports["in_scope"]]
    # A table the report prints but the parser read nothing of (dim_report.tables_unread) is ours
    # to fix: a parse warning and the coverage status tables_unread, never the publisher's finding.
    unread = rows["tables_unread"].map(lambda ts: set(ts) if isinstance(ts, (list, tuple, np.ndarray)) else set())
    parts = []
    for table in TABLES:
        read = ~unread.map(lambda u, t=table: t in u).astype(bool).to_numpy()
        parts.append(pd.DataFrame({"report_no": rows["report_no"].astype("int32").to_numpy()[read],
                                   "table_key": table, "printed_cells": rows[f"{table}_printed"].to_numpy()[read]}))
    df = pd.concat(parts, ignore_index=True)
    df["table_key"] = df["table_key"].astype("category")
    return df


def _identity(reports: pd.DataFrame) -> pd.DataFrame:
    # Always every report, in an incremental run too: duplicate report ids and contents are
    # global checks, and the frame is dim_report's (one row per report, no cells).
    # unique_issuer_year compares current versions only (year_if_current is null for a version a
    # revision replaced): a revision is not a second document.
    df = reports[["report_no", "report_id", "issuer_id", "year", "content_sha256", "has_template"]].copy()
    df["year_if_current"] = df["year"].where(reports["is_current"].fillna(True).astype(bool))
    return df


def _completeness(con: duckdb.DuckDBPyConnection, reports: pd.DataFrame):
    # One scan counts, per report, the cells, the known ones, the distinct known ones and the
    # distinct expected ones; the cell-by-cell lists are fetched only for reports that fail.
    per_report = con.execute("""
        WITH need AS (SELECT template, shape, count(*) AS n FROM v_expected GROUP BY ALL),
        s AS (
            SELECT r.report_no, any_value(r.in_dim_report) AS in_dim_report,
                   coalesce(any_value(need.n), 0) AS n_expected, count(c.table_key) AS n_cells,
                   count(k.cell_no) AS n_known, count(DISTINCT k.cell_no) AS n_known_distinct,
                   count(DISTINCT k.cell_no) FILTER (WHERE k.expected) AS n_expected_present
            FROM v_reports r
            LEFT JOIN wh_int_report_cells c USING (report_id)
            LEFT JOIN v_known k ON k.template = r.tkey AND k.shape = r.skey
                 AND k.table_key = c.table_key AND k.row_key = c.row_key AND k.column_key = c.column_key
            LEFT JOIN need ON need.template = r.tkey AND need.shape = r.skey
            WHERE r.in_scope
            GROUP BY r.report_no)
        SELECT report_no,
               (CASE WHEN in_dim_report THEN n_expected - n_expected_present ELSE 0 END)::BIGINT
                   AS missing_cells,
               (CASE WHEN n_expected > 0 THEN n_cells - n_known ELSE 0 END)::BIGINT AS unknown_cells,
               (n_known - n_known_distinct)::BIGINT AS duplicate_cells
        FROM s ORDER BY report_no
    """).df()
    per_report["report_no"] = per_report["report_no"].astype("int32")
    # Without a usable template there is no cell list to hold the report to: report_has_template
    # says so once, instead of a missing or unknown cell for every cell of the table.
    no_template = ~per_report["report_no"].map(reports.set_index("report_no")["has_template"]).astype(bool)
    per_report.loc[no_template, ["missing_cells", "unknown_cells"]] = 0
    bad = per_report.loc[per_report[["missing_cells", "unknown_cells", "duplicate_cells"]].any(axis=1),
                         "report_no"]
    con.register("v_bad_reports_df", pd.DataFrame({"report_no": bad.astype("int64")}))
    missing = con.execute("""
        SELECT r.report_no, e.table_key, e.row_key, e.column_key
        FROM v_reports r
        JOIN v_bad_reports_df b USING (report_no)
        JOIN v_expected e ON e.template = r.tkey AND e.shape = r.skey
        WHERE r.in_dim_report AND NOT EXISTS (
            SELECT 1 FROM wh_int_report_cells c
            WHERE c.report_id = r.report_id AND c.table_key = e.table_key
              AND c.row_key = e.row_key AND c.column_key = e.column_key)
        ORDER BY ALL
    """).df()
    unknown = con.execute("""
        SELECT r.report_no, c.table_key, c.row_key, c.column_key
        FROM wh_int_report_cells c
        JOIN v_reports r USING (report_id)
        JOIN v_bad_reports_df b USING (report_no)
        WHERE NOT EXISTS (
            SELECT 1 FROM v_known k
            WHERE k.template = r.tkey AND k.shape = r.skey AND k.table_key = c.table_key
              AND k.row_key = c.row_key AND k.column_key = c.column_key)
        ORDER BY ALL
    """).df()
    duplicate = con.execute("""
        SELECT r.report_no, c.table_key, c.row_key, c.column_key, count(*) AS copies
        FROM wh_int_report_cells c JOIN v_reports r USING (report_id)
        JOIN v_bad_reports_df b USING (report_no)
        GROUP BY ALL HAVING count(*) > 1
        ORDER BY ALL
    """).df()
    return per_report, {"missing_cells": missing, "unknown_cells": unknown, "duplicate_cells": duplicate}


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
