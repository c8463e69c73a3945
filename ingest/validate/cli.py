"""`python -m ingest validate`: run the GX suites, record findings, publish the validated build.

Exit codes: 0 clean · 3 findings about publishers only (the build is still published: a report
that does not add up stays in every mart) · 1 pipeline failure (nothing is published) · 2 bad
input, e.g. no warehouse built yet.

Which warehouse: `--db PATH` validates that file in place and never publishes it. Otherwise the
pending build (DATA_DIR/build/warehouse.duckdb, left by `ingest build --no-swap`) is validated
and then swapped in; with no pending build, a copy of the published warehouse is validated and
swapped in, so the file analysts read is never opened for writing.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import sys
from pathlib import Path

from ingest import config
from ingest.safeio import atomic_copy, fault_point
from ingest.errors import PipelineError, UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH",
                        help="validate this warehouse file in place (never published)")
    parser.add_argument("--no-publish", action="store_true",
                        help="validate and record findings but do not swap the build in")
    parser.add_argument("--no-docs", action="store_true", help="skip building the GX Data Docs")
    parser.add_argument("--full", action="store_true",
                        help="validate every report even when the last build was incremental")
    parser.add_argument("--show", type=int, default=20, metavar="N",
                        help="print the first N findings (default 20; 0 for none)")


def run(args: argparse.Namespace) -> int:
    paths = config.paths()
    published = paths.warehouse_db
    pending = paths.build_dir / "warehouse.duckdb"
    if args.db:
        db = Path(args.db).resolve()
        if not db.is_file():
            raise UserError(f"no warehouse at {db}")
        if db != published.resolve():
            return _validate_and_publish(args, paths, db, copied=False, publish=False)
    if not args.db and not pending.is_file() and not published.is_file():
        raise UserError(f"no warehouse built yet under {paths.data_dir}: run `make build` first")
    with _build_lock(paths):
        if args.db:  # the published file itself: validate a copy, as below
            return _validate_and_publish(args, paths, _copy_published(published, pending), copied=True,
                                         publish=not args.no_publish)
        if pending.is_file():
            return _validate_and_publish(args, paths, pending, copied=False, publish=not args.no_publish)
        if published.is_file():
            return _validate_and_publish(args, paths, _copy_published(published, pending), copied=True,
                                         publish=not args.no_publish)
    raise UserError(f"no warehouse built yet under {paths.data_dir}: run `make build` first")


def _validate_and_publish(args, paths: config.Paths, db: Path, copied: bool, publish: bool) -> int:
    from ingest.validate import runner

    published = paths.warehouse_db
    fault_point("validate")  # tests/faults: a SIGKILL here must leave the old warehouse published
    try:
        outcome = runner.validate_file(db, paths, docs=not args.no_docs, full=args.full)
    except BaseException:
        if copied:
            db.unlink(missing_ok=True)
        raise
    _print(outcome, args.show)

    if outcome.exit_code == runner.PIPELINE_FAILURE:
        if copied:
            db.unlink(missing_ok=True)
        print(f"pipeline failure: {outcome.pipeline_findings} pipeline finding(s); "
              f"{'the published warehouse is unchanged' if publish or copied else 'nothing published'}",
              file=sys.stderr)
        return outcome.exit_code
    if publish:
        _publish(paths, db)
        print(f"published: {published}")
    elif copied:
        db.unlink(missing_ok=True)
    return outcome.exit_code


@contextlib.contextmanager
def _build_lock(paths: config.Paths):
    """The build's own lock (ingest/load/build.py): a pending build being written by dbt is not
    validated half-done, and two runs never publish over each other."""
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    with open(paths.build_dir / ".build.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"a build or validation is running in {paths.data_dir}; "
                            "run validate again when it has finished") from None
        yield


def _copy_published(published: Path, pending: Path) -> Path:
    # Beside the pending build, never over it: a build waiting for validation is not ours to lose.
    copy = pending.with_name("published-copy.duckdb")
    copy.parent.mkdir(parents=True, exist_ok=True)
    atomic_copy(published, copy)
    return copy


def _publish(paths: config.Paths, built: Path) -> None:
    try:
        from ingest.load.build import publish
    except ImportError as exc:
        raise PipelineError(f"cannot publish: the warehouse stage is not available ({exc})") from None
    publish(paths, built)


def _print(outcome, show: int) -> None:
    import pandas as pd

    if outcome.plan is not None:
        print(outcome.plan.line())
    print(f"validation run {outcome.run_id}: {outcome.reports} report(s) in {outcome.db}")
    if outcome.plan is not None and outcome.plan.incremental:
        print(f"  rules re-run on {outcome.reports_checked} report(s); the counts below are this run's, "
              "the findings and outcome the whole merged table's")
    print(f"  {'rule':<28} {'severity':<10} {'checked':>9} {'failed':>7} {'not evaluable':>14}")
    for s in outcome.rules:
        print(f"  {s.rule_id:<28} {s.severity:<10} {s.checked:>9} {s.failed:>7} {s.not_evaluable:>14}")
    f = outcome.findings
    print(f"findings: {outcome.publisher_findings} about publishers, {outcome.pipeline_findings} pipeline"
          " (table validation_findings)")
    if len(outcome.resolved):
        print(f"resolved by correction: {len(outcome.resolved)} finding(s) of the printed values "
              "(table validation_resolved_findings)")
    for row in f.head(max(show, 0)).itertuples():
        year = "" if pd.isna(row.year) else int(row.year)
        level = f" {row.level}" if getattr(row, "level", None) else ""
        issuer = row.issuer if isinstance(row.issuer, str) else f"report {str(row.report_id)[:12]}"
        print(f"  [{row.severity}{level}] {issuer} {year} {row.rule_id}: {row.message}")
    if len(f) > show > 0:
        print(f"  … {len(f) - show} more")
    if outcome.docs_index:
        print(f"Data Docs: {outcome.docs_index}")
    elif outcome.plan is not None and outcome.plan.incremental:
        # not "Data Docs:" — the refresh reads that line as the site this run built
        print("Data Docs unchanged: an incremental run does not rebuild them (they show the last "
              "full run; validation_findings is current)")
    print(f"outcome: {outcome.label} (exit {outcome.exit_code})")
