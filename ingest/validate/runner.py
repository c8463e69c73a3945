"""One validation run over one warehouse file: frames → GX suites → findings → tables + Data Docs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from ingest.config import Paths
from ingest.errors import PipelineError
from ingest.validate import catalog, findings, frames, incremental, resolved, suites

CLEAN, PUBLISHER_FINDINGS, PIPELINE_FAILURE = 0, 3, 1
OUTCOMES = {CLEAN: "clean", PUBLISHER_FINDINGS: "publisher_findings", PIPELINE_FAILURE: "pipeline_failure"}


@dataclass
class RuleSummary:
    rule_id: str
    severity: str
    checked: int
    failed: int
    not_evaluable: int


@dataclass
class Outcome:
    run_id: str
    db: Path
    reports: int
    exit_code: int
    findings: pd.DataFrame
    rules: list[RuleSummary] = field(default_factory=list)
    docs_index: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # findings of the parsed values that reviewed corrections resolved (resolved.py)
    resolved: pd.DataFrame = field(default_factory=pd.DataFrame)
    plan: incremental.Plan | None = None  # full or incremental, and why
    reports_checked: int = 0  # reports whose rules ran (all of them in a full run)

    @property
    def publisher_findings(self) -> int:
        return int((self.findings["severity"] == catalog.PUBLISHER).sum())

    @property
    def pipeline_findings(self) -> int:
        return int((self.findings["severity"] == catalog.PIPELINE).sum())

    @property
    def label(self) -> str:
        return OUTCOMES[self.exit_code]


def _synthetic(con) -> bool:
    """Whether the warehouse holds synthetic reports (the loader never mixes them with real ones)."""
    try:
        return bool(con.execute("select coalesce(bool_or(is_synthetic), false) from wh.dim_report").fetchone()[0])
    except duckdb.Error:
        return False


def _exit_code(pipeline_failed: bool, publisher_findings: bool) -> int:
    if pipeline_failed:
        return PIPELINE_FAILURE
    return PUBLISHER_FINDINGS if publisher_findings else CLEAN


def validate_file(db: Path, paths: Paths, *, docs: bool = True, write: bool = True,
                  full: bool = False) -> Outcome:
    """Validate the warehouse at `db` and (if `write`) record the findings in it.

    `db` must not be the published warehouse: the caller copies that first (cli.py). Full or
    incremental is decided from the file itself (incremental.decide); `full` forces a full run.
    An incremental run (which needs `write`) merges its rows into the file's validation tables;
    the outcome's findings, counts and exit code are then those of the whole merged table.
    """
    import time

    clock = time.perf_counter()
    timings: dict[str, float] = {}
    started = datetime.now(timezone.utc)
    run_id = started.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]

    con = frames.open_readonly(db)
    try:
        plan = incremental.decide(con, force_full=full or not write)
        fr = frames.load(con, scope=plan.scope if plan.incremental else None)
        synthetic = _synthetic(con)
    finally:
        con.close()
    checked = int(fr.reports["in_scope"].sum())
    labels = frames.report_labels(fr.reports)
    gx_frames = {}
    for name, df in fr.checks.items():
        df = df.copy(deep=False)
        df["report"] = pd.Categorical.from_codes(df["report_no"].to_numpy(), categories=labels)
        gx_frames[name] = df
    timings["read"] = time.perf_counter() - clock

    ctx = suites.context(paths)
    definitions = suites.ensure(ctx)
    results = suites.run(definitions, gx_frames, run_id, started)
    timings["gx"] = time.perf_counter() - clock - timings["read"]

    if plan.incremental:
        # GX stored this partial run's results; the Data Docs are not rebuilt from them (the
        # site would show only the re-checked reports), so they are not kept either.
        suites.forget_run(ctx, run_id)
    every = findings.build(fr, results, run_id, started)
    # a version a revision replaced keeps its findings, in validation_findings_history
    found, superseded = findings.split_versions(every, fr.reports)
    fixed = resolved.resolved_findings(db, found, run_id, started,
                                       scope=plan.scope if plan.incremental else None)
    by_report = findings.results_by_report(fr, results, every)
    pipeline_failed = any(not r.success and catalog.rule(r.check.rule_id).severity == catalog.PIPELINE
                          for r in results)
    exit_code = _exit_code(pipeline_failed, (found["severity"] == catalog.PUBLISHER).any())

    summary: dict[str, RuleSummary] = {}
    for r in results:
        df = fr.checks[r.suite]
        col = r.check.column
        if r.suite == "cell_values":
            checked, nulls = int(df[findings.CELL_WEIGHTS[r.check.rule_id]].sum()), 0
            failed = int((found["rule_id"] == r.check.rule_id).sum())
        else:
            checked = len(df)
            nulls = int(df[col].isna().sum()) if col in df else 0
            failed = r.unexpected_count
        s = summary.setdefault(r.check.rule_id, RuleSummary(r.check.rule_id,
                                                            catalog.rule(r.check.rule_id).severity, 0, 0, 0))
        s.checked += checked
        s.failed += failed
        s.not_evaluable += nulls

    # Data Docs: an incremental run leaves the site as the last full run built it (its pages
    # are GX's view of a whole run; validation_findings is the merged, current record).
    build = docs and not plan.incremental
    docs_index = suites.build_docs(ctx, paths, run_id, synthetic=synthetic) if build else None
    timings["findings_docs"] = time.perf_counter() - clock - timings["read"] - timings["gx"]

    outcome = Outcome(run_id, db, len(fr.reports), exit_code, found, list(summary.values()), docs_index,
                      timings, fixed, plan, checked)
    if write:
        import great_expectations as gx

        run_row = {
            "run_id": run_id, "started_at": started, "finished_at": datetime.now(timezone.utc),
            "reports": len(fr.reports), "checks": sum(s.checked for s in outcome.rules),
            "not_evaluable": sum(s.not_evaluable for s in outcome.rules),
            "publisher_findings": outcome.publisher_findings,
            "pipeline_findings": outcome.pipeline_findings, "outcome": outcome.label,
            "exit_code": exit_code, "data_docs": str(docs_index) if docs_index else None,
            "gx_version": gx.__version__, "mode": plan.mode, "fingerprint": plan.fingerprint,
            "build_id": plan.build_id, "reports_checked": checked,
            "reports_changed": plan.changed if plan.incremental else None,
        }
        try:
            wcon = duckdb.connect(str(db))
        except duckdb.Error as exc:
            raise PipelineError(f"cannot write findings into {db}: {str(exc).splitlines()[0]}") from None
        try:
            if plan.incremental:
                incremental.merge(wcon, found, superseded, by_report, fixed, fr.reports, run_row,
                                  lambda pub, pipe: _exit_code(pipeline_failed or pipe > 0, pub > 0))
                # what the run reports is the whole merged table, as after a full run
                outcome.findings = incremental.merged_findings(wcon)
                outcome.resolved = wcon.execute("SELECT * FROM validation_resolved_findings").df()
                outcome.exit_code = run_row["exit_code"]
            else:
                findings.write(wcon, found, by_report, run_row, superseded)
                resolved.write(wcon, fixed)
        finally:
            wcon.close()
    timings["total"] = time.perf_counter() - clock
    return outcome
