"""PDF front end: pdfplumber page geometry → the intermediate form (ingest/parse/layout.py).

This module only reads a PDF's pages into the shared page form (ingest/parse/page/): the
characters with their boxes and the drawn rules, which the grid builder cuts into cells; the
page assembly (page/assemble.py) then makes the document, as it does for OFD and OCR.
Pages that are only images are handed to OCR (readers/ocr.py).

Failure modes are the user's to act on, one line each: not a PDF we can open, a truncated
download, a password, or scanned pages in which OCR found no text.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

from ingest.errors import NotAReport, UserError
from ingest.parse.layout import Document
from ingest.parse.page.assemble import Page, assemble, drop_furniture, fill, rotated_notes
from ingest.parse.page.grid import build_table, merge, rules, table_regions
from ingest.parse.page.lines import unradical
from ingest.parse.readers import ocr


def extract(data: bytes) -> Document:
    """Read one PDF report into the intermediate form. Raises UserError / NotAReport."""
    _check_complete(data)
    pages = _read_pages(data)
    if not pages:
        raise NotAReport("the PDF has no pages")
    # Pages that are only images (scans) are read by OCR (ingest/parse/readers/ocr.py) into the same
    # page form; their cells carry read "ocr" and a confidence (Block.meta via cell_meta).
    scanned = [p.number for p in pages if not p.n_chars and p.n_images]
    cell_meta = None
    if scanned:
        read, cell_meta, _ = ocr.scanned_pages(data, scanned)
        pages = [read.get(p.number, p) for p in pages]
        drop_furniture(pages)  # the OCR'd pages' running heads and feet (the text pages' are gone)
    n_text = sum(1 for p in pages if p.n_chars)
    if n_text == 0:
        what = "scanned page images in which OCR found no text" if scanned else "no text"
        count = f"{len(pages)} page" + ("s" if len(pages) > 1 else "")
        raise NotAReport(f"the PDF has no text layer ({count} of {what}), so the report cannot "
                         "be read")
    doc_warnings = [
        f"pdf page {n} has no text layer (an image only): read by OCR" for n in scanned
    ]
    doc_warnings += rotated_notes(pages, "pdf")
    return assemble(pages, doc_warnings, kind="pdf", cell_meta=cell_meta)


# ---- reading pages -------------------------------------------------------------------------

def _check_complete(data: bytes) -> None:
    if data.find(b"%PDF-", 0, 1024) < 0:
        raise NotAReport("not a PDF file (no %PDF- header)")
    # Every complete PDF ends with %%EOF. Without it the file was cut short — an interrupted
    # download — and whatever pages pdfminer could salvage would be a partial report that
    # looks whole. Padding or junk a server appended after %%EOF is harmless; PDF objects
    # after the last %%EOF are an incremental update that was cut off.
    end = data.rfind(b"%%EOF")
    rest = data[end + 5:] if end >= 0 else b""
    if end < 0 or any(mark in rest for mark in (b" obj", b"stream", b"xref", b"trailer")):
        raise UserError(f"the PDF is truncated ({len(data)} bytes, no %EOF at the end): "
                        "the download is probably incomplete")


@contextlib.contextmanager
def _quiet():
    """pdfminer logs and warns about every oddity of real-world PDFs; the CLI prints one line."""
    logger = logging.getLogger("pdfminer")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def _read_pages(data: bytes) -> list[Page]:
    import pdfplumber

    with _quiet():
        try:
            pdf = pdfplumber.open(io.BytesIO(data))
            page_list = list(pdf.pages)
        except Exception as exc:  # pdfminer raises many unrelated types for broken files
            raise _open_error(exc) from None
        with pdf:
            out = []
            for i, page in enumerate(page_list):
                out.append(_read_page(page, i + 1))
                page.close()  # drop its parsed objects: a long report stays flat in memory
            drop_furniture(out)
            return out


def _open_error(exc: BaseException, page: int | None = None) -> UserError:
    names = set()
    seen: BaseException | None = exc
    while seen is not None:
        names.add(type(seen).__name__)
        names.update(type(a).__name__ for a in getattr(seen, "args", ()) if isinstance(a, BaseException))
        seen = seen.__cause__ or seen.__context__
    if names & {"PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"}:
        return UserError("the PDF is password-protected or uses unsupported encryption; "
                         "it cannot be read without the password")
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = f"page {page} of the PDF" if page else "the PDF"
    return UserError(f"{where} is damaged and cannot be read ({detail[:120]})")


def _read_page(page, number: int) -> Page:
    # Only pdfminer's parsing of the page can fail on a bad file; errors in the geometry
    # below are our own bugs and must not be reported as a damaged PDF.
    try:
        page = page.dedupe_chars()
        chars = [c for c in page.chars if c.get("text")]
        for c in chars:
            if "\u2e80" <= c["text"][0] <= "\u2fdf":
                c["text"] = unradical(c["text"])  # Chromium's Type-3 fonts (page/lines.py _RADICALS)
        n_images = len(page.images)
        for objects in (page.lines, page.rects, page.curves):  # parsed now, cached for rules()
            len(objects)
    except Exception as exc:
        raise _open_error(exc, number) from None
    out = Page(number=number, width=float(page.width), height=float(page.height),
               n_chars=sum(1 for c in chars if not c["text"].isspace()), n_images=n_images)
    if not out.n_chars:
        return out
    raw = rules(page, raw=True)
    return fill(out, chars, [build_table(region, chars, number, raw) for region in table_regions(merge(raw))])
