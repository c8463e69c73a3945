"""The HTML front end's fast paths give what its general paths give.

html.extract takes shortcuts when it can prove them safe (UTF-8 bytes handed to Lexbor as they
are, one selector walk over the body, page lines made per piece); each test here builds a page
where the shortcut must step aside, and checks the result against the same report without the
obstacle or against the general path.
"""

from __future__ import annotations

from ingest.parse import parse_bytes
from ingest.parse.readers import html
from parse_expect import HTML

WORD = (HTML / "word_2021.html").read_bytes()


def _without_volatile(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "source"}


def test_table_inside_noscript_is_dropped_like_any_code():
    # A table inside <noscript> (markup when scripting is off) sits inside an element that is
    # removed: the tables found by the one selector walk are not used; the general path is.
    extra = "<noscript><table><tr><td>二、主动公开政府信息情况</td><td>99</td></tr></table></noscript>"
    page = WORD.replace(b"<body", b"<body", 1)
    at = page.index(b">", page.index(b"<body")) + 1
    with_noscript = page[:at] + extra.encode() + page[at:]
    assert _without_volatile(parse_bytes(with_noscript)) == _without_volatile(parse_bytes(WORD))


def test_template_and_nested_layout_table():
    # A report table nested in a layout table, and a <template> in the body: the innermost
    # table is the one read, the template is dropped.
    page = WORD.replace(b"<body", b"<body", 1)
    at = page.index(b">", page.index(b"<body")) + 1
    end = page.rindex(b"</body>")
    wrapped = (page[:at] + b"<template><p>x</p></template><table><tr><td>" + page[at:end]
               + b"</td></tr></table>" + page[end:])
    a, b = parse_bytes(wrapped), parse_bytes(WORD)
    assert (a["table2"], a["table3"], a["table4"]) == (b["table2"], b["table3"], b["table4"])


def test_page_text_that_looks_like_a_placeholder():
    # Page text holding the placeholder's characters: lines come from the joined text (the
    # general path), and the result is the same as the per-piece lines would be for a clean page.
    fake = "<p>\x1dT0\x1d</p>".encode()
    at = WORD.rindex(b"</body>")
    doc = html.extract(WORD[:at] + fake + WORD[at:])
    clean = html.extract(WORD)
    assert doc.text.startswith(clean.text)
    assert "\x1e" not in doc.text and "\x1e" not in doc.narrative


def test_gbk_page_parses_through_the_decoded_text():
    # Not UTF-8: the decoded text goes to Lexbor, not the bytes.
    report = parse_bytes((HTML / "gbk_2022.html").read_bytes())
    assert report["source"]["encoding"] == "gb18030"
    assert report["table3"] is not None


def test_lines_helpers_agree():
    raw = "a\x1e  b\u3000c \x1e\x1e\xa0\x1ed"
    assert html._lines(raw) == "\n".join(html._line_list(raw)) == "a\nb c\nd"


def test_table_head_is_the_start_of_the_table_text():
    # The heading test reads only a table's first characters, a row at a time: they must be
    # exactly the start of its whole text (whitespace between tags, a caption, thead before
    # tbody, comments, a row group holding the whole table, a table shorter than asked).
    from selectolax.lexbor import LexborHTMLParser

    pages = [WORD.decode("utf-8"),
             "<table>\n <caption>三、收到和处理政府信息公开申请情况</caption><!-- c -->\n"
             "<thead><tr><th>申请人情况</th><th> 自然人 </th></tr></thead>\n<tfoot><tr><td>合计</td></tr></tfoot>"
             "<tbody>\n<tr><td>一、本年新收</td><td>\u00a012</td></tr>\n<tr><td>二、上年结转</td><td>3</td></tr>"
             "</tbody></table><table><tr><td>四、</td></tr></table><table></table>"]
    for page in pages:
        for table in LexborHTMLParser(page).css("table"):
            whole = table.text(separator="")
            for n in (0, 1, 7, 30, 80, len(whole), len(whole) + 5):
                assert html._text_head(table, n) == whole[:n]


def test_row_lines_made_with_the_grid_are_row_line():
    # expand makes a row's line itself when every position is a cell of its own; a row with a
    # colspan, a copy of a rowspan from above or a position no cell covers goes through row_line.
    from selectolax.lexbor import LexborHTMLParser

    spans = ("<table><tr><td rowspan=2 colspan=2>甲</td><td>1</td></tr><tr><td>2</td></tr>"
             "<tr><td colspan=2>乙</td><td></td></tr><tr><td rowspan=3>丙</td><td>3</td><td>4</td></tr>"
             "<tr><td>5</td></tr><tr><td>6</td><td>7</td><td>8</td><td>9</td></tr>"
             "<tr><td>丁</td><td colspan=2 rowspan=2>戊</td></tr><tr><td>10</td></tr></table>")
    for page in (WORD.decode("utf-8"), spans):
        for table in LexborHTMLParser(page).css("table"):
            rows, ids, lines = html._expand(table)
            assert lines == [html.row_line(row, rid) for row, rid in zip(rows, ids)]
            assert (rows, ids) == html.expand(table)
