"""Incremental validation: re-run the rules only for the reports an incremental build changed.

An incremental build (ingest/load/build.py) works on a copy of the published, validated
warehouse, so the file it leaves already holds the previous run's validation tables; dbt then
rewrites the rows of the changed reports and lists them in `int_report_changes` (one row per
added / changed / removed report, with its new and previous issuer_id, region_code, year), and
appends a row to `warehouse_builds`.

`decide` chooses the mode (`python -m ingest validate` prints the reason in one line):
incremental only when the file's last build was incremental AND it holds the six validation
tables AND the last validation run was made by the same rules and code (`fingerprint`, kept
in validation_runs) AND of the build before this one (or of this one: a re-run) AND every
report the previous run did not know is in the change list. Anything else is a full run.

Scope (`touched`): the changed reports; every report sharing (issuer_id, year) with a changed
report's new or previous (issuer_id, year) — unique_issuer_year compares them; and the same
issuer's reports of the year before and after — the cross-year rule compares a report with last
year's, so a change in year Y moves the check of Y+1 too; and every report of such an issuer
when it has a reviewed correction (a resolved finding names all the issuer's corrections). frames.load(scope=…) reads only
their cells. Rules that are not per report run over the whole warehouse (frames.py): the
report_identity suite (duplicate report ids or contents, two documents for one issuer-year, a
report without a template — dim_report only, one row per report) and the search for cells
without a report in dim_report (one pass over int_report_cells).

`merge` then replaces, in the validated file, the rows of validation_findings,
validation_results and validation_resolved_findings of the reports in scope, of reports no
longer in the warehouse, and of the global rules, by the new ones, in one transaction.

THE CONTRACT (tests/validate/test_incremental.py): afterwards the validation tables equal, row
for row (as sets of rows: their order is not part of it), what a full run over the same
warehouse writes — except the per-run columns `run_id` and `checked_at` of validation_findings
and validation_resolved_findings (a row kept from an earlier run keeps that run's; they name
the run that last evaluated the report) and validation_runs, the log of runs (one row per run;
its totals — reports, publisher_findings, pipeline_findings, outcome, exit_code — are those of
the whole merged tables, as a full run's). validation_rules is rewritten whole each run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from ingest import layers, templates
from ingest.validate import catalog, findings, resolved

TABLES = ("validation_findings", "validation_results", "validation_rules", "validation_runs",
          "validation_resolved_findings", "validation_findings_history")
# Rules checked over every report in every run (the report_identity suite, frames._identity).
GLOBAL_RULES = ("unique_issuer_year", "report_loaded_once", "report_has_template")
CHANGES = "int_report_changes"
BUILDS = "warehouse_builds"
FULL, INCREMENTAL = "full", "incremental"
OUTCOMES = {0: "clean", 3: "publisher_findings", 1: "pipeline_failure"}  # runner.OUTCOMES


def fingerprint() -> str:
    """Of what decides a validation's results besides the data: the rule catalogue, the whole
    templates.yaml (rules, narrative facts, and the cell lists completeness checks), the
    validation code and GX's version. A previous run with another fingerprint is not merged
    into: the next run is full."""
    h = hashlib.sha256()
    h.update(templates.TEMPLATES_FILE.read_bytes())
    for r in catalog.all_rules():
        h.update(repr(r).encode("utf-8"))
    code = [*sorted(Path(__file__).parent.glob("*.py")), Path(templates.__file__)]
    for path in code:
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    try:
        h.update(metadata.version("great_expectations").encode())
    except metadata.PackageNotFoundError:
        pass
    return h.hexdigest()[:16]


@dataclass
class Plan:
    mode: str
    reason: str
    fingerprint: str
    build_id: str | None = None
    changed: int = 0  # rows of int_report_changes
    scope: pd.Series | None = None  # report ids re-checked (incremental)

    @property
    def incremental(self) -> bool:
        return self.mode == INCREMENTAL

    def line(self) -> str:
        return f"validation mode: {self.mode} ({self.reason})"


def decide(con: duckdb.DuckDBPyConnection, *, force_full: bool = False) -> Plan:
    """Full or incremental, and why. `con` has the warehouse attached read-only as `wh`."""
    fp = fingerprint()
    build_id = None
    try:
        builds = layers.locate(con, BUILDS, "wh")
        last = con.execute(f"""SELECT build_id, mode FROM {builds}
                               ORDER BY started_at DESC NULLS LAST, finished_at DESC NULLS LAST LIMIT 2""").fetchall()
    except (LookupError, duckdb.Error):
        last = []
    if last:
        build_id = last[0][0]

    def full(reason: str) -> Plan:
        return Plan(FULL, reason, fp, build_id)

    if force_full:
        return full("--full")
    if not last:
        return full("the warehouse records no builds (warehouse_builds)")
    if last[0][1] != INCREMENTAL:
        return full(f"the last build {build_id} was a {last[0][1]} build")
    if not layers.has(con, CHANGES, "wh"):
        return full(f"the incremental build {build_id} left no {CHANGES}")
    missing = [t for t in TABLES if not layers.has(con, t, "wh")]
    if missing:
        return full(f"no previous validation in the file ({', '.join(missing)} missing)")
    runs_cols = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh' AND table_name = 'validation_runs'"
    ).fetchall()}
    if not {"fingerprint", "build_id", "started_at"} <= runs_cols:
        return full("the previous validation predates incremental validation (no fingerprint)")
    prev = con.execute("""SELECT fingerprint, build_id FROM wh.validation_runs
                          ORDER BY started_at DESC LIMIT 1""").fetchall()
    if not prev:
        return full("no previous validation run in the file")
    prev_fp, prev_build = prev[0]
    if prev_fp != fp:
        return full(f"the previous validation ran other rules or code (fingerprint {prev_fp} ≠ {fp})")
    allowed = {r[0] for r in last}  # the build before this one, or this one (a re-run)
    if prev_build is None or prev_build not in allowed:
        return full(f"the previous validation was of build {prev_build}, not of the build before {build_id}")
    try:
        return _incremental(con, fp, build_id, prev_build)
    except duckdb.Error as exc:  # a change list or earlier table of another shape: never guess
        return full(f"{CHANGES} or the previous validation tables cannot be read "
                    f"({str(exc).splitlines()[0][:120]})")


def _incremental(con: duckdb.DuckDBPyConnection, fp: str, build_id: str, prev_build: str) -> Plan:
    def full(reason: str) -> Plan:
        return Plan(FULL, reason, fp, build_id)

    changes = layers.locate(con, CHANGES, "wh")
    # A report the previous run never saw must be in the change list; else the list does not
    # describe the step from the validated warehouse to this one.
    unlisted = con.execute(f"""
        SELECT count(*) FROM (SELECT DISTINCT report_id FROM wh.dim_report)
        ANTI JOIN (SELECT DISTINCT report_id FROM wh.validation_results) USING (report_id)
        ANTI JOIN {changes} USING (report_id)""").fetchone()[0]
    if unlisted:
        return full(f"{unlisted} report(s) are neither validated before nor in {CHANGES}")
    n_changed = con.execute(f"SELECT count(*) FROM {changes}").fetchone()[0]
    scope = touched(con, changes)
    return Plan(INCREMENTAL, f"build {build_id} is incremental: {n_changed} report(s) changed, "
                             f"{len(scope)} re-checked; previous validation of build {prev_build}",
                fp, build_id, n_changed, scope)


def touched(con: duckdb.DuckDBPyConnection, changes: str) -> pd.Series:
    """The report ids an incremental run re-checks (see the module docstring).

    Plus, for an issuer with a reviewed correction (now, or in the previous run's
    validation_resolved_findings) among the issuers of those reports: every report of that
    issuer. A finding resolved by correction names the corrections of the issuer's reports
    (resolved.py: a cross-year finding may be resolved by last year's), so a correction added
    or withdrawn in one year changes the resolved rows of its other years."""
    cells = layers.locate(con, "int_report_cells", "wh")
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh' AND table_name = 'int_report_cells'"
    ).fetchall()}
    corrected_now = (f"SELECT DISTINCT d.issuer_id FROM wh.dim_report d SEMI JOIN "
                     f"(SELECT report_id FROM {cells} WHERE is_corrected) c USING (report_id)"
                     if "is_corrected" in cols else "SELECT NULL::VARCHAR AS issuer_id WHERE false")
    return con.execute(f"""
        WITH ch AS (SELECT report_id, issuer_id, year::INTEGER AS year,
                           prev_issuer_id, prev_year::INTEGER AS prev_year FROM {changes}),
             keys AS (SELECT issuer_id, year + d AS year FROM ch, (VALUES (-1), (0), (1)) v(d)
                      WHERE issuer_id IS NOT NULL AND year IS NOT NULL
                      UNION
                      SELECT prev_issuer_id, prev_year + d FROM ch, (VALUES (-1), (0), (1)) v(d)
                      WHERE prev_issuer_id IS NOT NULL AND prev_year IS NOT NULL),
             base AS (SELECT report_id FROM ch
                      UNION
                      SELECT d.report_id FROM wh.dim_report d
                      JOIN keys k ON d.issuer_id = k.issuer_id AND d.year = k.year),
             issuers AS (SELECT d.issuer_id FROM wh.dim_report d SEMI JOIN base USING (report_id)
                         UNION SELECT prev_issuer_id FROM ch),
             corrected AS ({corrected_now}
                           UNION SELECT issuer_id FROM wh.validation_resolved_findings)
        SELECT report_id FROM base
        UNION
        SELECT d.report_id FROM wh.dim_report d
        WHERE d.issuer_id IN (SELECT issuer_id FROM issuers WHERE issuer_id IS NOT NULL)
          AND d.issuer_id IN (SELECT issuer_id FROM corrected WHERE issuer_id IS NOT NULL)
        ORDER BY report_id""").df()["report_id"]


def merge(con: duckdb.DuckDBPyConnection, found: pd.DataFrame, superseded: pd.DataFrame, by_report: pd.DataFrame,
          fixed: pd.DataFrame, reports: pd.DataFrame, run_row: dict,
          exit_code: Callable[[int, int], int]) -> None:
    """Replace the re-checked rows of the validation tables in the validated file (`con`, opened
    for writing), in one transaction. `reports` is frames.Frames.reports (every report, with
    `in_scope`); `found`, `by_report` and `fixed` hold rows of the reports in scope and of the
    global rules only. The run's row in validation_runs gets the merged tables' totals and
    `exit_code(publisher findings, pipeline findings)` of the merged findings (set in
    `run_row` too)."""
    scope = reports.loc[reports["in_scope"], ["report_id"]].drop_duplicates()
    current = reports[["report_id"]].drop_duplicates()
    labels = reports[reports["in_dim_report"]].drop_duplicates("report_id", keep=False)[
        ["report_id", "issuer_id", "issuer", "region_code", "year"]]
    con.register("scope_df", scope)
    con.register("current_df", current)
    con.register("labels_df", labels)
    con.register("findings", found)
    con.register("superseded_findings", superseded)
    con.register("by_report", by_report)
    global_rules = ", ".join(f"'{r}'" for r in GLOBAL_RULES)
    try:
        con.execute("BEGIN")
        for table in ("validation_findings", "validation_results", "validation_resolved_findings",
                      findings.HISTORY_TABLE):
            # rows of re-checked reports, of reports gone from the warehouse, of the global rules
            con.execute(f"""
                DELETE FROM {table} t
                WHERE t.report_id IN (SELECT report_id FROM scope_df)
                   OR NOT EXISTS (SELECT 1 FROM current_df c WHERE c.report_id = t.report_id)
                   OR t.rule_id IN ({global_rules})""")
        con.execute(f"INSERT INTO validation_findings BY NAME {findings.FINDINGS_SELECT}")
        con.execute(f"INSERT INTO validation_results BY NAME {findings.RESULTS_SELECT}")
        con.execute(f"INSERT INTO {findings.HISTORY_TABLE} BY NAME {findings.HISTORY_SELECT}")
        resolved.write(con, fixed, merge=True)
        # The labels a full run copies from dim_report onto every finding, refreshed on the rows
        # kept too (an issuer's name can change without its reports' figures changing).
        for table in ("validation_findings", "validation_resolved_findings", findings.HISTORY_TABLE):
            con.execute(f"""
                UPDATE {table} t SET issuer_id = l.issuer_id, issuer = l.issuer,
                                     region_code = l.region_code, year = l.year::INTEGER
                FROM labels_df l
                WHERE l.report_id = t.report_id
                  AND (t.issuer_id IS DISTINCT FROM l.issuer_id OR t.issuer IS DISTINCT FROM l.issuer
                       OR t.region_code IS DISTINCT FROM l.region_code OR t.year IS DISTINCT FROM l.year)""")
        findings.write_rules(con)
        checks, not_evaluable, pub, pipe = con.execute(f"""
            SELECT (SELECT coalesce(sum(checks), 0) FROM validation_results),
                   (SELECT coalesce(sum(not_evaluable), 0) FROM validation_results),
                   (SELECT count(*) FROM validation_findings WHERE severity = '{catalog.PUBLISHER}'),
                   (SELECT count(*) FROM validation_findings WHERE severity = '{catalog.PIPELINE}')""").fetchone()
        if not run_row.get("data_docs"):  # the site stays the last full run's: name it
            docs = con.execute("SELECT data_docs FROM validation_runs WHERE data_docs IS NOT NULL "
                               "ORDER BY started_at DESC LIMIT 1").fetchall()
            run_row["data_docs"] = docs[0][0] if docs else None
        code = exit_code(int(pub), int(pipe))
        run_row.update(checks=int(checks), not_evaluable=int(not_evaluable), publisher_findings=int(pub),
                       pipeline_findings=int(pipe), exit_code=code, outcome=OUTCOMES[code])
        findings.append_run(con, run_row)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("scope_df", "current_df", "labels_df", "findings", "superseded_findings", "by_report"):
            con.unregister(name)


def merged_findings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The whole validation_findings table after a merge, in the order a full run writes it."""
    return con.execute(f"""
        SELECT {", ".join(findings.FINDING_COLUMNS)} FROM validation_findings
        ORDER BY severity, issuer NULLS LAST, year NULLS LAST, rule_id, table_key NULLS LAST,
                 row_key NULLS LAST, column_key NULLS LAST""").df()
