"""Crafted pages for the shared page assembly (ingest/parse/page/assemble.py)."""

from __future__ import annotations

from ingest.parse.page.assemble import Page, drop_furniture
from ingest.parse.page.lines import Line


def _line(text: str, top: float, page: int) -> Line:
    chars = [{"text": t, "x0": 20.0 + 10 * i, "x1": 30.0 + 10 * i, "top": top, "bottom": top + 10,
              "size": 10.0, "upright": True} for i, t in enumerate(text)]
    return Line(chars=chars, top=top, bottom=top + 10, page=page)


def test_running_heads_read_by_ocr_with_a_stray_mark_are_still_furniture():
    """OCR reads the browser's running head of one page with a trailing "_" the others lack:
    numbers, spaces and punctuation aside the heads are alike, so they go (else they stand
    between the halves of a table cut by the page break)."""
    heads = ["12/7/26,4:54 AM示范县人民政府2023年报告示范县", "12/7/26,4:54 AM示范县人民政府2023年报告_示范县",
             "12/7/26,4:54 AM示范县人民政府2023年报告_示范县"]
    pages = []
    for n, head in enumerate(heads, start=1):
        page = Page(number=n, width=600, height=800, n_chars=100)
        page.lines = [_line(head, 10, n), _line("正文第一行", 300, n), _line(f"file:///x/page.html {n}/3", 770, n)]
        pages.append(page)
    drop_furniture(pages)
    assert [[ln.text for ln in p.lines] for p in pages] == [["正文第一行"]] * 3


def test_margin_lines_that_differ_in_words_are_kept():
    pages = []
    for n, head in enumerate(["第一章 总体情况", "第二章 主动公开"], start=1):
        page = Page(number=n, width=600, height=800, n_chars=100)
        page.lines = [_line(head, 10, n), _line("正文", 300, n)]
        pages.append(page)
    drop_furniture(pages)
    assert [len(p.lines) for p in pages] == [2, 2]
