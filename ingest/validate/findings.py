"""Failed GX checks → `validation_findings` rows, and per-report rule results.

A finding names the report, the rule, the cell it is about (row_key / column_key locate the
`actual` side: the printed total, or the cell that broke a value rule), and expected, actual and
difference = actual − expected. The tables are written into the warehouse the run validated.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import pandas as pd

from ingest import templates
from ingest.validate import catalog
from ingest.validate.frames import Frames
from ingest.validate.suites import CheckResult

FINDING_COLUMNS = ["finding_id", "run_id", "report_id", "issuer_id", "issuer", "region_code", "year",
                   "rule_id", "severity", "table_key", "row_key", "column_key", "expected", "actual",
                   "difference", "message", "level", "evidence", "checked_at"]


def build(frames: Frames, results: list[CheckResult], run_id: str, checked_at: datetime) -> pd.DataFrame:
    t = templates.load()
    rules = {r.id: r for r in t.rules}
    parts = []
    for res in results:
        if res.success:
            continue
        df = frames.checks[res.suite][res.check.failing]
        rid = res.check.rule_id
        if rid in rules:
            parts.append(_balancing(df, rules[rid], frames))
        elif res.suite == "cell_values":
            parts.append(_values(df, rid, frames))
        elif rid == "narrative_matches_tables":
            parts.append(_narrative(df, t, frames))
        elif rid == "tables_printed":
            parts.append(pd.DataFrame({
                "report_no": df["report_no"].to_numpy(), "rule_id": rid,
                "table_key": df["table_key"].astype(str).to_numpy(),
                "message": [f"no cell of {tk} was read from the report: the table is missing, "
                            "printed as an image, or not recognised" for tk in df["table_key"].astype(str)]}))
        elif res.suite == "report_identity":
            parts.append(_identity(df, rid, res.check.column, frames))
        elif res.suite == "completeness":
            parts.append(_completeness(rid, frames))
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        out = pd.DataFrame(columns=["report_no", "rule_id", "table_key", "row_key", "column_key",
                                    "expected", "actual", "difference", "message"])
    else:
        out = pd.concat(parts, ignore_index=True)
    for col in ("table_key", "row_key", "column_key", "expected", "actual", "difference", "level", "evidence"):
        if col not in out:
            out[col] = None
    out = out.merge(frames.reports[["report_no", "report_id", "issuer_id", "issuer", "region_code",
                                    "year"]], on="report_no", how="left")
    out["severity"] = out["rule_id"].map(catalog.severities())
    out["run_id"] = run_id
    out["level"] = out["level"].where(out["level"].notna(), out["rule_id"].map(catalog.levels()))
    out["checked_at"] = checked_at
    out["finding_id"] = [
        _finding_id(*vals) for vals in
        out[["report_id", "rule_id", "table_key", "row_key", "column_key", "message"]].itertuples(index=False)
    ]
    out = out.sort_values(["severity", "issuer", "year", "rule_id", "table_key", "row_key", "column_key"],
                          na_position="last", kind="stable")
    return out[FINDING_COLUMNS].reset_index(drop=True)


def _finding_id(*parts) -> str:
    text = "\x1f".join("" if p is None or (isinstance(p, float) and pd.isna(p)) else str(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _fmt(x) -> str:
    if x is None or pd.isna(x):
        return "null"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:g}"


def _balancing(df: pd.DataFrame, rule: templates.Rule, frames: Frames) -> pd.DataFrame:
    lhs = "+".join(rule.lhs)
    rhs = rule.rhs if isinstance(rule.rhs, str) else "+".join(rule.rhs)
    key = df["key"].astype(str)
    out = pd.DataFrame({"report_no": df["report_no"], "rule_id": rule.id, "table_key": rule.table,
                        "expected": df["expected"], "actual": df["actual"],
                        "difference": df["difference"]})
    if rule.across_years or rule.per == "column":
        out["row_key"], out["column_key"] = lhs, key
        where = "column " + key
    else:
        out["row_key"], out["column_key"] = key, lhs
        where = ("group " if rule.per == "group" else "row ") + key
    if rule.across_years:
        prev = frames.reports.set_index("report_no")
        prev_year = df["prev_report_no"].map(prev["year"]).astype("Int64").astype(str)
        prev_id = df["prev_report_no"].map(prev["report_id"]).str.slice(0, 12)
        out["message"] = [
            f"{rule.table} {w}: {lhs} = {_fmt(a)} but {rhs} of {py} (report {pid}) = {_fmt(e)} "
            f"(difference {_fmt(d)})"
            for w, a, e, d, py, pid in zip(where, df["actual"], df["expected"], df["difference"],
                                           prev_year, prev_id)]
    else:
        out["message"] = [
            f"{rule.table} {w}: {lhs} = {_fmt(a)} but {rhs} = {_fmt(e)} (difference {_fmt(d)})"
            for w, a, e, d in zip(where, df["actual"], df["expected"], df["difference"])]
    return out


def _values(groups: pd.DataFrame, rule_id: str, frames: Frames) -> pd.DataFrame:
    bad = frames.details["bad_values"]
    bad = bad[bad["not_integer"]] if rule_id == "count_integer" else bad[bad["sign_rule"] == rule_id]
    # only the (report, table) groups GX found unexpected; the same set by construction
    keys = groups[["report_no", "table_key"]].astype({"table_key": str})
    df = bad.merge(keys, on=["report_no", "table_key"])
    out = pd.DataFrame({"report_no": df["report_no"], "rule_id": rule_id, "table_key": df["table_key"],
                        "row_key": df["row_key"], "column_key": df["column_key"], "actual": df["value"]})
    cell = out["table_key"] + "." + out["row_key"] + "." + out["column_key"]
    if rule_id == "count_integer":
        out["expected"] = df["value"] - df["fraction"]
        out["difference"] = df["fraction"]
        out["message"] = [f"{c} = {_fmt(v)} is a count but not a whole number"
                          for c, v in zip(cell, df["value"])]
    else:
        out["expected"] = 0.0
        out["difference"] = df["value"]
        what = "money amount" if rule_id == "money_non_negative" else "count"
        out["message"] = [f"{c} = {_fmt(v)}: a {what} cannot be negative" for c, v in zip(cell, df["value"])]
    return out


def _narrative(df: pd.DataFrame, t: templates.Templates, frames: Frames) -> pd.DataFrame:
    readings = t.narrative_readings()
    levels = t.narrative_levels()
    key = df["key"].astype(str)
    ev = frames.details.get("narrative_evidence")
    if ev is not None and len(ev):
        ev = df[["report_no"]].assign(key=key.to_numpy()).merge(ev, on=["report_no", "key"], how="left")
        evidence, reading = ev["evidence"].to_numpy(), ev["reading"].fillna(0).astype(int).to_numpy()
    else:
        evidence, reading = [None] * len(df), [0] * len(df)

    def where(k: str, i: int) -> tuple[str, str, str]:
        cells = readings[k][i if i < len(readings[k]) else 0]
        return ("+".join(dict.fromkeys(c[0] for c in cells)), "+".join(dict.fromkeys(c[1] for c in cells)),
                "+".join(dict.fromkeys(c[2] for c in cells)))

    def alternatives(k: str) -> str:
        return "".join(f" (nor {'+'.join(c[1] for c in cells)})" for cells in readings[k][1:])

    cells = [where(k, i) for k, i in zip(key, reading)]
    out = pd.DataFrame({"report_no": df["report_no"].to_numpy(), "rule_id": "narrative_matches_tables",
                        "table_key": [c[0] for c in cells], "row_key": [c[1] for c in cells],
                        "column_key": [c[2] for c in cells], "expected": df["expected"].to_numpy(),
                        "actual": df["actual"].to_numpy(), "difference": df["difference"].to_numpy()})
    out["message"] = [
        f"the narrative states {k} = {_fmt(a)} but the table's {c[0]} {c[1]}/{c[2]} = {_fmt(e)}"
        f"{alternatives(k)} (difference {_fmt(d)})"
        for k, c, a, e, d in zip(key, cells, df["actual"], df["expected"], df["difference"])]
    out["level"] = [levels.get(k, catalog.WARNING) for k in key]
    out["evidence"] = evidence
    return out


def _identity(df: pd.DataFrame, rule_id: str, column: str, frames: Frames) -> pd.DataFrame | None:
    reports = frames.reports
    if rule_id == "unique_issuer_year":
        # Two copies of the same document are our loading twice (report_loaded_once), not the
        # publisher publishing twice: only groups with different contents are publisher findings.
        groups = df.groupby(["issuer_id", "year"], dropna=False)
        rows = []
        for (issuer_id, year), g in groups:
            shas = g["content_sha256"].fillna(g["report_id"])
            if shas.nunique() < 2:
                continue
            for r in g.itertuples():
                others = ", ".join(x[:12] for x in g["report_id"] if x != r.report_id)
                rows.append({"report_no": r.report_no, "rule_id": rule_id, "expected": 1.0,
                             "actual": float(len(g)), "difference": float(len(g) - 1),
                             "message": f"{len(g)} different documents for issuer {issuer_id} year {year}; "
                                        f"the others: {others}"})
        return pd.DataFrame(rows)
    if rule_id == "report_loaded_once":
        counts = df.groupby(column)[column].transform("size")
        return pd.DataFrame({"report_no": df["report_no"], "rule_id": rule_id, "expected": 1.0,
                             "actual": counts.astype(float), "difference": (counts - 1).astype(float),
                             "message": [f"{column} {v[:12]} is loaded {n} times"
                                         for v, n in zip(df[column].astype(str), counts)]})
    if rule_id == "report_has_template":
        r = reports.set_index("report_no").loc[df["report_no"]]
        msgs = []
        for in_dim, tpl, shape in zip(r["in_dim_report"], r["template"], r["table3_shape"]):
            if not in_dim:
                msgs.append("cells are loaded for a report that is not in dim_report")
            else:
                msgs.append(f"report has template {_name(tpl)} and table3_shape {_name(shape)}: no usable "
                            "template for a table it prints")
        return pd.DataFrame({"report_no": df["report_no"].to_numpy(), "rule_id": rule_id,
                             "message": msgs})
    return None


def _name(x) -> str:
    return "none" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)


def _completeness(rule_id: str, frames: Frames) -> pd.DataFrame:
    detail = {"complete_cells": "missing_cells", "known_cells": "unknown_cells",
              "unique_cells": "duplicate_cells"}[rule_id]
    df = frames.details[detail]
    what = {"missing_cells": "is missing: the template has it, the warehouse does not",
            "unknown_cells": "is not a cell of the report's template",
            "duplicate_cells": "is stored more than once"}[detail]
    out = pd.DataFrame({"report_no": df["report_no"], "rule_id": rule_id, "table_key": df["table_key"],
                        "row_key": df["row_key"], "column_key": df["column_key"]})
    out["message"] = [f"cell {a}.{b}.{c} {what}" for a, b, c in
                      zip(df["table_key"], df["row_key"], df["column_key"])]
    if detail == "duplicate_cells":
        out["expected"], out["actual"] = 1.0, df["copies"].astype(float)
        out["difference"] = out["actual"] - 1
    return out


# ---- per report and rule: what was checked -------------------------------------------------

# weight column of each cell_values check: how many cells one aggregate row stands for
CELL_WEIGHTS = {"count_non_negative": "n_count", "count_integer": "n_integer", "money_non_negative": "n_money"}


def results_by_report(frames: Frames, results: list[CheckResult], found: pd.DataFrame) -> pd.DataFrame:
    """One row per (report, rule): checks made, failed, not evaluable, and a status."""
    parts = []
    for res in results:
        df = frames.checks[res.suite]
        if df.empty or "report_no" not in df:
            continue
        col = res.check.column
        rid = res.check.rule_id
        if res.suite == "cell_values":
            # counted in cells; failures are the offending cells, not the aggregate rows
            part = pd.DataFrame({"report_no": df["report_no"].to_numpy(),
                                 "checks": df[CELL_WEIGHTS[rid]].to_numpy().astype("int64"),
                                 "failed": 0, "not_evaluable": 0})
            cells = found.loc[found["rule_id"] == rid, "report_id"].value_counts()
            if len(cells):
                ids = frames.reports.set_index("report_no")["report_id"]
                part["failed"] = part["report_no"].map(ids).map(cells).fillna(0).astype("int64")
                part = part.groupby("report_no", sort=False).agg(
                    {"checks": "sum", "failed": "max", "not_evaluable": "sum"}).reset_index()
        else:
            evaluable = df[col].notna() if col in df else pd.Series(True, index=df.index)
            part = pd.DataFrame({"report_no": df["report_no"].to_numpy(), "checks": 1,
                                 "failed": res.failing.to_numpy().astype("int64"),
                                 "not_evaluable": (~evaluable).to_numpy().astype("int64")})
        g = part.groupby("report_no", sort=False).sum().reset_index()
        g["rule_id"] = rid
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=["report_id", "rule_id", "severity", "checks", "evaluated", "failed",
                                     "not_evaluable", "status"])
    out = pd.concat(parts, ignore_index=True).groupby(["report_no", "rule_id"], sort=False).sum().reset_index()
    out["evaluated"] = out["checks"] - out["not_evaluable"]
    out["status"] = "pass"
    out.loc[out["evaluated"] == 0, "status"] = "not_evaluable"
    out.loc[out["failed"] > 0, "status"] = "fail"
    out["severity"] = out["rule_id"].map(catalog.severities())
    out = out.merge(frames.reports[["report_no", "report_id"]], on="report_no")
    return out[["report_id", "rule_id", "severity", "checks", "evaluated", "failed", "not_evaluable",
                "status"]]


# Column types of the validation tables, shared by the full write (CREATE OR REPLACE) and the
# incremental merge (INSERT into the same tables: incremental.py).
FINDINGS_SELECT = """
        SELECT finding_id::VARCHAR AS finding_id, run_id::VARCHAR AS run_id, report_id::VARCHAR AS report_id,
               issuer_id::VARCHAR AS issuer_id, issuer::VARCHAR AS issuer,
               region_code::VARCHAR AS region_code, year::INTEGER AS year, rule_id::VARCHAR AS rule_id,
               severity::VARCHAR AS severity, table_key::VARCHAR AS table_key,
               row_key::VARCHAR AS row_key, column_key::VARCHAR AS column_key,
               expected::DECIMAL(24,6) AS expected, actual::DECIMAL(24,6) AS actual,
               difference::DECIMAL(24,6) AS difference, message::VARCHAR AS message,
               level::VARCHAR AS level, evidence::VARCHAR AS evidence,
               checked_at::TIMESTAMPTZ AS checked_at
        FROM findings"""
# validation_findings_history: the findings of report versions a revision replaced (dim_report
# is_current false), with the version that replaced them; validation_findings holds the current
# versions' findings only.
HISTORY_TABLE = "validation_findings_history"
HISTORY_SELECT = FINDINGS_SELECT.replace(
    "checked_at::TIMESTAMPTZ AS checked_at\n        FROM findings",
    "checked_at::TIMESTAMPTZ AS checked_at, superseded_by::VARCHAR AS superseded_by\n        FROM superseded_findings")
assert HISTORY_SELECT != FINDINGS_SELECT


def split_versions(found: pd.DataFrame, reports: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the findings of current report versions, those of superseded versions with
    `superseded_by`). A report not in dim_report (cells without a report) counts as current."""
    info = reports[["report_id", "is_current", "superseded_by"]].drop_duplicates("report_id")
    m = found[["report_id"]].merge(info, on="report_id", how="left")
    current = m["is_current"].fillna(True).astype(bool).to_numpy()
    history = found[~current].copy()
    history["superseded_by"] = m.loc[~current, "superseded_by"].to_numpy()
    return (found[current].reset_index(drop=True),
            history[FINDING_COLUMNS + ["superseded_by"]].reset_index(drop=True))


RESULTS_SELECT = """
        SELECT report_id::VARCHAR AS report_id, rule_id::VARCHAR AS rule_id, severity::VARCHAR AS severity,
               checks::INTEGER AS checks, evaluated::INTEGER AS evaluated, failed::INTEGER AS failed,
               not_evaluable::INTEGER AS not_evaluable, status::VARCHAR AS status
        FROM by_report"""
# validation_runs: one row per run. mode / fingerprint / build_id / reports_checked /
# reports_changed came with incremental validation; older files get them added (null there).
RUNS_COLUMNS = {"run_id": "VARCHAR PRIMARY KEY", "started_at": "TIMESTAMPTZ", "finished_at": "TIMESTAMPTZ",
                "reports": "INTEGER", "checks": "BIGINT", "not_evaluable": "BIGINT",
                "publisher_findings": "INTEGER", "pipeline_findings": "INTEGER", "outcome": "VARCHAR",
                "exit_code": "INTEGER", "data_docs": "VARCHAR", "gx_version": "VARCHAR",
                "mode": "VARCHAR", "fingerprint": "VARCHAR", "build_id": "VARCHAR",
                "reports_checked": "INTEGER", "reports_changed": "INTEGER"}


def append_run(con: duckdb.DuckDBPyConnection, run_row: dict) -> None:
    """Append one row to validation_runs (inside the caller's transaction)."""
    cols = ", ".join(f"{k} {v}" for k, v in RUNS_COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS validation_runs ({cols})")
    for k, v in RUNS_COLUMNS.items():
        if k != "run_id":
            con.execute(f"ALTER TABLE validation_runs ADD COLUMN IF NOT EXISTS {k} {v}")
    runs = pd.DataFrame([{k: run_row.get(k) for k in RUNS_COLUMNS}])
    con.register("runs_df", runs)
    try:
        con.execute("INSERT INTO validation_runs BY NAME SELECT * FROM runs_df")
    finally:
        con.unregister("runs_df")


def write(con: duckdb.DuckDBPyConnection, findings: pd.DataFrame, by_report: pd.DataFrame,
          run_row: dict, superseded_findings: pd.DataFrame) -> None:
    rules = pd.DataFrame([vars(r) for r in catalog.all_rules()])
    con.execute("BEGIN")
    con.execute(f"CREATE OR REPLACE TABLE validation_findings AS {FINDINGS_SELECT}")
    con.execute(f"CREATE OR REPLACE TABLE {HISTORY_TABLE} AS {HISTORY_SELECT}")
    con.execute(f"CREATE OR REPLACE TABLE validation_results AS {RESULTS_SELECT}")
    write_rules(con, rules)
    append_run(con, run_row)
    con.execute("COMMIT")


def write_rules(con: duckdb.DuckDBPyConnection, rules: pd.DataFrame | None = None) -> None:
    rules = pd.DataFrame([vars(r) for r in catalog.all_rules()]) if rules is None else rules
    con.register("rules_df", rules)
    try:
        con.execute("""
            CREATE OR REPLACE TABLE validation_rules AS
            SELECT id AS rule_id, severity, level, suite, en AS description_en, zh AS description_zh
            FROM rules_df""")
    finally:
        con.unregister("rules_df")
