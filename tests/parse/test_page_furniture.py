"""Running heads and feet of printed and scanned pages (page/assemble.drop_furniture), and a
title wrapped before its last characters (mapping/metadata.find_title).

A browser prints "12/7/26, 4:54 AM <page title>" at the top of every page and "file:///… 3/4"
at the foot. Left in, such a line stands between the halves of a table cut by a page break
(the halves are then read as two tables, the second under no header) and can pass for the
report's title. OCR reads the same line a little differently from page to page.
"""

from __future__ import annotations

from ingest.parse.layout import Document
from ingest.parse.mapping import metadata
from ingest.parse.page.assemble import Page, drop_furniture
from ingest.parse.page.lines import Line

HEIGHT = 792.0


def _line(text: str, top: float) -> Line:
    chars = [{"text": ch, "x0": 30 + 10 * i, "x1": 39 + 10 * i, "top": top, "bottom": top + 9, "size": 9}
             for i, ch in enumerate(text)]
    return Line(chars=chars, top=top, bottom=top + 9)


def _page(number: int, head: str, body: list[str], foot: str) -> Page:
    lines = [_line(head, 10)] + [_line(t, 100 + 30 * i) for i, t in enumerate(body)] + [_line(foot, 770)]
    return Page(number=number, width=595.0, height=HEIGHT, lines=lines, n_chars=100)


def _texts(page: Page) -> list[str]:
    return [ln.text for ln in page.lines]


def test_running_heads_that_ocr_read_a_little_differently_are_dropped():
    heads = ["12/7/26,4:54 AM示范县人民政府2023年年度报告示范县人民政府",  # OCR lost the "_"
             "12/7/26,4:54 AM示范县人民政府2023年年度报告_示范县人民政府",
             "12/7/26, 4:54 AM示范县人民政府2023年年度报告_示范县人民政府",
             "12/7/26,4:54 AM示范县人民政府2023年年度报告_示范县人民政府"]
    pages = [_page(i + 1, h, [f"正文第{i + 1}页"], f"file:///tmp/page.html {i + 1}/4") for i, h in enumerate(heads)]
    drop_furniture(pages)
    assert [_texts(p) for p in pages] == [[f"正文第{i + 1}页"] for i in range(4)]


def test_a_head_misread_on_one_page_of_four_is_still_furniture_but_not_on_one_of_two():
    heads = ["示范县人民政府门户网站", "示范县人民政府门户网站", "示苑县人民政府门户网站", "示范县人民政府门户网站"]
    pages = [_page(i + 1, h, ["正文"], f"- {i + 1} -") for i, h in enumerate(heads)]
    drop_furniture(pages)
    assert [_texts(p) for p in pages] == [["正文"]] * 4
    two = [_page(1, "示范县人民政府门户网站", ["正文"], "- 1 -"), _page(2, "示苑县人民政府门户网站", ["正文"], "- 2 -")]
    drop_furniture(two)
    assert [_texts(p)[0] for p in two] == ["示范县人民政府门户网站", "示苑县人民政府门户网站"]  # alike on no two


def test_text_in_the_margin_of_one_page_only_is_kept():
    pages = [_page(1, "示范县人民政府2023年政府信息公开工作年度报告", ["正文"], "- 1 -"),
             _page(2, "二、主动公开政府信息情况", ["正文"], "- 2 -")]
    drop_furniture(pages)
    assert _texts(pages[0])[0] == "示范县人民政府2023年政府信息公开工作年度报告"
    assert _texts(pages[1])[0] == "二、主动公开政府信息情况"
    assert _texts(pages[0])[-1] == "正文"  # the page numbers are alike but for their digits


def test_a_title_wrapped_before_its_last_character_is_read_whole():
    lines = ["示范县人民政府>政府信息公开>政府信息公开年报", "示范县人民政府2023年政府信息公开工作年度报", "告",
             "一、总体情况"]
    doc = Document(kind="pdf", text="\n".join(lines))
    assert metadata.find_title(doc, lines) == "示范县人民政府2023年政府信息公开工作年度报告"
    # a short line after a title-like line is not glued on
    lines = ["示范县人民政府2023年政府信息公开工作年度报告", "附件", "一、总体情况"]
    assert metadata.find_title(Document(kind="pdf", text=""), lines) == "示范县人民政府2023年政府信息公开工作年度报告"
