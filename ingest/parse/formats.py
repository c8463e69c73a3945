"""What format a stored document is, for counting what portals publish (the crawler's
`crawl_runs.formats`). Never raises: an unreadable document is a format too ("other").

Sniffed from the bytes as the parser sniffs them (ingest.parse.sniff_kind: magic numbers, ZIP
members, OLE streams); a PDF is "pdf_text" when any of its first pages has a text layer and
"pdf_scanned" when they hold only images — looked up with PDFium's text count (pypdfium2, a
dependency of pdfplumber), which reads a page in milliseconds where pdfminer takes a second.
"""

from __future__ import annotations

import threading

# Every value document_format returns, in the order summaries list them.
FORMATS = ("html", "pdf_text", "pdf_scanned", "pdf_unreadable", "docx", "doc", "wps", "rtf",
           "mht", "ofd", "image", "markdown", "text", "other")
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")  # BMP: sniff_kind checks its header
_PDF_PAGES = 5  # pages looked at: a report's first pages hold its text if any page does
# PDFium is not thread-safe, and the crawler sniffs in worker threads (asyncio.to_thread)
_PDFIUM = threading.Lock()
_PDF_BYTES = 200 * 1024 * 1024


def document_format(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    from ingest.errors import UserError
    from ingest.parse import sniff_kind

    if not data:
        return "other"
    if data.startswith(_IMAGES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    try:
        kind = sniff_kind(data, filename, content_type)
    except UserError:
        return "other"
    except Exception:  # a sniffer bug must not stop a crawl: the count just says "other"
        return "other"
    if kind == "pdf":
        return _pdf_format(data)
    if kind == "images":
        return "image"  # an image bundle: a report page made of pictures (ingest/crawl/images.py)
    return kind if kind in FORMATS else "other"


def _pdf_format(data: bytes) -> str:
    if len(data) > _PDF_BYTES:
        return "pdf_unreadable"
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - installed with pdfplumber
        return "pdf_unreadable"
    with _PDFIUM:
        return _pdf_text_or_scan(pdfium, data)


def _pdf_text_or_scan(pdfium, data: bytes) -> str:
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # damaged, encrypted
        return "pdf_unreadable"
    try:
        n = len(pdf)
        if n == 0:
            return "pdf_unreadable"
        for i in range(min(n, _PDF_PAGES)):
            page = pdf[i]
            try:
                text = page.get_textpage()
                try:
                    if text.get_text_range().strip():
                        return "pdf_text"
                finally:
                    text.close()
            finally:
                page.close()
        return "pdf_scanned"
    except Exception:
        return "pdf_unreadable"
    finally:
        pdf.close()
