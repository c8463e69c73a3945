"""A fast slice of the print-variation harness (bench/print_variation.py; the full sweep is
`python -m bench print-variation`): a report page printed where page breaks cut its tables, read
as PDF and as OFD, and as Word from LibreOffice — no cell may hold a number the HTML parse of
the same page does not. Skips cleanly without chromium / soffice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import print_variation as pv
from ingest.parse import parse_bytes, parse_path

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def test_compare_counts_right_null_and_wrong_cells():
    truth = {"table2": None, "table3": {"new": {"total": 5, "natural_person": None}},
             "table4": {"review": {"upheld": 1, "total": 2}}}
    got = {"table3": {"new": {"total": 5, "natural_person": 3}}, "table4": {"review": {"upheld": None, "total": 3}}}
    s = pv.compare(truth, got)
    assert (s.right, s.null, s.wrong) == (1, 1, 2)


@pytest.mark.parametrize("printed", ["libreoffice/word_2021.pdf", "chromium/subtotals_28x8.pdf"])
def test_the_ofd_writer_restates_a_pdf_page_for_page(printed):
    """Chromium's text maps CJK to Kangxi radicals (⼀ for 一); an OFD carrying the same codes
    reads as the PDF does (the OFD reader maps them back, as the PDF reader does)."""
    pdf = Path(__file__).resolve().parents[1] / "fixtures" / "printed" / printed
    truth = parse_bytes(pdf.read_bytes(), filename="x.pdf")
    got = parse_bytes(pv.ofd_from_pdf(pdf.read_bytes()), filename="x.ofd")
    s = pv.compare(truth, got)
    assert s.wrong == 0 and s.right >= 0.99 * s.cells


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
@pytest.mark.parametrize("recipe", ["chromium-a5", "chromium-a4-top60"])
def test_printed_where_a_page_break_cuts_the_tables_no_number_is_wrong(recipe):
    path = HTML / "split_table.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, [recipe]):
        s, err = pv.score_variant(v, truth)
        assert err is None
        assert s.wrong == 0, (v.fmt, recipe, s.wrong_cells)


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
def test_a_borderless_table_split_in_two_learns_each_parts_columns():
    """split_table prints table 3 as two tables, the second with fewer label columns (so its
    numbers stand elsewhere) and its last row alone in a third width: each part's columns are
    learnt from its own complete rows (page/borderless.py `_parts`), and its wrapped labels
    are joined to the rows they are centred on."""
    path = HTML / "split_table.html"
    truth = parse_path(path)
    (v,) = pv.variants(path, {"pdf"}, ["chromium-a4"])
    s, err = pv.score_variant(v, truth)
    assert err is None and s.wrong == 0
    assert s.right >= 175, s  # 123 when the columns were learnt over the whole table


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
def test_a_borderless_table_with_no_complete_row_takes_its_columns_from_its_header():
    """blanks leaves not-applicable cells blank in every row of a table 3 printed without
    rules: no row prints all seven numbers to learn the columns from, so the header's own
    words name them (page/borderless.py `header_columns`), each digit placed only near its
    header's centre."""
    path = HTML / "blanks.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, ["chromium-a4"]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right >= 120, (v.fmt, s)  # 4 when the columns went unlearnt


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
@pytest.mark.parametrize("recipe", ["chromium-a4", "libreoffice"])
def test_a_table_printed_as_one_table_per_row_reads_whole_as_pdf_and_ofd(recipe):
    """rowtables prints table 3 as one small table per row, each sizing its own columns: a
    region of two such bands (the header table and one row on a page) is read band by band
    too (`grid.build_table`), and the OFD reader reads its regions as the PDF reader does
    (band by band, each band's rules merged on their own)."""
    path = HTML.parent / "printed" / "html" / "rowtables.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, [recipe]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right == s.cells, (v.fmt, recipe, s)


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
def test_a_label_carried_over_a_page_break_outside_the_rules_does_not_cut_the_table():
    """word_2021 printed on Letter landscape: table 3 runs over three page breaks, and on the
    middle page Chromium prints the rest of 三、本年度办理结果 (办理结 / 果) left of the drawn
    table, without its borders. That text is the label cell's, not text between the halves of
    the table (page/assemble.py `_beside`): the next page's part joins on."""
    path = HTML / "word_2021.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, ["chromium-letter-landscape"]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right == s.cells, (v.fmt, s)  # 144 of 200 when the label cut the table


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
def test_a_header_cut_by_a_page_break_is_rebuilt_on_the_next_pages_columns():
    """title_lines printed at 75%: table 3's header starts at the foot of a page — 法人或其他组织
    over its five kinds ruled, 申请人情况 / 自然人 / 总计 only loose words, their cells' rules
    drawn on the next page, where the wrapped 社会公益组织 / 法律服务机构 end (组织, 机构). The
    header is rebuilt on the next page's columns and joined (grid.header_over_break)."""
    path = HTML.parent / "printed" / "html" / "title_lines.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, ["chromium-a4-75"]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right == s.cells, (v.fmt, s)  # 25 of 200 when the columns had no header


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_header_words_of_narrow_columns_set_a_point_apart_still_name_them():
    """LibreOffice prints blanks' borderless table 3 in narrow columns whose header words stand
    a point apart (自然人 商业 科研 read as one gapped token): the header words are cut where
    characters do not touch (borderless `_header_words`), and a two-digit number as wide as
    its header is placed within its header's span."""
    path = HTML / "blanks.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, ["libreoffice"]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right >= 125, (v.fmt, s)  # 4 when the header named no columns


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
@pytest.mark.parametrize("name", ["gbk_2022", "mixed_templates"])
def test_a_label_wrapped_over_three_lines_joins_the_row_it_is_centred_on(name):
    """（二）部分公开（区分处理的，只计这一情形，不计其他情形） printed without rules over three
    lines around its numbers: its first line stands a point or two nearer the row above. It
    goes to the row whose label block it keeps centred (borderless `_geometric_rows`, LEAN),
    so the row is read by its label instead of nulled as placed by template order."""
    path = HTML / f"{name}.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, ["chromium-a4"]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right == s.cells, (v.fmt, s)  # the partial row's 7 cells null before


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
@pytest.mark.parametrize("name,recipe", [("split_table", "chromium-a4-75"), ("split_table", "chromium-a4"),
                                         ("subtotals_28x8", "chromium-a4")])
def test_labels_wrapped_over_many_lines_are_shared_out_so_every_row_stays_centred(name, recipe):
    """Table 3 without rules, its （六） labels wrapped over seven or eight lines in a narrow
    column: the middle lines stand too far from any row of numbers. The label lines between
    two rows are shared out the one way that keeps every row's label centred on its numbers
    (borderless `_far_labels`), so those rows are read by their labels, not nulled."""
    path = HTML / f"{name}.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, [recipe]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right == s.cells, (v.fmt, s)


@pytest.mark.skipif(not shutil.which("chromium") and not shutil.which("chromium-browser"),
                    reason="chromium is not installed")
@pytest.mark.parametrize("name,recipe", [("nested", "chromium-a5"), ("gbk_2022", "chromium-letter-landscape")])
def test_a_row_whose_label_a_page_break_cuts_leaves_the_row_above_its_last_line(name, recipe):
    """（六）1's label runs over the page break: it cannot be centred on its numbers, and the last
    line of the row above (获取信息, a little nearer the cut row) went to it. Tried again with
    the cut row unchecked, the lines are shared out the one way that keeps every other row
    centred (borderless `_far_labels`)."""
    path = HTML / f"{name}.html"
    truth = parse_path(path)
    for v in pv.variants(path, {"pdf", "ofd"}, [recipe]):
        s, err = pv.score_variant(v, truth)
        assert err is None and s.wrong == 0, (v.fmt, s.wrong_cells)
        assert s.right == s.cells, (v.fmt, s)  # other_no_correction's 7 cells null before
