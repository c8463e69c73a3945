"""The OCR front end: scanned PDFs and pictures read like their text originals.

Inputs are made by tests/fixtures/scans/make_scans.py (committed scans of an HTML fixture
printed by Chromium; scans of ../shared/corpus pages made at test time only). OCR costs about
6–10 CPU-seconds a page, so the reading tests are few, small and marked slow; the guards are
crafted files refused before any OCR runs.
"""

from __future__ import annotations

import copy
import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from ingest.errors import NeedsTool, NotAReport, UserError
from ingest.parse import parse_bytes, parse_path, sniff_kind
from ingest.parse.readers import image_bundle
from ingest.parse.readers import ocr
from ingest.parse.mapping import ocr_check

REPO = Path(__file__).resolve().parents[2]
SCANS = REPO / "tests" / "fixtures" / "scans"
HTML = REPO / "tests" / "fixtures" / "html"
sys.path.insert(0, str(SCANS))
import make_scans  # noqa: E402

TABLES = ("table2", "table3", "table4")


def _cells(report: dict, tables=TABLES) -> dict:
    out = {}
    for t in tables:
        for row, cols in (report.get(t) or {}).items():
            if isinstance(cols, dict):
                for col, v in cols.items():
                    if ((report["raw"].get(t) or {}).get(row) or {}).get(col) is not None:
                        out[(t, row, col)] = v
    return out


def _compare(ocr_report: dict, ref: dict, tables=TABLES, rows=None) -> tuple[int, int, list]:
    """(cells printed in the reference, cells OCR read the same, cells OCR read differently
    and not null: wrong numbers)."""
    want = {k: v for k, v in _cells(ref, tables).items() if rows is None or k[1] in rows}
    got = _cells(ocr_report, tables)
    same = sum(1 for k, v in want.items() if k in got and got[k] == v)
    wrong = [(k, got[k], v) for k, v in want.items() if got.get(k) is not None and got[k] != v]
    return len(want), same, wrong


def _assert_reads_like(ocr_report, ref, tables=TABLES, rows=None):
    n, same, wrong = _compare(ocr_report, ref, tables, rows)
    assert n > 0
    assert not wrong, wrong
    assert same >= 0.98 * n, (same, n)


def _assert_ocr_meta(report):
    metas = [m for t in TABLES for row in (report["cell_meta"].get(t) or {}).values()
             for m in (row or {}).values() if m]
    assert metas and all(m["read"] == "ocr" for m in metas)
    read = [m for m in metas if m["confidence"] is not None]
    assert len(read) >= 0.9 * len(metas)
    assert all(0 <= m["confidence"] <= 1 and m["page"] >= 1 and len(m["bbox"]) == 4 for m in read)


# ---- reading ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_scanned_pdf_reads_what_the_html_reads():
    ref = parse_path(HTML / "word_2021.html")
    got = parse_path(SCANS / "word_2021_scan.pdf")
    _assert_reads_like(got, ref)
    _assert_ocr_meta(got)
    assert (got["year"], got["templates"], got["table3_shape"]) == (ref["year"], ref["templates"],
                                                                    ref["table3_shape"])
    assert any("read by OCR" in w for w in got["warnings"])


# A picture must be read without any network access: the models ship inside the wheel.
_NO_NETWORK = r"""
import json, sys
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        raise RuntimeError(f"network access during OCR: {event} {args!r}")
sys.addaudithook(hook)
from ingest.parse import parse_bytes
r = parse_bytes(open(sys.argv[1], "rb").read(), filename="page2.png")
print(json.dumps({"table3": r["table3"], "raw": r["raw"], "cell_meta": r["cell_meta"]}, default=str))
"""


@pytest.mark.slow
def test_picture_reads_offline_what_the_html_reads(tmp_path):
    proc = subprocess.run([sys.executable, "-c", _NO_NETWORK, str(SCANS / "word_2021_p2.png")],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    ref = parse_path(HTML / "word_2021.html")
    # page 2 of the print holds table 3 from its heading to 6.属于四类过程性信息
    rows = ["new", "carried_over", "granted", "partial", "deny_state_secret", "deny_law_forbidden",
            "deny_security_stability", "deny_third_party", "deny_internal_affairs", "deny_process_info"]
    got["raw"].setdefault("table2", None)
    _assert_reads_like({**got, "table2": None, "table4": None}, ref, ("table3",), rows)
    assert got["cell_meta"]["table3"]["new"]["total"]["read"] == "ocr"


@pytest.mark.slow
@pytest.mark.corpus
def test_hongze_with_scanned_pages_reads_what_the_text_layer_reads(monkeypatch):
    # Pages 3–4 (the end of table 2, tables 3 and 4) scanned back into the text PDF: tables
    # continue from a text page onto an OCR'd one and every cell still reads as printed.
    from tests.conftest import corpus_file

    data = corpus_file("hongze_2023.pdf").read_bytes()
    ref = parse_bytes(data, filename="hongze_2023.pdf")
    mixed = make_scans.mix_scanned(data, [3, 4], seed=7)
    monkeypatch.setenv("INGEST_OCR_WORKERS", "2")  # the two pages in a process pool
    got = parse_bytes(mixed, filename="hongze_2023_mixed.pdf")
    n, same, wrong = _compare(got, ref)
    assert not wrong and same == n == 186, (same, n, wrong)
    assert (got["year"], got["title"]) == (ref["year"], ref["title"])
    reads = {m["read"] for t in TABLES for row in got["cell_meta"][t].values() for m in row.values() if m}
    assert reads == {"printed", "ocr"}
    assert got["cell_meta"]["table3"]["new"]["total"]["page"] == 3


# ---- the arithmetic check -----------------------------------------------------------------

@pytest.fixture(scope="module")
def html_report():
    return parse_path(HTML / "word_2021.html")


def _as_ocr(report, **reads):
    """The HTML reading with every table cell marked OCR'd and some cells read otherwise."""
    r = copy.deepcopy(report)
    for t in ("table3", "table4"):
        for cols in r["cell_meta"][t].values():
            for m in (cols or {}).values():
                if m:
                    m.update(read="ocr", confidence=0.99)
    for spec, text in reads.items():
        row, col = spec.split("__")
        r["raw"]["table3"][row][col] = text
        r["table3"][row][col] = None if text is None else int(text)
    return r


def test_a_lone_stroke_is_the_null_mark_never_the_numeral_one():
    from ingest.parse.readers.ocr_image import _DASH_LINE
    from ingest.values import parse_value

    assert parse_value("一") == 1  # why: the number reader takes a lone 一 for 1
    assert all(_DASH_LINE.match(t) for t in ("一", "一一", "—", "－", "-"))
    assert not any(_DASH_LINE.match(t) for t in ("一、", "10", "一般"))


def test_readings_of_the_same_glyphs():
    assert {7, 10, 11, 71, 41} <= ocr_check.readings("1")
    assert {6, 9, 0, 3} <= ocr_check.readings("8")
    assert 4 in ocr_check.readings("44") and 5 not in ocr_check.readings("44")


def test_one_reading_that_balances_is_taken(html_report):
    assert html_report["table3"]["partial"]["natural_person"] == 6
    r = ocr_check.check(_as_ocr(html_report, partial__natural_person="8"))
    assert r["table3"]["partial"]["natural_person"] == 6
    assert r["raw"]["table3"]["partial"]["natural_person"] == "8"  # what OCR read stays visible
    m = r["cell_meta"]["table3"]["partial"]["natural_person"]
    assert m["candidates"] == 1 and "t3_row_total" in m["rules"] and "corrected" in m["note"]
    assert any("corrected to 6" in w for w in r["warnings"])


def test_several_readings_that_balance_leave_nulls(html_report):
    # Row `partial` read 8 0 0 0 0 0 | 6, and no column rule to decide (the other rows
    # unread): 8→6 and 6→8 both mend the row, so neither is taken.
    r = _as_ocr(html_report, partial__natural_person="8", partial__commercial="0",
                partial__other_org="0", partial__total="6")
    for row in r["table3"]:
        if row != "partial":
            r["table3"][row] = dict.fromkeys(r["table3"][row])
    r = ocr_check.check(r)
    assert r["table3"]["partial"]["natural_person"] is None and r["table3"]["partial"]["total"] is None
    warning = next(w for w in r["warnings"] if w.startswith("OCR check"))
    assert "'8'" in warning and "'6'" in warning and "null" in warning


def test_a_break_no_reading_explains_is_left_to_validation(html_report):
    r = ocr_check.check(_as_ocr(html_report, partial__natural_person="2"))
    assert r["table3"]["partial"]["natural_person"] == 2
    assert not any(w.startswith("OCR check") for w in r["warnings"])


def test_low_confidence_numbers_need_a_rule_to_confirm_them(html_report):
    r = _as_ocr(html_report)
    r["cell_meta"]["table3"]["partial"]["natural_person"]["confidence"] = 0.41  # row and column hold
    r["cell_meta"]["table2"]["permits"]["decisions"].update(read="ocr", confidence=0.41)  # no rule
    r = ocr_check.check(r)
    assert r["table3"]["partial"]["natural_person"] == 6
    assert r["table2"]["permits"]["decisions"] is None
    assert any("table2 permits/decisions" in w and "0.41" in w for w in r["warnings"])


def test_printed_cells_are_never_changed(html_report):
    r = copy.deepcopy(html_report)
    r["table3"]["partial"]["natural_person"] = 8
    r["raw"]["table3"]["partial"]["natural_person"] = "8"
    assert ocr_check.check(r)["table3"]["partial"]["natural_person"] == 8


# ---- sniffing, bundles --------------------------------------------------------------------

def _png(w: int, h: int, body: bytes = b"") -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", body or zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def test_pictures_and_bundles_are_sniffed_by_content():
    from PIL import Image

    for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF"):
        buf = io.BytesIO()
        Image.new("L", (40, 40), 255).save(buf, fmt)
        assert sniff_kind(buf.getvalue(), "report.html") == "images", fmt
    bundle = image_bundle.write([("a.png", _png(4, 4))], "https://example.gov.cn/nb.html")
    assert sniff_kind(bundle, "x.zip") == "images"
    assert bundle == image_bundle.write([("a.png", _png(4, 4))], "https://example.gov.cn/nb.html")
    assert sniff_kind(b"BMW annual text\n", "a.txt") == "text"  # "BM" alone is not a bitmap


def test_bundle_image_not_matching_its_manifest_is_refused():
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(image_bundle.write([("a.png", _png(40, 40))])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:  # same manifest, another picture under its name
        zf.writestr(image_bundle.MANIFEST, src.read(image_bundle.MANIFEST))
        zf.writestr("001-a.png", _png(41, 40))
    with pytest.raises(UserError, match="does not match its manifest"):
        parse_bytes(out.getvalue(), filename="bundle")


# ---- guards: crafted files refused before OCR ---------------------------------------------

def test_png_declaring_100000_by_100000_pixels_is_refused_before_decoding():
    with pytest.raises(UserError, match="pixels.*decompression bomb"):
        parse_bytes(_png(100_000, 100_000), filename="bomb.png")


def test_truncated_picture_is_damaged_not_a_blank_report():
    data = (SCANS / "word_2021_p2.png").read_bytes()
    with pytest.raises(UserError, match="damaged PNG picture"):
        parse_bytes(data[: len(data) * 6 // 10], filename="cut.png")


def test_picture_over_the_byte_cap_is_refused():
    with pytest.raises(UserError, match="bytes"):
        parse_bytes(_png(40, 40) + b"\0" * (ocr.MAX_IMAGE_BYTES + 1), filename="huge.png")


def test_pdf_page_too_large_to_render_is_refused():
    big = make_scans.to_pdf([_pil(40, 40)])
    # Declare the page 200 inches square (14400 pt): 900 M pixels at 150 dpi.
    big = big.replace(b"/MediaBox [ 0 0 19.2 19.2 ]", b"/MediaBox [ 0 0 14400 14400 ]")
    assert b"14400" in big
    with pytest.raises(UserError, match="M pixels"):
        parse_bytes(big, filename="poster.pdf")


def test_too_many_scanned_pages_are_refused():
    pages = [_pil(20, 20)] * (ocr.MAX_PAGES + 1)
    with pytest.raises(UserError, match=f"at most {ocr.MAX_PAGES}"):
        parse_bytes(make_scans.to_pdf(pages), filename="long.pdf")


def test_bundle_of_too_many_pictures_is_refused():
    bundle = image_bundle.write([(f"{i}.png", _png(20, 20)) for i in range(image_bundle.MAX_IMAGES + 1)])
    with pytest.raises(UserError, match="at most"):
        parse_bytes(bundle, filename="bundle")


def test_ocr_time_limit_per_document(monkeypatch):
    monkeypatch.setattr(ocr, "TIME_LIMIT", 0.0)
    with pytest.raises(UserError, match="OCR stopped after 0 s with 0 of 1 page"):
        parse_bytes((SCANS / "word_2021_p2.png").read_bytes(), filename="p2.png")


def test_missing_ocr_engine_is_needs_tool_not_a_broken_report(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # as if the package were not installed
    with pytest.raises(NeedsTool, match="OCR engine") as info:
        parse_bytes((SCANS / "word_2021_p2.png").read_bytes(), filename="p2.png")
    assert info.value.tool == "rapidocr"


def test_blank_scan_says_ocr_found_no_text():
    with pytest.raises(NotAReport, match="no text layer.*OCR found no text"):
        parse_bytes(make_scans.to_pdf([_pil(300, 400)]), filename="blank.pdf")


def _pil(w, h):
    from PIL import Image

    return Image.new("L", (w, h), 255)


# ---- a lost sign ----------------------------------------------------------------------------

def _printed_number(text: str, rule: bool = True):
    """A 40-px-high strip of a table cell: a vertical rule, then `text` drawn in ink."""
    import cv2
    import numpy as np

    img = np.full((40, 160), 255, np.uint8)
    if rule:
        img[:, 10:12] = 0
    cv2.putText(img, text, (18, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
    return cv2.GaussianBlur(img, (3, 3), 0.7)


def _digits_box(img, first_digit_x: int) -> dict:
    import numpy as np

    xs = np.nonzero((img[:, first_digit_x:] < 160).any(axis=0))[0]
    return {"x0": float(first_digit_x), "x1": float(first_digit_x + xs.max() + 1), "top": 2.0, "bottom": 38.0}


def test_ink_left_of_unsigned_digits_is_flagged():
    from ingest.parse.readers.ocr_image import mark_unread_signs

    minus = _printed_number("-18")
    plain = _printed_number("18")
    # where the digits start: the ink runs right of the rule are the minus, then the digits
    runs, x = [], 14
    while x < minus.shape[1]:
        if (minus[:, x] < 160).any():
            s = x
            while x < minus.shape[1] and (minus[:, x] < 160).any():
                x += 1
            runs.append((s, x))
        x += 1
    digits_x = runs[1][0]  # runs: the minus, then the digits
    words = [{"text": "18", "conf": 1.0, **_digits_box(minus, digits_x - 2)}]  # box grazes the sign
    mark_unread_signs(minus, words, 36.0)
    assert words[0]["mark_left"] is True
    words = [{"text": "18", "conf": 1.0, **_digits_box(plain, 16)}]
    mark_unread_signs(plain, words, 36.0)
    assert words[0]["mark_left"] is False  # the rule alone is no mark
    words = [{"text": "-18", "conf": 1.0, **_digits_box(minus, 16)}]
    mark_unread_signs(minus, words, 36.0)
    assert "mark_left" not in words[0]  # a read sign needs no check
    speck = plain.copy()
    speck[20, 15] = 0  # one pixel of dust between the rule and the digits
    words = [{"text": "18", "conf": 1.0, **_digits_box(speck, 16)}]
    mark_unread_signs(speck, words, 36.0)
    assert words[0]["mark_left"] is False


@pytest.fixture(scope="module")
def report_2019():
    return parse_path(HTML / "report_2019.html")


def _table2_ocr(report, raw_change: str, mark_left):
    r = copy.deepcopy(report)
    for cols in r["cell_meta"]["table2"].values():
        for m in (cols or {}).values():
            if m:
                m.update(read="ocr", confidence=1.0, mark_left=False)
    r["raw"]["table2"]["permits"]["items_change"] = raw_change
    r["table2"]["permits"]["items_change"] = int(raw_change)
    r["cell_meta"]["table2"]["permits"]["items_change"]["mark_left"] = mark_left
    return r


def test_a_signed_column_read_without_its_sign_is_kept_only_with_clean_ink(report_2019):
    assert report_2019["table2"]["permits"]["items_change"] == -18
    # OCR dropped the minus and the page shows ink before the digits: null, one warning
    r = ocr_check.check(_table2_ocr(report_2019, "18", True))
    assert r["table2"]["permits"]["items_change"] is None
    assert "may be negative" in r["cell_meta"]["table2"]["permits"]["items_change"]["note"]
    assert sum("table2 permits/items_change" in w and "minus" in w for w in r["warnings"]) == 1
    # no evidence either way (no digit shapes found): null too
    assert ocr_check.check(_table2_ocr(report_2019, "18", None))["table2"]["permits"]["items_change"] is None
    # clean ink: kept; a sign read: kept; zero has no sign; counts are not signed columns
    assert ocr_check.check(_table2_ocr(report_2019, "18", False))["table2"]["permits"]["items_change"] == 18
    assert ocr_check.check(_table2_ocr(report_2019, "-18", True))["table2"]["permits"]["items_change"] == -18
    assert ocr_check.check(_table2_ocr(report_2019, "0", True))["table2"]["permits"]["items_change"] == 0
    r = _table2_ocr(report_2019, "-18", False)
    r["cell_meta"]["table2"]["permits"]["decisions"]["mark_left"] = True
    assert ocr_check.check(r)["table2"]["permits"]["decisions"] == 9876


def _ink_word(img) -> dict:
    import numpy as np

    ys, xs = np.nonzero(img < 160)
    return {"text": "1", "conf": 0.92, "x0": float(xs.min() - 2), "x1": float(xs.max() + 3),
            "top": float(ys.min() - 4), "bottom": float(ys.max() + 5)}


def test_a_slash_read_as_1_is_told_from_an_upright_1_by_its_ink():
    """Real cells of a 150 dpi scan (bench print-variation's scan of the blanks fixture): the
    "/" of table 2's 行政处罚 that OCR read "1" (score 0.917, a genuine 1 scores 0.91–0.95)
    and a genuine 1 of its table 3. The slash's stroke leans; the 1 stands upright."""
    import numpy as np
    from PIL import Image
    from ingest.parse.readers.ocr_image import mark_upright_ones

    slash = np.asarray(Image.open(SCANS / "blanks_slash_read_as_1.png").convert("L"))
    one = np.asarray(Image.open(SCANS / "blanks_upright_1.png").convert("L"))
    words = [_ink_word(slash)]
    mark_upright_ones(slash, words)
    assert words[0]["upright_one"] is False
    words = [_ink_word(one)]
    mark_upright_ones(one, words)
    assert words[0]["upright_one"] is True
    # a cell rule running through the word's box is no glyph: it cannot vouch for the slash
    ruled = slash.copy()
    box = _ink_word(slash)
    ruled[:, int(box["x0"]) - 1:int(box["x0"]) + 1] = 0
    words = [box]
    mark_upright_ones(ruled, words)
    assert words[0]["upright_one"] is False
    words = [{**_ink_word(one), "text": "12"}]  # only a lone 1 is checked
    mark_upright_ones(one, words)
    assert "upright_one" not in words[0]


def _ocr_cells(report, upright_one):
    r = copy.deepcopy(report)
    for table in TABLES:
        for cols in (r["cell_meta"].get(table) or {}).values():
            for m in (cols or {}).values():
                if m:
                    m.update(read="ocr", confidence=0.99, mark_left=False, upright_one=True)
    r["raw"]["table2"]["penalties"]["decisions"] = "1"
    r["table2"]["penalties"]["decisions"] = 1
    r["cell_meta"]["table2"]["penalties"]["decisions"]["upright_one"] = upright_one
    return r


def test_a_lone_1_is_kept_only_when_its_ink_stands_upright_or_a_rule_confirms_it():
    ref = parse_path(HTML / "word_2021.html")
    # a slash read "1" (its stroke leans), in table 2 (no rule to confirm it): null, one warning
    r = ocr_check.check(_ocr_cells(ref, False))
    assert r["table2"]["penalties"]["decisions"] is None
    assert "slash" in r["cell_meta"]["table2"]["penalties"]["decisions"]["note"]
    assert sum("table2 penalties/decisions read '1'" in w for w in r["warnings"]) == 1
    # ink never checked (the words it came from were not kept): null too
    r = ocr_check.check(_ocr_cells(ref, None))
    assert r["table2"]["penalties"]["decisions"] is None
    assert "could not be checked" in r["cell_meta"]["table2"]["penalties"]["decisions"]["note"]
    # an upright 1: kept, nothing said
    r = ocr_check.check(_ocr_cells(ref, True))
    assert r["table2"]["penalties"]["decisions"] == 1
    assert not any("read '1'" in w for w in r["warnings"])
    # a leaning 1 of table 3 that the row and column totals confirm: kept
    cell = next((row, col) for row, cols in ref["table3"].items() if isinstance(cols, dict)
                for col, v in cols.items() if v == 1 and col != "total")
    r = _ocr_cells(ref, True)
    r["raw"]["table3"][cell[0]][cell[1]] = "1"
    r["cell_meta"]["table3"][cell[0]][cell[1]]["upright_one"] = False
    assert ocr_check.check(r)["table3"][cell[0]][cell[1]] == 1


def test_an_ocr_page_of_one_row_tables_is_read_band_by_band_as_a_printed_page_is():
    """rowtables printed and scanned: every row a table of its own, sizing its own columns, so
    the rules of one end where the next one's start elsewhere. Read as one lattice the rows'
    cells were cut apart (a label over two columns, values shifted); the OCR'd page goes
    through the same band-by-band reading as a printed one (grid.build_table): the rows stack
    under the header's columns."""
    from ingest.parse.readers.ocr_page import to_page

    rules, words = [], []

    def table(top, bottom, xs, texts):
        rules.extend([(True, float(top), 0.0, 400.0), (True, float(bottom), 0.0, 400.0)])
        rules.extend((False, float(x), float(top), float(bottom)) for x in xs)
        for (a, b), t in zip(zip(xs, xs[1:]), texts):
            words.append({"text": t, "conf": 0.99, "x0": a + 4.0, "x1": a + 4.0 + 8 * len(t),
                          "top": top + 8.0, "bottom": bottom - 8.0})

    table(0, 40, [0, 100, 200, 300, 400], ["情况", "自然人", "法人", "总计"])
    table(40, 80, [0, 30, 100, 200, 300, 400], ["一", "予以", "1", "2", "3"])
    table(80, 120, [0, 60, 100, 200, 300, 400], ["二", "部分", "4", "5", "9"])
    raw = {"number": 1, "width": 400, "height": 600, "char_h": 24.0, "words": words, "rules": rules}
    page, _ = to_page(raw, 1.0)
    (grid,) = page.grids
    values = [[t for t in row if t.isdigit()] for row in grid.expand()[0]]
    assert values == [[], ["1", "2", "3"], ["4", "5", "9"]]
    assert grid.n_cols <= 5 and len(grid.expand()[0][1]) == len(grid.expand()[0][0])
    assert [row[-3:] for row in grid.expand()[0]] == [["自然人", "法人", "总计"], ["1", "2", "3"], ["4", "5", "9"]]


def test_numbers_of_a_row_without_rules_the_detector_missed_are_read_again():
    """gbk_2022's table 4 (no rules) scanned: fifteen zeros printed, the page-wide detector read
    nine. The marks of the row it left unread are read again one by one and kept only as
    numbers read with near certainty, so the row holds its 15 numbers and can be placed."""
    import numpy as np
    from PIL import Image
    from ingest.parse.readers.ocr_image import row_second_look

    img = np.asarray(Image.open(SCANS / "gbk_2022_table4_row.png").convert("L"))
    read = [(104, 33, 143, 64), (177, 34, 204, 61), (244, 34, 273, 60), (614, 28, 654, 62),
            (670, 28, 711, 62), (726, 30, 772, 60), (802, 25, 843, 62), (857, 24, 899, 62),
            (919, 24, 954, 61)]
    words = [{"text": "0", "conf": 0.99, "x0": float(a), "top": float(t), "x1": float(b), "bottom": float(u)}
             for a, t, b, u in read]
    found = row_second_look(img, words, 38.0)
    assert [w["text"] for w in found] == ["0"] * 6
    assert all(w["second_look"] and w["conf"] >= 0.97 for w in found)
    xs = sorted([w["x0"] for w in words] + [w["x0"] for w in found])
    assert len(xs) == 15 and min(b - a for a, b in zip(xs, xs[1:])) > 30  # one per column
    # the header line above, its boxes reaching into the row's band, hides none of its marks
    header = [{"text": t, "conf": 0.99, "x0": x, "top": -12.0, "x1": x + 20, "bottom": 30.0}
              for t, x in zip("维持纠正结果审结", range(20, 1000, 120))]
    assert len(row_second_look(img, words + header, 38.0)) == 6
    # a line with fewer numbers read is no row of a table: nothing is looked for
    assert row_second_look(img, words[:2], 38.0) == []


def test_numbers_of_neighbouring_columns_read_as_one_word_are_cut_where_their_ink_is():
    """Two zeros of neighbouring columns of a table 4 printed without rules (a real scan): read
    as one word "00", or as two words whose padded boxes touch (then the line's tokens join
    them into "00"), the row is a number short. The boxes are cut to the ink: two numbers."""
    import numpy as np
    from PIL import Image
    from ingest.parse.page.lines import gapped_tokens
    from ingest.parse.readers.ocr_image import split_spaced_digits

    img = np.asarray(Image.open(SCANS / "gbk_2022_table4_row.png").convert("L"))
    word = {"text": "00", "conf": 0.99, "x0": 614.0, "top": 28.0, "x1": 711.0, "bottom": 62.0}
    cut = split_spaced_digits(img, [word], 38.0)
    assert [w["text"] for w in cut] == ["0", "0"] and cut[0]["x1"] < cut[1]["x0"] - 20
    touching = [{**word, "text": "0", "x1": 662.0}, {**word, "text": "0", "x0": 662.0}]
    chars = [{**w, "size": 16.0} for w in split_spaced_digits(img, touching, 38.0)]
    assert [t for t, _, _ in gapped_tokens(chars)] == ["0", "0"]
    # a number's own digits touch: never cut
    twelve = {**word, "text": "10", "x0": 600.0, "x1": 660.0}  # one zero's ink: one mark, two digits
    assert [w["text"] for w in split_spaced_digits(img, [twelve], 38.0)] == ["10"]


def test_a_rule_that_drifts_a_pixel_along_its_run_is_still_a_rule():
    """rowtables' scan, page 3: the column rule between 其他 and 总计 drifts a pixel or two
    along its 800-pixel run (the page turned, then straightened), so its box is 9 pixels wide
    though its stroke is 3 or 4 thick. Judged by its box it was no rule, two columns read as
    one ("0 0") and every row of that table was null; by its mean thickness it is a rule."""
    import numpy as np
    from PIL import Image
    from ingest.parse.readers.ocr_image import find_rules

    img = np.asarray(Image.open(SCANS / "rowtables_jagged_rule.png").convert("L"))
    found = [r for r in find_rules(img, [], 37.0) if not r[0]]
    assert len(found) == 1
    horizontal, pos, a, b = found[0]
    assert 20 <= pos <= 30 and b - a > 700
