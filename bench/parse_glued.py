"""Glued-text benchmark (part of `python -m bench parse`): parse time of reports whose cells ran
together, decoded by ingest/parse/glued.

Inputs: the five real glued reports of ../shared/corpus/glued (when present), and glued
versions made from every HTML fixture, the Hanyin seed and the Hongze PDFs' text (the text with
no separators between cells, as tests/parse/test_glued_fixtures.py makes them). Each is parsed
in full by `parse_bytes` (CPU time, best of 3). Targets (issue 9): median < 20 ms, worst < 200 ms
per report. The search is bounded (digits.CAP readings per row, search.NODES assignments per
table), so no input can run away.
"""

from __future__ import annotations

import io
import re
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()


def _glue_html(data: bytes) -> str:
    from selectolax.lexbor import LexborHTMLParser

    from ingest.decode import decode_bytes

    tree = LexborHTMLParser(decode_bytes(data, None).text)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    return (tree.body or tree.root).text(separator="", strip=True)


def _glue_lines(text: str) -> str:
    return "".join(re.sub(r"\s+", "", line) for line in text.splitlines())


def inputs() -> list[tuple[str, bytes]]:
    from ingest.errors import NotAReport
    from ingest.parse import parse_bytes

    out: list[tuple[str, bytes]] = []
    for p in sorted((CORPUS / "glued").glob("*.txt")):
        out.append((f"corpus/{p.name}", p.read_bytes()))
    for p in sorted((REPO / "tests" / "fixtures" / "html").glob("*.html")):
        data = p.read_bytes()
        try:
            title = parse_bytes(data, filename=p.name)["title"]
        except NotAReport:
            continue
        out.append((f"glued {p.name}", f"标题: {title}\n{_glue_html(data)}".encode()))
    seed = (REPO / "tests" / "fixtures" / "hanyin_2023_text.txt").read_bytes()
    title = parse_bytes(seed, filename="seed.txt")["title"]
    out.append(("glued hanyin seed", f"标题: {title}\n{_glue_lines(seed.decode('utf-8'))}".encode()))
    for name in ("hongze_2023.pdf", "hongze_2024.pdf"):
        p = CORPUS / name
        if not p.is_file():
            continue
        import pdfplumber

        data = p.read_bytes()
        title = parse_bytes(data, filename=name)["title"]
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        out.append((f"glued {name} text", f"标题: {title}\n{_glue_lines(text)}".encode()))
    return out


def run() -> int:
    """Print the figures; return how many targets were missed."""
    from ingest.parse import parse_bytes

    rows = []
    for name, data in inputs():
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            parse_bytes(data, filename=f"{name}.txt")
            best = min(best, time.process_time() - t)
        rows.append((best, name))
    times = sorted(t for t, _ in rows)
    median = statistics.median(times)
    worst_t, worst_name = max(rows)
    print(f"   glued text ({len(rows)} reports: corpus/glued + glued fixtures)  "
          f"median {median * 1000:6.2f} ms  worst {worst_t * 1000:6.2f} ms ({worst_name})")
    missed = 0
    for label, ok, figure in (("glued median < 20 ms", median < 0.020, f"{median * 1000:.1f} ms"),
                              ("glued worst < 200 ms", worst_t < 0.200, f"{worst_t * 1000:.1f} ms")):
        print(f"   target {label:24} {'met   ' if ok else 'MISSED'} ({figure})")
        missed += not ok
    return missed


if __name__ == "__main__":
    raise SystemExit(1 if run() else 0)
