"""Crafted pages for the shared page assembly (ingest/parse/page/assemble.py)."""

from __future__ import annotations

import pytest

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


def test_a_label_read_by_ocr_with_gaps_inside_its_word_is_one_piece():
    """OCR estimates each character's box inside the word it read, leaving gaps of up to half a
    character (（一) | 予以 | 公 | 开 on a scan): such characters (they carry the recogniser's
    score) stay one label piece; printed characters a third of a character apart are two
    (the padding between a group label and a row's own label)."""
    from ingest.parse.page.borderless import _label_pieces

    def chars(conf):
        out, x = [], 100.0
        for t in "（一)予以公开":
            c = {"text": t, "x0": x, "x1": x + 8, "top": 0, "bottom": 14, "size": 14.0}
            if conf:
                c["conf"] = 0.9
            out.append(c)
            x += 8 + 5.0  # 5 pt: over a fifth, under half of a 14 pt character
        return out

    line = Line(chars=[], top=0, bottom=14, page=1)
    assert [p[0] for p in _label_pieces(chars(True), line)] == ["（一)予以公开"]
    assert len(_label_pieces(chars(False), line)) == 7


def test_zeros_ocr_read_as_the_letter_o_in_a_row_of_numbers_are_zeros():
    """OCR read table 4's row of zeros on a scan as "O O O … O": on a line whose every word is a
    run of digits or of O, the O runs are zeros (readers/ocr_page.py); a line with any other
    word keeps its O."""
    from ingest.parse.readers.ocr_page import zeros_read_as_letters

    def words(texts, top):
        return [{"text": t, "x0": 40.0 * i, "x1": 40.0 * i + 8, "top": top, "bottom": top + 12}
                for i, t in enumerate(texts)]

    row = words(["O", "O", "1", "OO", "3"], 100)
    text = words(["WORD", "O", "1"], 200) + words(["O", "1"], 300)
    zeros_read_as_letters(row + text)
    assert [w["text"] for w in row] == ["0", "0", "1", "00", "3"]
    assert [w["text"] for w in text] == ["WORD", "O", "1", "O", "1"]


def test_a_table_read_from_ocr_text_lines_carries_each_words_ocr_provenance():
    """A table printed without rules is read from its text lines; on an OCR'd page its cells
    are read "ocr", each with the score (and checks) of the words it came from — the OCR
    checks of mapping/ocr_check.py see them as they see a ruled table's cells."""
    from ingest.parse.page.assemble import assemble
    from ingest.parse.readers.ocr_page import Provenance

    def words(text: str, top: float, x: float, conf: float, **extra) -> list[dict]:
        out = []
        for t in text:
            out.append({"text": t, "x0": x, "x1": x + 10, "top": top, "bottom": top + 10, "size": 10.0,
                        "upright": True, "conf": conf, "page_number": 1, **extra})
            x += 10
        return out

    chars = (words("二、主动公开政府信息情况", 100, 20, 0.99)
             + words("行政处罚", 130, 20, 0.99) + words("1", 130, 200, 0.917, upright_one=False)
             + words("行政强制", 150, 20, 0.99) + words("12", 150, 200, 0.95, mark_left=False))
    page = Page(number=1, width=600, height=800, n_chars=len(chars), n_images=1)
    page.lines = [Line(chars=ln, top=ln[0]["top"], bottom=ln[0]["bottom"], page=1)
                  for ln in (chars[:12], chars[12:17], chars[17:])]
    prov = Provenance()
    prov.add(1, chars, 0.48)
    doc = assemble([page], [], kind="pdf", cell_meta=prov)
    (block,) = doc.section_blocks("table2")
    assert block.rows == [["行政处罚", "1"], ["行政强制", "12"]]
    assert all(type(c) is str for row in block.rows for c in row)  # plain text in the form
    slash, twelve = block.meta[0][1], block.meta[1][1]
    assert (slash["read"], slash["page"], slash["confidence"], slash["upright_one"]) == ("ocr", 1, 0.917, False)
    assert (twelve["read"], twelve["confidence"], twelve["mark_left"]) == ("ocr", 0.95, False)
    assert slash["bbox"] == [round(200 / 0.48, 1), round(130 / 0.48, 1), round(210 / 0.48, 1), round(140 / 0.48, 1)]
    # a printed page (no OCR provenance) keeps no meta: its cells are printed
    assert assemble([page], [], kind="pdf").section_blocks("table2")[0].meta is None


def test_header_words_read_by_ocr_name_their_columns_across_gaps_inside_a_word():
    """A borderless table 3 whose header OCR read (blanks' scan): OCR leaves a gap inside 企业
    as it does inside any word; cut there, 商业 would stand over 企 and 业 and read as a word
    over two columns, naming none, and the table's numbers could not be placed. Printed
    characters a point apart stay two words (LibreOffice's narrow columns)."""
    from ingest.parse.page.borderless import header_columns

    def line(words: list[tuple[str, float]], top: float, conf) -> Line:
        chars = []
        for text, x in words:
            for t in text:
                c = {"text": t, "x0": x, "x1": x + 10.5, "top": top, "bottom": top + 11, "size": 11.0}
                if conf:
                    c["conf"] = 0.99
                chars.append(c)
                x += 12.0  # OCR's estimated boxes: 1.5 pt apart inside a word
        return Line(chars=chars, top=top, bottom=top + 11, page=1)

    def header(conf) -> list[Line]:
        return [line([("自然人", 212), ("法人或其他组织", 300), ("总计", 456)], 0, conf),
                line([("商业", 260), ("科研", 298), ("社会", 338), ("法律", 375), ("其他", 416)], 20, conf),
                line([("企业", 261), ("机构", 300), ("公益", 340), ("服务", 377)], 40, conf)]

    found = header_columns(header(True), 7, 210)
    assert found is not None
    centres, _ = found
    assert centres == pytest.approx([229, 271, 310, 350, 388, 427, 468], abs=1.5)
    assert header_columns(header(False), 7, 210) is None  # printed: 企 and 业 are two words


def test_ocr_lines_of_a_wrapped_label_and_the_numbers_between_them_stay_apart():
    """gbk_2022's scan: 4.保护第三 / 方合法权益 wrapped in a narrow cell, the row's numbers centred
    between the two lines. OCR's boxes are its detected lines', padded around the ink, so the
    numbers' box overlaps each label line's by half: read by the boxes the three were one
    line, the label's characters interleaved ("4方.合保护法第权三益"). Read by their middle
    parts (lines._core) they are three lines; printed characters keep their full boxes."""
    from ingest.parse.page.lines import cluster_lines

    def word(text, x, top, bottom, conf=0.99):
        out = []
        for t in text:
            c = {"text": t, "x0": x, "x1": x + 9, "top": top, "bottom": bottom, "size": 10.0}
            if conf is not None:
                c["conf"] = conf
            out.append(c)
            x += 9.5
        return out

    def chars(conf):  # points of the scan at 150 dpi (0.48 pt a pixel)
        return (word("4.保护第三", 145, 316.8, 336.0, conf) + word("2", 223, 326.9, 342.2, conf)
                + word("1", 264, 327.4, 341.8, conf) + word("方合法权益", 145, 334.1, 353.3, conf))

    assert [ln.text for ln in cluster_lines(chars(0.99))] == ["4.保护第三", "2 1", "方合法权益"]
    assert len(cluster_lines(chars(None))) < 3  # the same boxes printed: as before
