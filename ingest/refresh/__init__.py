"""`python -m ingest refresh` (`make refresh`): the scheduled job, safe under cron.

Exit codes: 0 success; 3 success, with findings about publishers in the published warehouse;
1 failure (the summary says which stage); 0 with a one-line notice on stderr when another
refresh of the same DATA_DIR is running (nothing is done). Each run's log and JSON summary
are kept under DATA_DIR/logs/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ingest.config import paths as data_paths
from ingest.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true",
                        help="contact no portal: build from the archive and the shipped snapshot")
    parser.add_argument("--registry", type=Path,
                        help="registry YAML file or directory to crawl instead of ingest/sources/registry/")
    parser.add_argument("--force", action="store_true",
                        help="rebuild the warehouse from scratch (no incremental build), validate fully and "
                             "render, even when nothing changed")
    parser.add_argument("--export", action="store_true",
                        help="also export every mart as Parquet and CSV (see `python -m ingest export`)")
    parser.add_argument("--export-dir", type=Path, help="where --export writes (default: $DATA_DIR/exports)")
    parser.add_argument("--docs", action="store_true",
                        help="regenerate the data dictionary (dbt docs) even if the dbt project did not change")
    parser.add_argument("--no-docs", action="store_true", help="never generate the data dictionary")
    parser.add_argument("--no-notebooks", action="store_true", help="do not execute the notebooks")
    parser.add_argument("--no-snapshot", action="store_true",
                        help="do not import the repository's snapshot/ into the archive first")
    parser.add_argument("--crawl-timeout", type=float, default=3600, metavar="SECONDS",
                        help="stop the crawl stage after this long (default: %(default)s)")
    parser.add_argument("--keep-logs", type=int, default=200, metavar="N",
                        help="keep the logs of the last N refreshes (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print every stage's output (it always goes to the run log)")
    parser.add_argument("--findings-exit", type=int, choices=(0, 3), default=3, metavar="{0,3}",
                        help="exit code of a run that succeeded with findings about publishers "
                             "(default %(default)s; `make refresh` passes 0 unless STRICT=1); the "
                             "summary keeps the job's own code")


def run(args) -> int:
    from ingest.refresh.runner import refresh

    if args.registry is not None:
        if not args.registry.is_file():
            raise UserError(f"no such registry file: {args.registry}")
        args.registry = args.registry.resolve()
    if args.docs and args.no_docs:
        raise UserError("--docs and --no-docs contradict each other")
    if args.keep_logs < 1:
        raise UserError("--keep-logs must be at least 1")
    # A registry mistake is reported now, in one line, not by the crawl stage after minutes of
    # work (a failed crawl does not stop a refresh: it builds from the archive as it is).
    from ingest.crawl import registry as reg

    reg.load(args.registry)
    code = refresh(data_paths(), args)
    if code == 3 and args.findings_exit == 0:
        print("(findings about publishers are news, not a failure: see validation_findings; "
              "the summary records the job's exit 3)")
        return 0
    return code
