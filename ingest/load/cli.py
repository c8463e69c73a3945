"""`python -m ingest load`: parse archived documents into DATA_DIR/parsed.duckdb."""

from __future__ import annotations

import argparse

from ingest.config import paths
from ingest.load.loader import load, progress_bar


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="state directory (default: $DATA_DIR or ./data)")
    parser.add_argument("--workers", type=_positive, default=None,
                        help="parser processes (default: one per core)")
    parser.add_argument("--retry-failures", action="store_true",
                        help="parse again the documents this parser version already failed on")
    parser.add_argument("--limit", type=_positive, default=None,
                        help="parse at most N new documents (for a quick look)")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def run(args: argparse.Namespace) -> int:
    summary = load(paths(args.data_dir), workers=args.workers, retry_failures=args.retry_failures,
                   limit=args.limit, progress=progress_bar())
    print(summary.line())
    return 0
