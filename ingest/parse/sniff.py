"""What kind of document a file is, from its bytes: %PDF, ZIP members (word/document.xml,
OFD.xml, the crawler's image bundle), OLE stream names (WordDocument), picture headers, MHT,
markdown (pipe/grid tables, `#` headings with tables), <html/<table, else text. Never from the file name alone; name and content type only break ties.
A format we recognise but do not read is refused with one line that says what it is.
"""

from __future__ import annotations

import re

from ingest.errors import NotAReport, UserError
from ingest.parse.readers.containers import MAX_MEMBERS, ole_streams, zip_names
from ingest.parse.readers.image_bundle import is_bundle
from ingest.parse.readers.markdown import looks_like as looks_like_markdown
from ingest.parse.readers.mht import is_mht
from ingest.parse.readers.ocr import image_kind

_HTML_MARK = re.compile(rb"<\s*(?:html|table|body|head|meta|div|p|!doctype)\b", re.IGNORECASE)
_HTML_PAGE = re.compile(rb"<\s*(?:html|body|head|meta|!doctype)\b", re.IGNORECASE)  # never markdown
_MD_SAMPLE = 65536


# Formats we recognise only to say clearly that we do not read them.
_OTHER_FORMATS = {
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"\x1f\x8b": "a gzip archive",
}


_READS = "HTML, text, PDF, Word (.docx/.doc/.wps), OFD or pictures"


def _zip_kind(data: bytes, filename: str | None, content_type: str | None) -> str:
    """A ZIP container by its members: a Word package, an OFD, or something we say we skip."""
    if is_bundle(data):
        return "images"  # the crawler's bundle of a report page's pictures (image_bundle.py)
    names = zip_names(data)
    if names is None:
        raise UserError(f"{name_of(filename)} is a damaged ZIP container and cannot be read")
    if len(names) > MAX_MEMBERS:
        raise UserError(f"{name_of(filename)} is a ZIP container of {len(names)} members (at most "
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
    raise NotAReport(f"{name_of(filename)} is {what}, not a report this parser reads ({_READS})")


def _ole_kind(data: bytes, filename: str | None, content_type: str | None) -> str:
    """An OLE compound file by its directory: Word's WordDocument stream (.doc, and Kingsoft
    .wps, which stores the same stream) vs Excel's Workbook, PowerPoint, or other."""
    names = ole_streams(data)
    if names is None:
        raise UserError(f"{name_of(filename)} is a damaged OLE document (DOC/XLS/WPS?) and cannot be read")
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
    raise NotAReport(f"{name_of(filename)} is {what}, not a report this parser reads ({_READS})")


def _picture_kind(data: bytes, filename: str | None, content_type: str | None) -> str:
    """A picture (scanned page) for OCR; "BM" alone needs a BMP header behind it."""
    if image_kind(data):
        return "images"
    raise NotAReport(f"{name_of(filename)} is not a report this parser reads ({_READS})")


def _is_bmp(data: bytes) -> bool:
    return image_kind(data) == "bmp"


def _text_kind(data: bytes, content_type: str | None) -> str:
    return "html" if _HTML_MARK.search(data[:8192]) or "html" in (content_type or "").lower() else "text"


# What the bytes start with → the kind of document, or a function of the bytes (and name,
# content type) deciding it. Add a format by adding a row here and a front end in
# ingest/parse/__init__.py's FRONT_ENDS.
_MAGIC: list[tuple[bytes, object]] = [
    (b"PK\x03\x04", _zip_kind),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _ole_kind),
    (b"{\\rtf", "rtf"),  # Word's RTF, often served as .doc: converted like a .doc
    *[(magic, _picture_kind) for magic in
      (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")],
    (b"BM", lambda d, f, c: "images" if _is_bmp(d) else _text_kind(d, c)),
]


def sniff_kind(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """'pdf' | 'html' | 'markdown' | 'text' | 'docx' | 'doc' | 'wps' | 'rtf' | 'ofd' | 'mht' | 'images' from the bytes (magic numbers,
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
            raise NotAReport(f"{name_of(filename)} is {what}, not a report this parser reads ({_READS})")
    if is_mht(data):  # before the HTML mark: the page inside is quoted-printable, not HTML as is
        return "mht"
    if _is_markdown(data, filename, content_type):  # before the HTML mark: MinerU writes <table>s
        return "markdown"
    if _HTML_MARK.search(data[:8192]):
        return "html"
    ct = (content_type or "").lower()
    if "html" in ct:
        return "html"
    return "text"


def _is_markdown(data: bytes, filename: str | None, content_type: str | None) -> bool:
    """A converter's markdown: pipe or grid tables, or `#` headings with HTML tables (see
    readers/markdown.looks_like), or a .md name / text/markdown type; never a page with
    <html>/<head>/<body>/<meta>/<!doctype>."""
    head = data[:_MD_SAMPLE]
    if _HTML_PAGE.search(head[:8192]):
        return False
    name, ct = (filename or "").lower(), (content_type or "").lower()
    if name.endswith((".md", ".markdown")) or "markdown" in ct:
        return True
    if b"|" not in head and b"+-" not in head and b"#" not in head:
        return False  # the common text report: no markdown structure at all, skip the decode
    return looks_like_markdown(head.decode("utf-8", "replace"))


def name_of(filename: str | None) -> str:
    return filename or "the input"
