"""Text-PDF benchmark (part of `python -m bench parse`): parse time of PDFs with a text layer.

Inputs: the two Hongze reports of ../shared/corpus (when present) and the committed prints of
tests/fixtures/printed (the 2021 report printed by LibreOffice and by Chromium, and table 3 as
one small table per row). Each is parsed in full by `parse_bytes` (CPU time of this process,
best of 3) — the figure to compare before and after a change to the PDF front end
(ingest/parse/pdf*.py); no target of its own.
"""

from __future__ import annotations

import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
PRINTED = REPO / "tests" / "fixtures" / "printed"

FILES = [CORPUS / "hongze_2023.pdf", CORPUS / "hongze_2024.pdf",
         PRINTED / "libreoffice" / "word_2021.pdf", PRINTED / "chromium" / "word_2021.pdf",
         PRINTED / "libreoffice" / "rowtables.pdf"]


def run() -> int:
    """Print the figures; returns targets missed (none: this section only measures)."""
    from ingest.parse import parse_bytes

    print("   -- text PDFs (ingest/parse/readers/pdf.py; CPU ms a report, best of 3)")
    for path in FILES:
        if not path.is_file():
            print(f"   {path.name:28} skipped: not available")
            continue
        data = path.read_bytes()
        report = parse_bytes(data, filename=path.name)
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            parse_bytes(data, filename=path.name)
            best = min(best, time.process_time() - t)
        cells = sum(1 for t in ("table2", "table3", "table4") if report[t]
                    for row in report[t].values() for v in row.values() if v is not None)
        where = path.parent.name if path.parent != CORPUS else "corpus"
        print(f"   {where + '/' + path.name:36} {best * 1000:7.1f} ms  {len(data) / 1024:5.0f} KB  "
              f"{cells} cells read")
    return 0
