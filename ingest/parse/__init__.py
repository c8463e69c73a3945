"""Stage 1 — turn one published annual report into structured data exactly as printed.

    from ingest.parse import parse_path, parse_bytes, PARSER_VERSION, NotAReport
    report = parse_path("hanyin_2023.txt")      # the contract of report-format.md

Front ends (html.py, text.py, pdf.py) turn bytes into the intermediate form of layout.py; one
mapper (mapper.py) turns that into table2/table3/table4, and metadata.py reads the title, dates,
fee and narrative figures. The input kind is sniffed from the bytes (%PDF, ZIP members such as
word/document.xml or OFD.xml, OLE stream names such as WordDocument, <html/<table, else text),
never taken from the file name alone. Word (docx.py, office.py via LibreOffice) and OFD (ofd.py)
documents enter through their own front ends.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import NotAReport, UserError

# Bump whenever the output for the same input could change: the loader re-parses on a new version.
PARSER_VERSION = "1.5.0"

__all__ = ["PARSER_VERSION", "NotAReport", "parse_bytes", "parse_path", "sniff_kind"]

_HTML_MARK = re.compile(rb"<\s*(?:html|table|body|head|meta|div|p|!doctype)\b", re.IGNORECASE)

# What the bytes start with → the kind of document, or a function of the bytes (and name,
# content type) deciding it. Add a format by adding a row here and a front end in _FRONT_ENDS.
_MAGIC: list[tuple[bytes, object]] = []  # filled below, after the deciders are defined
# Formats we recognise only to say clearly that we do not read them.
_OTHER_FORMATS = {
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"\x1f\x8b": "a gzip archive",
}
_READS = "HTML, text, PDF, Word (.docx/.doc/.wps), OFD or pictures"


def _zip_kind(data: bytes, filename: str | None, content_type: str | None) -> str:
    """A ZIP container by its members: a Word package, an OFD, or something we say we skip."""
    from ingest.parse.containers import MAX_MEMBERS, zip_names
    from ingest.parse.image_bundle import is_bundle

    if is_bundle(data):
        return "images"  # the crawler's bundle of a report page's pictures (image_bundle.py)
    names = zip_names(data)
    if names is None:
        raise UserError(f"{_name(filename)} is a damaged ZIP container and cannot be read")
    if len(names) > MAX_MEMBERS:
        raise UserError(f"{_name(filename)} is a ZIP container of {len(names)} members (at most "
                        f"{MAX_MEMBERS} are read): refused as a possible zip bomb")
    lower = {n.lstrip("/").lower() for n in names}
    if "word/document.xml" in lower:
        return "docx"
    if "ofd.xml" in lower:
        return "ofd"
    if any(n.startswith("xl/") for n in lower):
        what = "an Excel workbook (.xlsx)"
    elif any(n.startswith("ppt/") for n in lower):
        what = "a PowerPoint presentation (.pptx)"
    elif "content.xml" in lower and "mimetype" in lower:
        what = "an OpenDocument file"
    else:
        what = f"a ZIP archive of {len(names)} file(s)"
    raise NotAReport(f"{_name(filename)} is {what}, not a report this parser reads ({_READS})")


def _ole_kind(data: bytes, filename: str | None, content_type: str | None) -> str:
    """An OLE compound file by its directory: Word's WordDocument stream (.doc, and Kingsoft
    .wps, which stores the same stream) vs Excel's Workbook, PowerPoint, or other."""
    from ingest.parse.containers import ole_streams

    names = ole_streams(data)
    if names is None:
        raise UserError(f"{_name(filename)} is a damaged OLE document (DOC/XLS/WPS?) and cannot be read")
    if "worddocument" in names:
        # .doc and .wps hold the same Word stream and convert alike; only the name or the
        # served type tells which one the publisher made (for the crawler's format counts).
        name, ct = (filename or "").lower(), (content_type or "").lower()
        return "wps" if name.endswith(".wps") or "wps" in ct or "ms-works" in ct else "doc"
    if {"workbook", "book"} & names:
        what = "an Excel workbook (.xls/.et)"
    elif "powerpoint document" in names:
        what = "a PowerPoint presentation (.ppt)"
    else:
        what = "an OLE document that holds no Word text"
    raise NotAReport(f"{_name(filename)} is {what}, not a report this parser reads ({_READS})")


_MAGIC += [
    (b"PK\x03\x04", _zip_kind),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _ole_kind),
    (b"{\\rtf", "rtf"),  # Word's RTF, often served as .doc: converted like a .doc
]


def _picture_kind(data: bytes, filename: str | None, content_type: str | None) -> str:
    """A picture (scanned page) for OCR; "BM" alone needs a BMP header behind it."""
    from ingest.parse.ocr import image_kind

    if image_kind(data):
        return "images"
    raise NotAReport(f"{_name(filename)} is not a report this parser reads ({_READS})")


_MAGIC += [(magic, _picture_kind) for magic in
           (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")]
_MAGIC += [(b"BM", lambda d, f, c: "images" if _is_bmp(d) else _text_kind(d, c))]


def _is_bmp(data: bytes) -> bool:
    from ingest.parse.ocr import image_kind

    return image_kind(data) == "bmp"


def _text_kind(data: bytes, content_type: str | None) -> str:
    return "html" if _HTML_MARK.search(data[:8192]) or "html" in (content_type or "").lower() else "text"


def sniff_kind(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """'pdf' | 'html' | 'text' | 'docx' | 'doc' | 'wps' | 'rtf' | 'ofd' | 'mht' | 'images' from the bytes (magic numbers,
    ZIP members, OLE streams); name and content type only break ties. Raises NotAReport (one
    line) for a format this parser does not read."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF") or data[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind(data, filename, content_type) if callable(kind) else kind
    for magic, what in _OTHER_FORMATS.items():
        if head.startswith(magic):
            raise NotAReport(f"{_name(filename)} is {what}, not a report this parser reads ({_READS})")
    from ingest.parse.mht import is_mht

    if is_mht(data):  # before the HTML mark: the page inside is quoted-printable, not HTML as is
        return "mht"
    if _HTML_MARK.search(data[:8192]):
        return "html"
    ct = (content_type or "").lower()
    if "html" in ct:
        return "html"
    return "text"


def _pdf(data: bytes, filename: str | None, content_type: str | None):
    try:
        from ingest.parse import pdf
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("ingest.parse.pdf", None):
            raise
        raise UserError(f"{_name(filename)} is a PDF and the PDF reader is not available in "
                        "this build") from None
    return pdf.extract(data)


def _html(data: bytes, filename: str | None, content_type: str | None):
    from ingest.parse import html

    return html.extract(data, content_type=content_type)


def _text(data: bytes, filename: str | None, content_type: str | None):
    from ingest.parse import text

    return text.extract(data, content_type=content_type)


def _docx(data: bytes, filename: str | None, content_type: str | None):
    from ingest.parse import docx

    return docx.extract(data)


def _office(data: bytes, filename: str | None, content_type: str | None, kind: str = "doc"):
    from ingest.parse import office

    return office.extract(data, kind=kind)


def _images(data: bytes, filename: str | None, content_type: str | None):
    from ingest.parse import ocr

    return ocr.extract(data, _name(filename))


def _ofd(data: bytes, filename: str | None, content_type: str | None):
    from ingest.parse import ofd

    return ofd.extract(data)


# kind (sniff_kind) → front end: bytes → layout.Document
_FRONT_ENDS = {
    "pdf": _pdf,
    "html": _html,
    "text": _text,
    "docx": _docx,
    "doc": _office,
    "wps": lambda d, f, c: _office(d, f, c, kind="wps"),
    "rtf": lambda d, f, c: _office(d, f, c, kind="rtf"),
    "ofd": _ofd,
    "mht": lambda d, f, c: __import__("ingest.parse.mht", fromlist=["extract"]).extract(d),
    "images": _images,  # pictures and image bundles, read by OCR (ocr.py)
}


def parse_bytes(data: bytes, *, filename: str | None = None, content_type: str | None = None,
                url: str | None = None) -> dict:
    """Parse one report. Raises NotAReport (a UserError) for input that is not a report, and
    NeedsTool (a UserError) when its format needs a program that is not installed."""
    from ingest.parse import mapper

    if not data or (not data[:4096].strip() and not data.strip()):  # strip() copies: look first
        raise NotAReport(f"{_name(filename)} is empty: no report to parse")
    kind = sniff_kind(data, filename, content_type)
    doc = _FRONT_ENDS[kind](data, filename, content_type)
    report = mapper.build_report(doc, source_name=_name(filename), url=url)
    if any(b.meta for b in doc.blocks):
        from ingest.parse import ocr_check  # OCR'd numbers checked by the balancing rules

        ocr_check.check(report)
    return report


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
