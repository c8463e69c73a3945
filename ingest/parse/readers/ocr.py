"""OCR front end: scanned PDF pages and pictures → the shared page form → layout.Document.

A scan has no characters, only pixels. Each page image is read by ocr_image.read_page (in a
worker process: RapidOCR words with boxes, OpenCV ruling lines, both in pixels); here the
pixels are scaled to points and fed to the page assembly a printed PDF page goes through
(ocr_page.to_page → ingest/parse/page/), so an OCR'd table is cut into cells, joined across pages and mapped
exactly as a printed one — nothing of the mapper knows it was a picture.

Every cell read this way carries its provenance in Block.meta: read "ocr", the lowest
recognition score of the words in it (`confidence`), its page and its box in pixels of the page
image (`bbox`). The template's arithmetic then checks the OCR'd numbers (mapping/ocr_check.py).

Inputs come three ways:
- image-only pages of a PDF (pdf.extract hands them over: `scanned_pages`);
- a picture (.png/.jpg/.gif/.bmp/.tif: `extract_images`);
- an image bundle: a report page that is a series of <img>, collected by the crawler in page
  order into one deterministic zip (ingest/parse/readers/image_bundle.py) — one page per image.

Hostile input is bounded before any pixel is decoded: bytes per image, pixels per page (from
the image header / the PDF page size), number of pages, and OCR seconds per document.
"""

from __future__ import annotations

import io
import os
import time
import warnings
from dataclasses import dataclass

from ingest.errors import NotAReport, UserError
from ingest.parse.page.assemble import assemble, drop_furniture
from ingest.parse.readers import image_bundle, ocr_image
from ingest.parse.readers.ocr_page import PT_PER_CHAR, Provenance, to_page

DPI = 150  # scanned PDF pages are rendered at this resolution (A4: 1240×1754 pixels)
MAX_IMAGE_BYTES = 40 * 1024 * 1024  # one picture as published
MAX_PAGE_PIXELS = 30_000_000  # one page image (A4 at 150 dpi is 2.2 M; a long screenshot 20 M)
MAX_PAGES = 60  # pages OCR'd for one document (a report has 5–15)
TIME_LIMIT = float(os.environ.get("INGEST_OCR_TIME_LIMIT", "900"))  # OCR seconds per document


@dataclass
class OcrPage:
    """One OCR'd page, in points (the PDF path's unit) with its pixel scale kept for bboxes."""

    number: int
    scale: float  # points per pixel
    raw: dict  # ocr_image.read_page's result (pixels)


# ---- images → pixels ----------------------------------------------------------------------

IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"BM": "bmp",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}


def image_kind(data: bytes) -> str | None:
    """'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff' from the magic bytes, else None."""
    for magic, kind in IMAGE_MAGIC.items():
        if data.startswith(magic):
            if kind == "bmp" and (len(data) < 26 or int.from_bytes(data[14:18], "little")
                                  not in (12, 40, 52, 56, 64, 108, 124)):
                return None  # "BM" alone is too common a start: require a BMP info header
            return kind
    return None


def decode_image(data: bytes, what: str) -> list:
    """A picture's frames (a TIFF or GIF may hold several pages) as grayscale numpy arrays,
    refused before decoding when its bytes or its declared pixel count exceed the caps."""
    import numpy as np
    from PIL import Image, ImageOps

    if len(data) > MAX_IMAGE_BYTES:
        raise UserError(f"{what} is {len(data)} bytes (at most {MAX_IMAGE_BYTES} are read for OCR)")
    # Pillow's own bomb guard, at our cap: it checks the header before decoding.
    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, MAX_PAGE_PIXELS
    kind = (image_kind(data) or "image").upper()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                img = Image.open(io.BytesIO(data))
            except (OSError, ValueError, SyntaxError, EOFError):  # no decodable header at all
                raise NotAReport(f"{what} starts like a {kind} picture but holds no image this "
                                 "parser can decode: not a report") from None
            frames = []
            for i in range(min(getattr(img, "n_frames", 1), MAX_PAGES + 1)):
                img.seek(i)
                _check_pixels(img.size, f"{what}" + (f" (frame {i + 1})" if i else ""))
                frame = ImageOps.exif_transpose(img) if i == 0 else img
                frames.append(np.asarray(_flatten(frame).convert("L")))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(f"{what} declares more than {MAX_PAGE_PIXELS} pixels: refused as a "
                        "possible decompression bomb") from None
    except UserError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # Pillow's errors for bad files
        raise UserError(f"{what} is a damaged {kind} picture and cannot be read "
                        f"({str(exc)[:120]})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = saved  # the process's other Pillow users keep their setting
    if len(frames) > MAX_PAGES:
        raise UserError(f"{what} has more than {MAX_PAGES} frames (at most {MAX_PAGES} pages are OCR'd)")
    return frames


def _flatten(img):
    """Transparent pixels onto white (a PNG with alpha has black under its transparency)."""
    from PIL import Image

    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba)
    return img


def _check_pixels(size: tuple[int, int], what: str) -> None:
    w, h = size
    if w * h > MAX_PAGE_PIXELS:
        raise UserError(f"{what} is {w}×{h} pixels (more than {MAX_PAGE_PIXELS} per page are not "
                        "OCR'd): refused as a possible decompression bomb")
    if w < 16 or h < 16:
        raise NotAReport(f"{what} is a {w}×{h} picture: too small to hold a report")


def render_pdf_pages(data: bytes, numbers: list[int]) -> list:
    """Image-only pages of a PDF rendered (grayscale, DPI) for OCR, checked against the caps."""
    import numpy as np
    import pypdfium2 as pdfium

    if len(numbers) > MAX_PAGES:
        raise UserError(f"the PDF has {len(numbers)} scanned pages (at most {MAX_PAGES} are OCR'd)")
    out = []
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises PdfiumError for what pdfminer could still open
        raise UserError(f"the PDF cannot be rendered for OCR ({str(exc)[:120]})") from None
    try:
        for n in numbers:
            page = pdf[n - 1]
            w_pt, h_pt = page.get_size()
            px = (w_pt * DPI / 72) * (h_pt * DPI / 72)
            if px > MAX_PAGE_PIXELS:
                raise UserError(f"page {n} of the PDF is {w_pt:.0f}×{h_pt:.0f} pt: at {DPI} dpi that "
                                f"is {px / 1e6:.0f} M pixels (at most {MAX_PAGE_PIXELS / 1e6:.0f} M are OCR'd)")
            bitmap = page.render(scale=DPI / 72, grayscale=True)
            img = bitmap.to_pil().convert("L")
            out.append(np.asarray(img))
            page.close()
    finally:
        pdf.close()
    return out


# ---- running the OCR ------------------------------------------------------------------------

def workers_for(n_pages: int) -> int:
    """Processes for one document's pages: the cores not already busy, at least one, at most
    one per page and os.cpu_count(). (In the loader every core already parses a document.)"""
    cores = os.cpu_count() or 1
    forced = os.environ.get("INGEST_OCR_WORKERS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return max(1, min(n_pages, cores, int(forced)))
    try:
        busy = int(round(os.getloadavg()[0]))
    except OSError:
        busy = 0
    return max(1, min(n_pages, cores, cores - busy))


def ocr_images(images: list, numbers: list[int], *, workers: int | None = None,
               time_limit: float | None = None, scale: float | None = None) -> list[dict]:
    """read_page for every image, in a process pool when more than one worker is free.
    Raises UserError when the document's OCR runs past the time limit."""
    limit = TIME_LIMIT if time_limit is None else time_limit
    workers = workers_for(len(images)) if workers is None else max(1, min(workers, len(images)))
    start = time.monotonic()
    ocr_image.model_paths()  # NeedsTool now, in this process, before any worker starts
    if workers > 1:
        out = _in_pool(images, numbers, workers, start, limit, scale)
        if out is not None:
            return out
    out = []
    for i, (n, img) in enumerate(zip(numbers, images)):
        if time.monotonic() - start > limit:
            raise _too_slow(limit, i, len(images))
        out.append(ocr_image.read_page(n, img, scale))
    if time.monotonic() - start > limit:
        raise _too_slow(limit, len(images), len(images))
    return out


def _in_pool(images, numbers, workers, start, limit, scale) -> list[dict] | None:
    """The pages read in a pool of `workers` processes; None when the pool cannot run (a
    worker died, or the calling program cannot start processes): then they are read here."""
    from concurrent.futures import ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    # spawn: a fresh interpreter per worker (forking a process whose onnxruntime threads are
    # running is unsafe), one onnxruntime thread each.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        futures = [pool.submit(ocr_image.read_page, n, img, scale) for n, img in zip(numbers, images)]
        done, pending = wait(futures, timeout=max(limit - (time.monotonic() - start), 0.1))
        if pending:
            for p in list(getattr(pool, "_processes", {}).values()):
                p.terminate()  # a page mid-recognition cannot be cancelled otherwise
            raise _too_slow(limit, len(done), len(futures))
        return [f.result() for f in futures]
    except (BrokenProcessPool, RuntimeError, OSError):
        return None  # e.g. a script without a __main__ guard cannot spawn workers
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _too_slow(limit: float, done: int, total: int) -> UserError:
    return UserError(f"OCR stopped after {limit:.0f} s with {done} of {total} page(s) read "
                     "(INGEST_OCR_TIME_LIMIT): the document was not read")



def scanned_pages(data: bytes, numbers: list[int], *, workers: int | None = None):
    """The image-only pages `numbers` of a PDF, OCR'd: ({number: Page}, Provenance, info)."""
    images = render_pdf_pages(data, numbers)
    scale = 72.0 / DPI
    raws = ocr_images(images, numbers, workers=workers, scale=scale)
    prov = Provenance()
    pages = {}
    for raw in raws:
        page, chars = to_page(raw, scale)
        prov.add(raw["number"], chars, scale)
        pages[raw["number"]] = page
    return pages, prov, raws


def extract_images(frames: list, what: str, *, workers: int | None = None):
    """A picture (or the pictures of a bundle, in order) as a layout.Document, one page each."""
    if not frames:
        raise NotAReport(f"{what} holds no image")
    if len(frames) > MAX_PAGES:
        raise UserError(f"{what} holds {len(frames)} images (at most {MAX_PAGES} pages are OCR'd)")
    numbers = list(range(1, len(frames) + 1))
    raws = ocr_images(frames, numbers, workers=workers)
    prov = Provenance()
    pages = []
    for raw in raws:
        page, chars = to_page(raw)
        prov.add(raw["number"], chars, PT_PER_CHAR / max(raw["char_h"], 4.0))
        pages.append(page)
    if not any(p.n_chars for p in pages):
        raise NotAReport(f"{what}: OCR found no text in {len(pages)} image(s)")
    drop_furniture(pages)  # a scanner's or printer's running heads, as in a PDF
    warnings_ = [f"OCR: {len(pages)} image(s) read by OCR; every value carries its confidence"]
    return assemble(pages, warnings_, kind="images", cell_meta=prov)


def extract(data: bytes, what: str = "the picture", *, workers: int | None = None):
    """A picture (.png/.jpg/.gif/.bmp/.tif, every frame a page) or an image bundle
    (image_bundle.py: one page per picture, in order) → layout.Document."""
    if image_bundle.is_bundle(data):
        frames = []
        for name, blob in image_bundle.read(data, what):
            if image_kind(blob) is None:
                raise UserError(f"{what}: {name[:60]!r} is not a picture this parser reads "
                                "(PNG, JPEG, GIF, BMP, TIFF)")
            frames += decode_image(blob, f"{what}: {name[:60]}")
            if len(frames) > MAX_PAGES:
                raise UserError(f"{what} holds more than {MAX_PAGES} pages (at most {MAX_PAGES} are OCR'd)")
    else:
        frames = decode_image(data, what)
    return extract_images(frames, what, workers=workers)
