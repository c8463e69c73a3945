"""Glued inputs made from every fixture: the text content with no separators between cells
(what an archive's text dump does), parsed as text, against what the HTML / PDF / text path
reads from the same report.

Never a wrong number: every cell the ordinary path reads comes back equal, or null with a
warning naming its row. Where the template's arithmetic decides, every cell comes back (the
floors below are the measured recovery; table-2 rows have no arithmetic, so a glued run such as
`9452` stays null unless the narrative settles it).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from ingest.decode import decode_bytes
from ingest.errors import NotAReport
from ingest.parse import parse_bytes
from tests.conftest import CORPUS, FIXTURES, HANYIN_SEED

HTML = sorted((FIXTURES / "html").glob("*.html"))
# cells recovered exactly, of the cells the ordinary path reads (measured; must not drop)
FLOOR = {"blanks.html": 0.0,  # blank cells vanish in the glue: which one, the text cannot say
         "report_2019.html": 0.9, "truncated.html": 0.9,
         "hongze_2023.pdf": 0.55, "hongze_2024.pdf": 0.6}


def glue_html(data: bytes) -> str:
    tree = LexborHTMLParser(decode_bytes(data, None).text)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    return (tree.body or tree.root).text(separator="", strip=True)


def glue_lines(text: str) -> str:
    return "".join(re.sub(r"\s+", "", line) for line in text.splitlines())


def check(name: str, printed: dict, glued_text: str) -> float:
    glued = parse_bytes(f"标题: {printed['title']}\n{glued_text}".encode(), filename=f"{name}.txt")
    warnings = "\n".join(glued["warnings"])
    n = exact = 0
    for table in ("table2", "table3", "table4"):
        for row, cols in (printed[table] or {}).items():
            for col, want in cols.items():
                if want is None:
                    continue
                n += 1
                got = ((glued[table] or {}).get(row) or {}).get(col)
                if got == want:
                    exact += 1
                    continue
                assert got is None, f"{name}: {table} {row}/{col} printed {want}, glued read {got}"
                assert f"{table} {row}" in warnings or f"{table}:" in warnings, (table, row, col)
    share = exact / n if n else 1.0
    assert share >= FLOOR.get(name, 0.98), (name, exact, n)
    return share


@pytest.mark.parametrize("path", HTML, ids=[p.name for p in HTML])
def test_glued_html_fixture_reads_what_the_html_path_reads(path: Path):
    data = path.read_bytes()
    try:
        printed = parse_bytes(data, filename=path.name)
    except NotAReport:
        pytest.skip("not a report")
    check(path.name, printed, glue_html(data))


def test_glued_hanyin_seed():
    data = HANYIN_SEED.read_bytes()
    printed = parse_bytes(data, filename="hanyin.txt")
    assert check("hanyin", printed, glue_lines(data.decode("utf-8"))) >= 0.98


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["hongze_2023.pdf", "hongze_2024.pdf"])
def test_glued_pdf_text_of_the_hongze_reports(name):
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"../shared/corpus/{name} is not available")
    import pdfplumber

    data = path.read_bytes()
    printed = parse_bytes(data, filename=name)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    # PDF text order wraps labels around their numbers: many rows stay null, none is wrong
    check(name, printed, glue_lines(text))
