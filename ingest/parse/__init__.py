"""Stage 1 — turn one published annual report into structured data exactly as printed.

    from ingest.parse import parse_path, parse_bytes, PARSER_VERSION, NotAReport
    report = parse_path("hanyin_2023.txt")      # the contract of report-format.md

The package is laid out by role, each layer importing only the layers below it (a test keeps
it so: tests/test_imports.py):

    sniff.py       what kind of document the bytes are
    readers/       one front end per format: bytes → the intermediate form (layout.py)
    page/          the page assembly PDF, OFD and OCR share: placed characters and rules → grids,
                   lines, tables joined across page breaks → layout.Document
    glued/         cells that lost their boundaries, recovered by the template's arithmetic
    mapping/       the one mapper, blind to formats: layout.Document → the report (table2/3/4,
                   metadata, per-cell provenance)
    vocab/         the words of the template: row and column labels, headings, narrative figures
    layout.py, rows.py, version.py, output.py   the shared forms
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import NotAReport
from ingest.parse.mapping import mapper, ocr_check
from ingest.parse.readers import docx, html, markdown, mht, ocr, ofd, office, pdf, text
from ingest.parse.sniff import name_of, sniff_kind
from ingest.parse.version import PARSER_VERSION
from ingest.safeio import read_input

__all__ = ["PARSER_VERSION", "NotAReport", "parse_bytes", "parse_path", "sniff_kind"]

# kind (sniff_kind) → front end: (bytes, file name, content type) → layout.Document
FRONT_ENDS = {
    "pdf": lambda d, f, c: pdf.extract(d),
    "html": lambda d, f, c: html.extract(d, content_type=c),
    "text": lambda d, f, c: text.extract(d, content_type=c),
    "markdown": lambda d, f, c: markdown.extract(d, content_type=c),  # converters' PDF → markdown
    "docx": lambda d, f, c: docx.extract(d),
    "doc": lambda d, f, c: office.extract(d, kind="doc"),
    "wps": lambda d, f, c: office.extract(d, kind="wps"),
    "rtf": lambda d, f, c: office.extract(d, kind="rtf"),
    "ofd": lambda d, f, c: ofd.extract(d),
    "mht": lambda d, f, c: mht.extract(d),
    "images": lambda d, f, c: ocr.extract(d, name_of(f)),  # pictures and image bundles, by OCR
}


def parse_bytes(data: bytes, *, filename: str | None = None, content_type: str | None = None,
                url: str | None = None) -> dict:
    """Parse one report. Raises NotAReport (a UserError) for input that is not a report, and
    NeedsTool (a UserError) when its format needs a program that is not installed."""
    if not data or (not data[:4096].strip() and not data.strip()):  # strip() copies: look first
        raise NotAReport(f"{name_of(filename)} is empty: no report to parse")
    kind = sniff_kind(data, filename, content_type)
    doc = FRONT_ENDS[kind](data, filename, content_type)
    report = mapper.build_report(doc, source_name=name_of(filename), url=url)
    if any(b.meta for b in doc.blocks):
        ocr_check.check(report)  # OCR'd numbers checked by the balancing rules
    return report


def parse_path(path: str | Path) -> dict:
    p = Path(path)
    return parse_bytes(read_input(p, "report file"), filename=str(p))
