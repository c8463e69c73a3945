"""`python -m ingest COMMAND …`: one small command per stage.

Each command lives beside the code it drives and exposes `add_arguments(parser)` and
`run(args) -> int`; this file only dispatches, so stages never edit each other's CLI.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ingest.errors import PipelineError, UserError

# name → (module, one-line help). Modules are imported only when their command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("ingest.parse.cli", "parse one report file (HTML, text, PDF, Word, OFD, picture) and print its tables"),
    "templates": ("ingest.templates_cli", "show the template description or write the dbt seeds from it"),
    "crawl": ("ingest.crawl.cli", "fetch annual reports from the county registry into the raw archive"),
    "archive": ("ingest.crawl.archive_cli", "add local files to the raw archive, list or export it"),
    "registry": ("ingest.crawl.registry_cli", "propose registry entries from a prefecture's portal, add, check them"),
    "load": ("ingest.load.cli", "parse archived documents into the raw parse tables"),
    "build": ("ingest.load.build", "load, then dbt build the warehouse aside and swap it in"),
    "validate": ("ingest.validate.cli", "run the Great Expectations suites and record findings"),
    "refresh": ("ingest.refresh", "crawl, build, validate, render notebooks: the scheduled job"),
    "export": ("ingest.export", "write every mart as Parquet and Excel-friendly CSV"),
    "notebooks": ("ingest.refresh.notebooks", "execute the analysis notebooks and render them to HTML"),
    "sql": ("ingest.sql", "query the published warehouse read-only and print the result"),
    "correct": ("ingest.correct", "add a reviewed correction of one cell to the corrections file"),
    "status": ("ingest.status", "what the warehouse holds: reports, coverage, last refresh, findings"),
    "doctor": ("ingest.doctor", "which optional system programs (LibreOffice, Chromium …) are missing"),
    "browse": ("ingest.browse", "serve the published warehouse in Datasette (make browse)"),
    "compare": ("ingest.compare", "counties side by side: headline measures with ranks \"k of N\""),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Government-information-disclosure annual reports warehouse.",
    )
    # Only the command asked for is imported (the first word that is not an option; the top
    # level has no options but --help): importing every stage's module took about 0.5 s of
    # CPU before any command ran, and `ingest build` runs in every refresh and benchmark.
    argv = sys.argv[1:] if argv is None else argv
    asked = next((a for a in argv if not a.startswith("-")), None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name != asked:
            continue
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            p.set_defaults(_missing=module)
            continue
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "_missing", None):
        print(f"error: command '{args.command}' is not available in this build", file=sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except (UserError, PipelineError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one line, never a traceback, unless asked for
        if os.environ.get("INGEST_DEBUG"):
            raise
        from ingest.safeio import storage_problem

        problem = storage_problem(exc)  # a full or read-only disk: the path, not an "internal error"
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        print(f"internal error: {type(exc).__name__}: {exc} (set INGEST_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1
