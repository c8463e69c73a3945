"""Findings that reviewed corrections resolved.

Validation runs on the corrected values (int_report_cells.value). So that a correction never
hides what the publisher printed, the same rules are evaluated once more on the parsed values
(int_report_cells.parsed_value) of the issuers that have a correction — every report of theirs,
since a cross-year rule reads last year's report too — and each finding the parsed values give
that the corrected ones do not is reported as resolved by correction, in its own table
(validation_resolved_findings): it no longer counts as open, and it is never lost.

The second pass uses the same frames and the same failing masks as the GX run (suites.py checks
each mask against GX's own count), on a small in-memory copy of the corrected issuers' rows.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingest import layers
from ingest.validate import findings, frames, suites

KEY = ["report_id", "rule_id", "table_key", "row_key", "column_key"]
COLUMNS = [*findings.FINDING_COLUMNS, "resolution", "correction_ids"]


def resolved_findings(db: Path, found: pd.DataFrame, run_id: str, checked_at: datetime,
                      scope: pd.Series | None = None) -> pd.DataFrame:
    """The findings of the parsed values that the corrected values no longer give.

    With `scope` (an incremental run's report ids), only the corrected issuers with a report in
    scope are evaluated and only findings of reports in scope are returned: a report's parsed
    findings depend on its issuer's reports alone (the cross-year rule reads the same issuer),
    and the identity rules never give a resolved finding (the parsed pass sees the same
    dim_report rows, so its identity findings are always among `found`)."""
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH '{_sql_str(db)}' AS src (READ_ONLY)")
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'src' "
            "AND table_name = 'int_report_cells'").fetchall()}
        if not {"parsed_value", "is_corrected", "correction_id"} <= cols:
            return _empty()  # a warehouse built before the corrections layer
        cells = layers.locate(con, "int_report_cells", "src")
        corrections = con.execute(f"""
            SELECT report_id, string_agg(correction_id, ', ' ORDER BY correction_id) AS correction_ids
            FROM {cells} WHERE is_corrected GROUP BY report_id ORDER BY report_id""").df()
        if corrections.empty:
            return _empty()
        con.register("corrected_reports", corrections)
        con.execute("ATTACH ':memory:' AS wh")
        con.execute("""
            CREATE TEMP TABLE corrected_issuers AS
            SELECT DISTINCT issuer_id FROM src.dim_report SEMI JOIN corrected_reports USING (report_id)""")
        if scope is not None:
            con.register("scope_df", pd.DataFrame({"report_id": pd.Series(scope, dtype="object")}))
            con.execute("""
                DELETE FROM corrected_issuers WHERE issuer_id NOT IN (
                    SELECT issuer_id FROM src.dim_report SEMI JOIN scope_df USING (report_id)
                    WHERE issuer_id IS NOT NULL)""")
            if not con.execute("SELECT count(*) FROM corrected_issuers").fetchone()[0]:
                return _empty()
        con.execute("""
            CREATE TABLE wh.dim_report AS
            SELECT * FROM src.dim_report SEMI JOIN corrected_issuers USING (issuer_id)""")
        con.execute(f"""
            CREATE TABLE wh.int_report_cells AS
            SELECT c.* REPLACE (c.parsed_value AS value)
            FROM {cells} c SEMI JOIN wh.dim_report d USING (report_id)""")
        has_narrative = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' "
            "AND table_name = 'int_narrative_facts'").fetchall()[0][0]
        if has_narrative:
            con.execute(f"""
                CREATE TABLE wh.int_narrative_facts AS
                SELECT n.* FROM {layers.locate(con, "int_narrative_facts", "src")} n
                SEMI JOIN wh.dim_report d USING (report_id)""")
        fr = frames.load(con)
    finally:
        con.close()

    results = []
    for spec in suites.suites():
        df = fr.checks[spec.name]
        for check in spec.checks:
            mask = check.failing(df) if len(df) else pd.Series(False, index=df.index)
            failed = int(mask.sum())
            results.append(suites.CheckResult(spec.name, check, failed == 0, len(df), failed, mask))
    parsed = findings.build(fr, results, run_id, checked_at)
    if parsed.empty:
        return _empty()
    open_keys = found[KEY].astype("string").fillna("") if len(found) else pd.DataFrame(columns=KEY)
    keys = parsed[KEY].astype("string").fillna("")
    still_open = keys.merge(open_keys.drop_duplicates(), on=KEY, how="left", indicator=True)["_merge"] == "both"
    out = parsed[~still_open.to_numpy()].copy()
    if scope is not None:
        out = out[out["report_id"].isin(set(scope))]
    if out.empty:
        return _empty()
    out["resolution"] = "resolved_by_correction"
    # the corrections of the issuer's reports (a cross-year finding may be resolved by last year's)
    by_report = dict(zip(corrections["report_id"], corrections["correction_ids"]))
    issuers = fr.reports.set_index("report_id")["issuer_id"]
    by_issuer: dict[str, list[str]] = {}
    for rid, ids in by_report.items():
        by_issuer.setdefault(issuers.get(rid), []).append(ids)
    out["correction_ids"] = [by_report.get(r) or ", ".join(by_issuer.get(issuers.get(r), []))
                             for r in out["report_id"]]
    return out[COLUMNS].reset_index(drop=True)


RESOLVED_SELECT = """
    SELECT * REPLACE (year::INTEGER AS year, expected::DECIMAL(24,6) AS expected,
                      actual::DECIMAL(24,6) AS actual, difference::DECIMAL(24,6) AS difference,
                      checked_at::TIMESTAMPTZ AS checked_at)
    FROM resolved_df"""


def write(con: duckdb.DuckDBPyConnection, resolved: pd.DataFrame, *, merge: bool = False) -> None:
    """Replace validation_resolved_findings in the validated file (same types as the findings);
    with `merge`, insert into it (incremental.py has deleted the rows being replaced)."""
    con.register("resolved_df", resolved if len(resolved) else _empty())
    try:
        if merge:
            con.execute(f"INSERT INTO validation_resolved_findings BY NAME {RESOLVED_SELECT}")
        else:
            con.execute(f"CREATE OR REPLACE TABLE validation_resolved_findings AS {RESOLVED_SELECT}")
    finally:
        con.unregister("resolved_df")


def _empty() -> pd.DataFrame:
    numeric = {"year", "expected", "actual", "difference"}
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeric else
                                      "datetime64[ns, UTC]" if c == "checked_at" else "string")
                         for c in COLUMNS})


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
