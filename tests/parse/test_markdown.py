"""Markdown as PDF converters write it (MinerU, marker, pandoc): readers/markdown.py.

The markdown is made from the HTML fixtures by bench/markdown_variants.py (an independent
writer over the page's markup, as the print-variation harness does); each reading is compared
cell by cell with the HTML parse of the same page. Sniffing markdown must not take text or
HTML inputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import markdown_variants as mv
from bench import print_variation as pv
from ingest.errors import NotAReport
from ingest.parse import parse_bytes, parse_path, sniff_kind
from ingest.parse.readers import markdown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HTML = FIXTURES / "html"


@pytest.fixture(scope="module")
def word_2021():
    return (HTML / "word_2021.html").read_bytes(), parse_path(HTML / "word_2021.html")


@pytest.mark.parametrize("style", ["marker", "mineru"])
def test_converter_markdown_reads_what_the_html_reads(word_2021, style):
    html, truth = word_2021
    md = mv.convert(html, style)
    got = parse_bytes(md, filename="report.md")
    s = pv.compare(truth, got)
    assert s.wrong == 0 and s.right == s.cells, s.wrong_cells
    assert got["source"]["kind"] == "markdown"
    assert (got["year"], got["templates"]) == (truth["year"], truth["templates"])


def test_a_table_broken_into_two_pipe_tables_is_joined(word_2021):
    html, truth = word_2021
    md = mv.marker(html)
    assert md.count("|---|") >= 4  # table 3 printed as two pipe tables, the second with one label column
    got = parse_bytes(md.encode(), filename="x.md")
    assert got["table3"]["total"] == truth["table3"]["total"]
    assert got["table3"]["carry_forward"] == truth["table3"]["carry_forward"]


@pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc is not installed")
def test_pandoc_grid_tables(word_2021):
    html, truth = word_2021
    got = parse_bytes(mv.convert(html, "pandoc-grid"), filename="x.md")
    s = pv.compare(truth, got)
    assert s.wrong == 0 and s.right >= 0.9 * s.cells


def test_header_spans_a_pipe_table_cannot_print_are_restored():
    rows = [["申请人情况", "", "自然人", "法人或其他组织", "", "总计"],
            ["", "", "", "商业企业", "其他", ""],
            ["一、本年新收", "", "4", "1", "0", "5"]]
    spans = markdown._header_spans(rows)
    assert spans[(0, 0)] == (1, 2)  # the blank below it lies under a colspan: its own cell
    assert spans[(0, 2)] == (2, 1) and spans[(1, 2)] is None  # 自然人 spans both header rows
    assert spans[(0, 3)] == (1, 2) and spans[(0, 4)] is None  # 法人或其他组织 over two columns
    assert spans[(0, 5)] == (2, 1)
    assert (2, 1) not in spans  # body rows are never merged
    t4 = [["行政复议", "", "行政诉讼", "", "", ""],
          ["结果维持", "总计", "未经复议直接起诉", "", "复议后起诉", ""],
          ["", "", "结果维持", "总计", "结果维持", "总计"],
          ["0", "0", "", "", "0", "0"]]
    spans = markdown._header_spans(t4)
    assert spans[(0, 2)] == (1, 4)
    assert spans[(1, 2)] == (1, 2) and spans[(1, 3)] is None  # under 行政诉讼, beside its left cell
    assert spans[(1, 0)] == (2, 1) and spans[(2, 0)] is None  # under a one-column cell: down
    # a header printed as a table of its own (a stack of one-row tables): all of it is header
    spans = markdown._header_spans([["申请人情况", "", "自然人", "法人或其他组织", ""], ["", "", "", "商业企业", "其他"]])
    assert spans[(0, 0)] == (1, 2) and spans[(0, 2)] == (2, 1) and spans[(0, 3)] == (1, 2)


def test_a_reading_the_identities_contradict_is_null_not_shipped(word_2021):
    html, truth = word_2021
    md = mv.marker(html).replace("| 23 | 3 | 0 | 1 | 0 | 0 | 27 |", "| 3 | 0 | 1 | 0 | 0 | 27 | 23 |")
    md = md.replace("| 6 | 1 | 0 | 0 | 0 | 1 | 8 |", "| 1 | 0 | 0 | 0 | 1 | 8 | 6 |")
    md = md.replace("| 1 | 0 | 0 | 0 | 0 | 0 | 1 |", "| 0 | 0 | 0 | 0 | 0 | 1 | 1 |")
    got = parse_bytes(md.encode(), filename="x.md")
    s = pv.compare(truth, got)
    assert s.wrong == 0  # a converter's shifted rows: the gate nulls the table
    assert any("table3" in w and "identities" in w for w in got["warnings"])


def test_sniffing_markdown_takes_nothing_else():
    for p in [*HTML.glob("*.html"), *(FIXTURES / "printed" / "html").glob("*.html")]:
        assert sniff_kind(p.read_bytes(), p.name) == "html", p
    assert sniff_kind((FIXTURES / "hanyin_2023_text.txt").read_bytes(), "hanyin_2023_text.txt") == "text"
    for p in (FIXTURES.parent.parent / ".." / "shared" / "corpus").glob("*.txt"):
        assert sniff_kind(p.read_bytes(), p.name) == "text", p
    page = b"<!doctype html><html><body><p>| a | b |</p>\n|---|---|\n</body></html>"
    assert sniff_kind(page) == "html"
    assert sniff_kind("# 报告\n\n<table><tr><td>1</td></tr></table>\n".encode()) == "markdown"  # MinerU
    assert sniff_kind("| 项目 | 数量 |\n|---|---|\n| 规章 | 0 |\n".encode()) == "markdown"
    assert sniff_kind("一、总体情况\n全年收到申请 5 件\n".encode(), "r.md") == "markdown"
    assert sniff_kind("一、总体情况\n全年收到申请 5 件 # 注\n".encode()) == "text"


def test_oversized_markdown_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(markdown, "MAX_LINES", 10)
    with pytest.raises(NotAReport) as exc:
        parse_bytes(("| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 20).encode(), filename="x.md")
    assert "\n" not in str(exc.value) and "at most" in str(exc.value)


def test_a_label_over_several_label_columns_keeps_its_values_in_place():
    rows = [["（七）总计", "", "49", "6", "59", ""], ["", "3.其他", "0", "", "0", ""], ["A", "", "B", "1", "", "2"]]
    spans = markdown._label_spans(rows, {})
    assert spans[(0, 0)] == (1, 2) and spans[(0, 1)] is None  # the blank before the first number
    assert (0, 5) not in spans and (1, 3) not in spans  # blanks among the numbers stay cells
    assert spans[(1, 1)] == (1, 1) and (1, 0) not in spans
    assert spans[(2, 0)] == (1, 1) and (2, 1) not in spans  # a blank between two texts stays a cell


def test_a_continuation_headed_by_a_subtotal_row_is_no_header():
    page = (HTML / "subtotals_28x8.html").read_bytes()
    truth = parse_path(HTML / "subtotals_28x8.html")
    md = mv.marker(page)
    assert "\n| 小计 |" in md  # the second pipe table starts with the 小计 row of （四）无法提供
    got = parse_bytes(md.encode(), filename="x.md")
    assert not any("header shows no column" in w for w in got["warnings"])
    assert pv.compare(truth, got).wrong == 0


@pytest.mark.parametrize("name", ["subtotals_28x8", "total_column"])
def test_a_subtotal_printed_without_its_group_label_heads_the_group_whose_items_follow(name):
    """The continuation keeps only the innermost label column, so its 小计 rows carry no group
    label: each is the subtotal of the group whose items follow it (as the template orders
    them), not of the group carried over from the rows above — which named the previous
    group's subtotal twice and made the gate null the whole table."""
    path = next(p for p in (HTML / f"{name}.html", FIXTURES / "printed" / "html" / f"{name}.html") if p.exists())
    truth = parse_path(path)
    got = parse_bytes(mv.marker(path.read_bytes()).encode(), filename="x.md")
    s = pv.compare(truth, got)
    assert s.wrong == 0 and s.right == s.cells, (s, got["warnings"])
    for group in ("unable", "reject"):
        assert got["table3"][f"{group}_subtotal"] == truth["table3"][f"{group}_subtotal"]
