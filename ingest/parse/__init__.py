"""Stage 1 — turn one published annual report into structured data exactly as printed.

    from ingest.parse import parse_path, parse_bytes, PARSER_VERSION, NotAReport
    report = parse_path("hanyin_2023.txt")      # the contract of report-format.md

Front ends (html.py, text.py, pdf.py) turn bytes into the intermediate form of layout.py; one
mapper (mapper.py) turns that into table2/table3/table4, and metadata.py reads the title, dates,
fee and narrative figures. The input kind is sniffed from the bytes (%PDF, <html/<table, else
text), never taken from the file name alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import NotAReport, UserError

# Bump whenever the output for the same input could change: the loader re-parses on a new version.
PARSER_VERSION = "1.3.0"

__all__ = ["PARSER_VERSION", "NotAReport", "parse_bytes", "parse_path", "sniff_kind"]

_HTML_MARK = re.compile(rb"<\s*(?:html|table|body|head|meta|div|p|!doctype)\b", re.IGNORECASE)
# Formats we recognise only to say clearly that we do not read them.
_OTHER_FORMATS = {
    b"PK\x03\x04": "a ZIP container (DOCX/XLSX/WPS?)",
    b"\xd0\xcf\x11\xe0": "an OLE document (DOC/XLS/WPS)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"Rar!": "a RAR archive",
}


def sniff_kind(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """'pdf' | 'html' | 'text' from the bytes; name and content type only break ties."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF") or data[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    for magic, what in _OTHER_FORMATS.items():
        if head.startswith(magic):
            raise NotAReport(f"{_name(filename)} is {what}, not a report this parser reads "
                             "(HTML, text or PDF)")
    if _HTML_MARK.search(data[:8192]):
        return "html"
    ct = (content_type or "").lower()
    if "html" in ct:
        return "html"
    return "text"


def parse_bytes(data: bytes, *, filename: str | None = None, content_type: str | None = None,
                url: str | None = None) -> dict:
    """Parse one report. Raises NotAReport (a UserError) for input that is not a report."""
    from ingest.parse import mapper, metadata

    if not data or (not data[:4096].strip() and not data.strip()):  # strip() copies: look first
        raise NotAReport(f"{_name(filename)} is empty: no report to parse")
    kind = sniff_kind(data, filename, content_type)
    if kind == "pdf":
        try:
            from ingest.parse import pdf
        except ImportError as exc:
            if getattr(exc, "name", None) not in ("ingest.parse.pdf", None):
                raise
            raise UserError(f"{_name(filename)} is a PDF and the PDF reader is not available in "
                            "this build") from None
        doc = pdf.extract(data)
    elif kind == "html":
        from ingest.parse import html

        doc = html.extract(data, content_type=content_type)
    else:
        from ingest.parse import text

        doc = text.extract(data, content_type=content_type)
    return mapper.build_report(doc, source_name=_name(filename), url=url)


def parse_path(path: str | Path) -> dict:
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise UserError(f"{p} is a directory, not a report file") from None
    except FileNotFoundError:
        raise UserError(f"{p}: no such file") from None
    except PermissionError:
        raise UserError(f"{p}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return parse_bytes(data, filename=str(p))


def _name(filename: str | None) -> str:
    return filename or "the input"
