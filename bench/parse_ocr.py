"""OCR section of `python -m bench parse`: scanned pages, CPU-seconds per page, pages in parallel.

    python -m bench.parse_ocr             # alone; `python -m bench parse` runs it last

Inputs: the committed scan of the Word-pasted fixture (tests/fixtures/scans/word_2021_scan.pdf,
4 pages) and, when ../shared/corpus is present, a scan of Hongze 2023 made on the fly (5 pages,
150 dpi, blurred, turned, speckled — tests/fixtures/scans/make_scans.py).
- per page: CPU seconds of one page read in this process (straighten, OCR, rules, second look
  at empty cells), one onnxruntime thread — target < 10 s a page;
- per document: wall and CPU seconds (this process + its page workers) of parse_bytes with one
  worker and with one per core, pages in parallel;
- accuracy: every table cell against the text reading of the same report (HTML / text layer).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCANS = REPO / "tests" / "fixtures" / "scans"
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
TARGET_CPU_PER_PAGE = 10.0


def _cpu_all() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _cells(report: dict) -> dict:
    out = {}
    for t in ("table2", "table3", "table4"):
        for row, cols in (report.get(t) or {}).items():
            if isinstance(cols, dict):
                for col, v in cols.items():
                    if ((report["raw"].get(t) or {}).get(row) or {}).get(col) is not None:
                        out[(t, row, col)] = v
    return out


def _accuracy(got: dict, ref: dict) -> tuple[int, int, int]:
    want, have = _cells(ref), _cells(got)
    same = sum(1 for k, v in want.items() if have.get(k) == v)
    wrong = sum(1 for k, v in want.items() if have.get(k) is not None and have[k] != v)
    return len(want), same, wrong


def inputs() -> list[tuple[str, bytes, dict]]:
    """(name, scanned PDF, reference report read from text)."""
    from ingest.parse import parse_bytes, parse_path

    out = [("word_2021_scan.pdf", (SCANS / "word_2021_scan.pdf").read_bytes(),
            parse_path(REPO / "tests" / "fixtures" / "html" / "word_2021.html"))]
    hongze = CORPUS / "hongze_2023.pdf"
    if hongze.is_file():
        sys.path.insert(0, str(SCANS))
        import make_scans

        data = hongze.read_bytes()
        out.append(("hongze_2023 (scanned on the fly)", make_scans.degrade_pdf(data, seed=3),
                    parse_bytes(data, filename="hongze_2023.pdf")))
    return out


def run(seconds: float = 0.0) -> int:
    """Print the OCR section; returns the number of targets missed."""
    try:
        from ingest.parse.readers import ocr
        from ingest.parse.readers import ocr_image
        ocr_image.model_paths()
    except Exception as exc:  # NeedsTool: the engine is not installed
        print(f"   -- OCR skipped: {exc}")
        return 0
    import pypdfium2 as pdfium

    from ingest.parse import parse_bytes

    print("   -- OCR (scanned PDFs: RapidOCR + OpenCV rules → the PDF grid builder)")
    t = time.process_time()
    ocr_image.engine()
    print(f"   engine load          {time.process_time() - t:6.2f} CPU-s once per process")
    missed = 0
    cores = os.cpu_count() or 1
    for name, scan, ref in inputs():
        n_pages = len(pdfium.PdfDocument(scan))
        images = ocr.render_pdf_pages(scan, list(range(1, n_pages + 1)))
        per_page = []
        for i, img in enumerate(images, 1):
            t = time.process_time()
            ocr_image.read_page(i, img, 72.0 / ocr.DPI)
            per_page.append(time.process_time() - t)
        print(f"   {name}: {n_pages} pages; CPU-s per page mean {statistics.mean(per_page):.2f}, "
              f"max {max(per_page):.2f} (one thread, in process)")
        runs = {}
        for workers in sorted({1, min(cores, n_pages)}):
            os.environ["INGEST_OCR_WORKERS"] = str(workers)
            c0, w0 = _cpu_all(), time.monotonic()
            got = parse_bytes(scan, filename=name)
            runs[workers] = (time.monotonic() - w0, _cpu_all() - c0)
            n, same, wrong = _accuracy(got, ref)
            print(f"     parse_bytes, {workers} worker(s): {runs[workers][0]:6.1f} s wall, "
                  f"{runs[workers][1]:6.1f} CPU-s ({runs[workers][1] / n_pages:.1f} a page); "
                  f"cells {same}/{n} right ({100 * same / max(n, 1):.1f}%), {wrong} wrong")
            if wrong or same < 0.98 * n:
                missed += 1
        os.environ.pop("INGEST_OCR_WORKERS", None)
        if len(runs) > 1:
            w1, wn = runs[1][0], runs[max(runs)][0]
            print(f"     pages in parallel: {w1 / wn:.2f}× faster wall-clock with {max(runs)} workers "
                  f"(load average {os.getloadavg()[0]:.1f} on {cores} cores)")
        ok = max(per_page) < TARGET_CPU_PER_PAGE
        print(f"   target {'OCR < 10 CPU-s a page':24} {'met   ' if ok else 'MISSED'} ({max(per_page):.2f} s worst page)")
        missed += not ok
    return missed


if __name__ == "__main__":
    raise SystemExit(1 if run() else 0)
