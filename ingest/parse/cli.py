"""`python -m ingest parse PATH [--json]`: parse one report file and print what it says.

Exit 0 with the result (warnings included) for anything readable as a report, even a truncated
one; exit 2 with one line on stderr for input that is not a report (ingest/cli.py prints
UserError/NotAReport that way).
"""

from __future__ import annotations

import argparse
import sys

from ingest.safeio import read_input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="one report: HTML, text, PDF, Word (.docx/.doc/.wps), OFD or a picture, "
                        "sniffed from its bytes ('-' reads stdin)")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON object of the parser contract (report-format.md)")
    parser.add_argument("--compact", action="store_true", help="with --json: one line, no indent")
    parser.add_argument("--no-raw", action="store_true",
                        help="leave out the printed text of every cell (the `raw` key)")
    parser.add_argument("--content-type", default=None,
                        help="the HTTP Content-Type the file was served with (charset hint)")


def run(args: argparse.Namespace) -> int:
    from ingest.parse import parse_bytes
    from ingest.parse.output import to_json, to_text

    if args.path == "-":
        data = sys.stdin.buffer.read()
        name = "stdin"
    else:
        from pathlib import Path

        p = Path(args.path)
        data = read_input(p, "report file")
        name = str(p)
    report = parse_bytes(data, filename=name, content_type=args.content_type)
    if args.no_raw:
        report.pop("raw", None)
    text = to_json(report, indent=None if args.compact else 2) if args.json else to_text(report)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `… | head`: the reader left; not an error of ours
        pass
    return 0
