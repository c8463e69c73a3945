"""Report pages printed to PDF by a browser (headless Chromium) and by an office suite
(LibreOffice) read as the HTML page itself reads — every cell.

The PDFs are committed under tests/fixtures/printed/ with the script that made them
(make_printed.py there): every HTML report fixture printed by LibreOffice, one fixture of each
markup family printed by Chromium, and variants of the 2021 report with table 3 split into one
small table per row, header rows repeated, the title over three lines, and narrow 总计 / 小计
columns whose numbers wrap. What each should read is what the HTML path reads from the page
it was printed from (`parse_path` on the .html), so nothing is written out twice.

Two bars:
- every PDF: no cell holds a number the HTML does not (a cell may only be null, and then the
  parser says why in a warning) — the issue's "never a shifted value";
- the PDFs in EXACT: every cell, the title, year and issuer exactly as the HTML.
The ones not exact print table 3 without rules and leave cells blank (no complete row shows
where the columns are) or split it into two tables with other column widths (see docs/parser.md).
A PDF missing from the checkout (the generator was not run) skips with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse import parse_path
from ingest.parse.page import borderless
from ingest.parse.readers import pdf

REPO = Path(__file__).resolve().parents[2]
PRINTED = REPO / "tests" / "fixtures" / "printed"
HTML = REPO / "tests" / "fixtures" / "html"

# variant → the fixture it restates (its numbers and metadata)
BASE = {"rowtables": "word_2021", "repeated_header": "word_2021", "title_lines": "word_2021",
        "total_column": "subtotals_28x8"}
CHROMIUM = ["word_2021", "report_2019", "subtotals_28x8", "rowtables", "repeated_header",
            "title_lines", "total_column"]
LIBREOFFICE = ["word_2021", "report_2019", "gbk_2022", "blanks", "mixed_templates", "nested",
               "split_table", "subtotals_28x8", "table4_no_totals", "rowtables", "repeated_header",
               "title_lines", "total_column"]
CASES = [("chromium", n) for n in CHROMIUM] + [("libreoffice", n) for n in LIBREOFFICE]

EXACT = {("chromium", n) for n in CHROMIUM} | {
    ("libreoffice", n) for n in ("word_2021", "mixed_templates", "nested", "table4_no_totals",
                                 "subtotals_28x8", "rowtables", "repeated_header", "title_lines",
                                 "total_column")}
# Metadata a printer itself lost: LibreOffice drops report_2019's <div class="title"> (its
# first page comes out blank) and prints gbk_2022's heading in a font whose text layer maps
# 堃山县 to other characters.
TITLE_NOT_PRINTED = {("libreoffice", "report_2019"), ("libreoffice", "gbk_2022")}

_HTML_READS: dict[str, dict] = {}


def html_read(name: str) -> dict:
    base = BASE.get(name, name)
    if base not in _HTML_READS:
        _HTML_READS[base] = parse_path(HTML / f"{base}.html")
    return _HTML_READS[base]


def printed(printer: str, name: str) -> Path:
    path = PRINTED / printer / f"{name}.pdf"
    if not path.is_file():
        pytest.skip(f"{path.relative_to(REPO)} was not generated "
                    "(python tests/fixtures/printed/make_printed.py needs chromium and soffice)")
    return path


def cells(report: dict) -> dict[tuple[str, str, str], object]:
    out = {}
    for table in ("table2", "table3", "table4"):
        for row, cols in (report.get(table) or {}).items():
            for col, value in cols.items():
                out[(table, row, col)] = value
    return out


@pytest.mark.parametrize(("printer", "name"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_printed_pdf_reads_as_its_html(printer, name):
    want = html_read(name)
    got = parse_path(printed(printer, name))
    w, g = cells(want), cells(got)
    assert set(g) <= set(w), f"cells the HTML does not have: {sorted(set(g) - set(w))[:5]}"
    wrong = {k: (w[k], g[k]) for k in g if g[k] is not None and g[k] != w[k]}
    assert not wrong, f"numbers the HTML does not print: {wrong}"
    nulls = sorted(k for k in w if w[k] is not None and g.get(k) is None)
    if nulls:
        assert got["warnings"], f"cells left null without a warning: {nulls[:5]}"
    assert got["year"] == want["year"]
    if (printer, name) in EXACT:
        assert not nulls, f"{len(nulls)} cells null: {nulls[:8]} ({got['warnings'][:3]})"
        assert g == w
        for key in ("title", "year", "year_source", "issuer", "template", "templates", "table3_shape",
                    "info_processing_fee_yuan", "index_no"):
            assert got[key] == want[key], key
    elif (printer, name) not in TITLE_NOT_PRINTED:
        assert (got["title"], got["issuer"]) == (want["title"], want["issuer"])


def test_every_generated_pdf_is_tested():
    made = {(p.parent.name, p.stem) for p in PRINTED.glob("*/*.pdf")}
    assert made <= set(CASES), f"generated but not tested: {sorted(made - set(CASES))}"


def test_ruled_cells_carry_their_page_and_box():
    doc = pdf.extract(printed("chromium", "word_2021").read_bytes())
    block = next(b for b in doc.blocks if b.section == "table3")
    assert block.meta is not None and len(block.meta) == len(block.rows)
    for row, metas in zip(block.rows, block.meta):
        for text, meta in zip(row, metas):
            if text:
                assert meta["page"] in (2, 3, 4) and meta["read"] == "printed"
                x0, top, x1, bottom = meta["bbox"]
                assert 0 <= x0 < x1 <= 612 and 0 <= top < bottom <= 792


def test_uncertain_borderless_rows_are_null_with_a_warning():
    # LibreOffice prints blanks.html's table 3 without rules and with blank cells in every
    # row: no complete row shows where the columns are. Its header words name them
    # (borderless.header_columns), and every row is placed as the HTML page prints it;
    # without the header nothing names the columns, so no row is placed.
    got = parse_path(printed("libreoffice", "blanks"))
    want = parse_path(REPO / "tests" / "fixtures" / "html" / "blanks.html")
    assert got["table3"] == want["table3"]
    from ingest.parse.page.assemble import _segments

    pages = pdf._read_pages(printed("libreoffice", "blanks").read_bytes())
    seg = next(s for s in _segments(pages) if s.key == "table3")
    lines = [x for x in seg.flow if not hasattr(x, "cells")]
    first = next(i for i, ln in enumerate(lines) if ln.text[:1].isdigit() or "一、" in ln.text)
    warnings: list[str] = []
    rows = borderless.placed_rows(lines[first:], warnings)
    assert all(not any(t.strip() for t in row[-7:]) for row in rows if "本年新收" in "".join(row))
    assert any("cannot be told by position" in w for w in warnings)


def test_run_together_numbers_are_cut_only_when_one_cut_adds_up():
    # "1 00 0 00 1": seven cells, seven digits — one cut
    assert borderless.digits_reading(["1", "00", "0", "00", "1"], 7) == ["1", "0", "0", "0", "0", "0", "1"]
    # "11 0 0 0 0 2": 1|1 … 2 adds up (1+1 = 2); 11 … would leave six cells
    assert borderless.digits_reading(["11", "0", "0", "0", "0", "2"], 7) == ["1", "1", "0", "0", "0", "0", "2"]
    # "10 1 0 0 0 11": 1|0|1…11 and 10|1…1|1 — neither adds up: null
    assert borderless.digits_reading(["10", "1", "0", "0", "0", "11"], 7) is None
    # a blank cell leaves too few digits: null, never a shifted row
    assert borderless.digits_reading(["1", "0", "0", "0", "0", "1"], 7) is None


def _char(text, x0, top, size=9.0):
    return {"text": text, "x0": x0, "x1": x0 + size * 0.55, "top": top, "bottom": top + size,
            "size": size, "matrix": (1, 0, 0, 1, 0, 0), "upright": True}


def test_a_number_wrapped_in_a_narrow_column_reads_whole():
    from ingest.parse.page.lines import cell_text

    wrapped = [_char("5", 103, 100), _char("5", 103, 111)]  # "55" in a cell 12 pt wide
    assert cell_text(wrapped, 12.0) == "55"
    # two lines of digits in a wide cell are two things, not one number
    apart = [_char("1", 110, 100), _char("0", 115, 100), _char("5", 110, 111)]
    assert cell_text(apart, 60.0) == "10 5"


def test_title_over_several_lines_and_breadcrumbs():
    from ingest.parse.layout import Document
    from ingest.parse.mapping.metadata import find_title

    def title(lines):
        return find_title(Document(kind="pdf", text="\n".join(lines)), lines)

    crumb = "示范县人民政府>政府信息公开>政府信息公开年报"
    assert title([crumb, "示范县人民政府", "2023年", "政府信息公开工作年度报告", "一、总体情况"]) == \
        "示范县人民政府2023年政府信息公开工作年度报告"
    assert title(["示范县人民政府", "2023年政府信息公开工作年度报告"]) == "示范县人民政府2023年政府信息公开工作年度报告"
    # a line before a title that names no year is joined only when it holds the year
    assert title(["发布机构：示范县人民政府办公室", "政府信息公开工作年度报告"]) == "政府信息公开工作年度报告"
    assert title([crumb]) is None
