"""OCR'd values reach the loader's cells marked as such, with their confidence, page and box.

A real archive in a temporary DATA_DIR, the real loader (process pool, Arrow inserts) and a
real parsed.duckdb; the document is the committed picture of a scanned report page.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingest.config import paths as make_paths
from ingest.load.loader import load

from .conftest import REPO, archive_add

PICTURE = REPO / "tests" / "fixtures" / "scans" / "word_2021_p2.png"


@pytest.mark.slow
def test_ocr_cells_carry_read_method_confidence_page_and_box(tmp_path):
    p = make_paths(tmp_path)
    archive_add(p, PICTURE.read_bytes(), "https://example.gov.cn/nb/2023/p2.png",
                issuer="示范县人民政府", content_type="image/png", year_hint=2023)
    summary = load(p, workers=1)
    assert (summary.parsed, summary.failed) == (1, 0)
    con = duckdb.connect(str(p.parsed_db), read_only=True)
    try:
        rows = con.execute("""
            SELECT row_key, column_key, value, raw_text, read_method, read_confidence, page_no, bbox
            FROM cells WHERE table_key = 'table3' AND raw_text IS NOT NULL""").fetchall()
        (kind,) = con.execute("SELECT source_kind FROM reports").fetchone()
    finally:
        con.close()
    assert kind == "images"
    assert rows and all(r[4] == "ocr" for r in rows)
    read = [r for r in rows if r[5] is not None]
    assert len(read) >= 0.95 * len(rows)
    assert all(0 < r[5] <= 1 and r[6] == 1 and len(r[7]) == 4 for r in read)
    by_key = {(r[0], r[1]): r for r in rows}
    assert by_key[("new", "total")][2:4] == (Decimal(54), "54")
