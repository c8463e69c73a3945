"""The PDF front end's geometry on PDFs drawn here, so each layout trap is checked on its own.

Pages are drawn with matplotlib (a project dependency) in a CJK TrueType font that mplfonts
ships, embedded as Type 42 so pdfplumber reads real characters with real boxes: the same
input the front end meets in published reports, without needing ../shared.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.parse.readers import pdf

matplotlib = pytest.importorskip("matplotlib")
mplfonts = pytest.importorskip("mplfonts")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

FONT = Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"
W, H = 595.0, 842.0  # A4 in points


class Sketch:
    """A multi-page A4 PDF drawn in PDF points from the top-left corner, like pdfplumber's."""

    def __init__(self) -> None:
        if not FONT.is_file():
            pytest.skip(f"no CJK font at {FONT}")
        self.pages: list[list[tuple]] = [[]]

    def new_page(self) -> Sketch:
        self.pages.append([])
        return self

    def text(self, x: float, top: float, s: str, size: float = 12, rotation: float = 0) -> Sketch:
        """Text whose box starts at (x, top); rotation in degrees, anticlockwise."""
        self.pages[-1].append(("text", x, top, s, size, rotation))
        return self

    def line(self, x0: float, y0: float, x1: float, y1: float, color: str = "black") -> Sketch:
        self.pages[-1].append(("line", x0, y0, x1, y1, color))
        return self

    def fill(self, x0: float, y0: float, x1: float, y1: float, color: str = "white") -> Sketch:
        self.pages[-1].append(("fill", x0, y0, x1, y1, color))
        return self

    def grid(self, xs: list[float], ys: list[float], skip: set[tuple] = frozenset()) -> Sketch:
        """Rules along every x in xs and y in ys; `skip` leaves out pieces:
        ("h", i, j) the horizontal rule at ys[i] between xs[j] and xs[j+1];
        ("v", j, i) the vertical rule at xs[j] between ys[i] and ys[i+1]."""
        for i, y in enumerate(ys):
            for j in range(len(xs) - 1):
                if ("h", i, j) not in skip:
                    self.line(xs[j], y, xs[j + 1], y)
        for j, x in enumerate(xs):
            for i in range(len(ys) - 1):
                if ("v", j, i) not in skip:
                    self.line(x, ys[i], x, ys[i + 1])
        return self

    def pdf_bytes(self) -> bytes:
        matplotlib.rcParams["pdf.fonttype"] = 42
        buf = io.BytesIO()
        with PdfPages(buf) as pages:
            for items in self.pages:
                fig = plt.figure(figsize=(W / 72, H / 72))
                fig.patch.set_alpha(0)
                for it in items:
                    if it[0] == "text":
                        _, x, top, s, size, rotation = it
                        fig.text(x / W, 1 - top / H, s, va="top", ha="left", rotation=rotation,
                                 rotation_mode="anchor" if rotation % 90 else "default",
                                 fontproperties=FontProperties(fname=str(FONT), size=size))
                    elif it[0] == "line":
                        _, x0, y0, x1, y1, color = it
                        fig.add_artist(Line2D([x0 / W, x1 / W], [1 - y0 / H, 1 - y1 / H],
                                              color=color, lw=0.6))
                    else:
                        _, x0, y0, x1, y1, color = it
                        fig.add_artist(Rectangle((x0 / W, 1 - y1 / H), (x1 - x0) / W, (y1 - y0) / H,
                                                 facecolor=color, edgecolor="none", zorder=-1))
                pages.savefig(fig)
                plt.close(fig)
        return buf.getvalue()


def _block(doc, section):
    blocks = doc.section_blocks(section)
    assert len(blocks) == 1, [b.origin for b in doc.blocks]
    return blocks[0]


def _distinct(row: list[str], ids: list[int]) -> list[str]:
    """A grid row with each printed cell once (colspan copies removed)."""
    seen, out = set(), []
    for text, i in zip(row, ids):
        if i not in seen:
            seen.add(i)
            out.append(text)
    return out


# ---- one page ------------------------------------------------------------------------------

def _results_table(s: Sketch, top: float = 120) -> Sketch:
    """A table-3-like fragment: a vertical label down the left, a label wrapped over two
    lines whose numbers sit between those lines, and a colspan header."""
    xs = [70, 100, 290, 360, 430]
    ys = [top, top + 30, top + 60, top + 100, top + 130]
    # Header row: 项目 spans both label columns; the vertical label spans rows 1–3.
    s.grid(xs, ys, skip={("v", 1, 0), ("h", 2, 0), ("h", 3, 0)})
    s.text(150, top + 9, "项目").text(305, top + 9, "自然人").text(380, top + 9, "总计")
    for k, ch in enumerate("三、办理结果"):
        s.text(79, top + 33 + 15.5 * k, ch)
    s.text(105, top + 39, "（一）予以公开").text(318, top + 39, "14").text(388, top + 39, "14")
    # The wrapped label: its first line above, its second below the line of its numbers.
    s.text(105, top + 64, "（二）部分公开（区分处理的，")
    s.text(105, top + 84, "只计这一情形）")
    s.text(322, top + 74, "3").text(392, top + 74, "3")
    s.text(105, top + 109, "（三）不予公开").text(322, top + 109, "0").text(392, top + 109, "0")
    return s


def test_wrapped_label_stays_in_its_row_and_vertical_label_spans_its_rows():
    s = Sketch().text(90, 80, "三、收到和处理政府信息公开申请情况", size=16)
    doc = pdf.extract(_results_table(s).pdf_bytes())
    block = _block(doc, "table3")
    assert block.grid is True
    distinct = [_distinct(r, i) for r, i in zip(block.rows, block.cell_ids)]
    assert distinct == [
        ["项目", "自然人", "总计"],
        ["三、办理结果", "（一）予以公开", "14", "14"],
        ["三、办理结果", "（二）部分公开（区分处理的，只计这一情形）", "3", "3"],
        ["三、办理结果", "（三）不予公开", "0", "0"],
    ]
    # One printed cell, repeated in the rows it spans: the same id in each.
    label_ids = {row[0] for row in block.cell_ids[1:]}
    assert len(label_ids) == 1
    # …and no character of it leaked into any other cell.
    for row in block.rows:
        for cell in row[1:]:
            assert "办" not in cell and "结" not in cell
    assert all(len(r) == len(block.rows[0]) for r in block.rows)


def test_colspan_value_is_one_cell():
    s = Sketch().text(90, 80, "二、主动公开政府信息情况", size=16)
    xs, ys = [70, 200, 300, 400, 500], [120, 150, 180, 210]
    s.grid(xs, ys, skip={("v", 2, 2), ("v", 3, 2)})
    s.text(75, 129, "信息内容").text(210, 129, "本年制发件数").text(310, 129, "本年废止件数")
    s.text(410, 129, "现行有效件数")
    s.text(75, 159, "规章").text(245, 159, "0").text(345, 159, "0").text(445, 159, "2")
    s.text(75, 189, "行政许可").text(340, 189, "18468")
    doc = pdf.extract(s.pdf_bytes())
    block = _block(doc, "table2")
    assert block.rows[2] == ["行政许可", "18468", "18468", "18468"]
    assert len(set(block.cell_ids[2][1:])) == 1
    assert block.rows[1] == ["规章", "0", "0", "2"]


def test_white_background_boxes_are_not_tables():
    # WPS puts a white box behind every text line; they touch and would look like a table.
    s = Sketch()
    for k, text in enumerate(["一、总体情况", "本年度共主动公开政府信息1136条。", "二、主动公开政府信息情况"]):
        top = 100 + 27 * k
        s.fill(70, top - 3, 520, top + 24)
        s.text(80, top, text, size=16)
    doc = pdf.extract(s.pdf_bytes())
    assert doc.blocks == []
    assert "本年度共主动公开政府信息1136条。" in doc.narrative.splitlines()


def test_white_rules_are_invisible():
    s = Sketch().text(90, 80, "四、政府信息公开行政复议、行政诉讼情况", size=16)
    s.grid([70, 200, 330], [120, 150, 180])
    s.line(135, 120, 135, 180, color="white")  # drawn but not seen: no column boundary
    s.text(75, 129, "行政复议").text(205, 129, "行政诉讼").text(75, 159, "1").text(205, 159, "2")
    doc = pdf.extract(s.pdf_bytes())
    assert _block(doc, "table4").rows == [["行政复议", "行政诉讼"], ["1", "2"]]


@pytest.mark.parametrize("rotation", [270, 90], ids=["clockwise", "anticlockwise"])
def test_label_turned_sideways_reads_in_order(rotation):
    # Word's "text direction" turns a tall label cell's text by 90° instead of stacking it.
    s = Sketch().text(90, 80, "三、收到和处理政府信息公开申请情况", size=16)
    xs, ys = [70, 100, 290, 360], [120, 150, 180, 210, 240]
    s.grid(xs, ys, skip={("h", 1, 0), ("h", 2, 0), ("h", 3, 0)})
    s.text(79, 122, "三、本年度办理结果", rotation=rotation)
    for k, (label, v) in enumerate([("（一）予以公开", "5"), ("（二）部分公开", "1"),
                                    ("（三）不予公开", "0"), ("（四）无法提供", "2")]):
        s.text(105, 129 + 30 * k, label).text(322, 129 + 30 * k, v)
    block = _block(pdf.extract(s.pdf_bytes()), "table3")
    assert [r[0] for r in block.rows] == ["三、本年度办理结果"] * 4
    assert [r[1:] for r in block.rows] == [["（一）予以公开", "5"], ["（二）部分公开", "1"],
                                           ["（三）不予公开", "0"], ["（四）无法提供", "2"]]


def test_slanted_watermark_stays_out_of_text_and_cells():
    s = Sketch().text(106, 80, "六、其他需要报告的事项", size=16)
    s.text(106, 107, "全年收取政府信息公开信息处理费0元。", size=16)
    s.text(90, 200, "四、政府信息公开行政复议、行政诉讼情况", size=16)
    s.grid([70, 200, 330], [240, 270, 300])
    s.text(75, 249, "行政复议").text(205, 249, "行政诉讼").text(75, 279, "1").text(205, 279, "2")
    s.text(120, 320, "内部资料请勿外传", size=40, rotation=35)  # across the table and text
    doc = pdf.extract(s.pdf_bytes())
    assert doc.narrative.splitlines() == ["六、其他需要报告的事项", "全年收取政府信息公开信息处理费0元。",
                                          "四、政府信息公开行政复议、行政诉讼情况"]
    assert _block(doc, "table4").rows == [["行政复议", "行政诉讼"], ["1", "2"]]
    assert any("rotated characters" in w for w in doc.warnings)


# ---- running text --------------------------------------------------------------------------

def test_title_over_two_lines_paragraphs_and_cjk_spacing():
    s = Sketch()
    s.text(219, 80, "洪泽区人民政府", size=22)
    s.text(128, 113, "2023", size=22).text(180, 113, "年政府信息公开工作年度报告", size=22)
    body = 16
    s.text(106, 153, "本报告由淮安市洪泽区人民政府办公室根据《中华人民共和", size=body)
    s.text(74, 180, "国政府信息公开条例》要求编制此报告，如有疑问请联系。", size=body)
    s.text(106, 207, "统计期限自", size=body).text(190, 207, "2023", size=body)
    s.text(230, 207, "年", size=body).text(250, 207, "1", size=body).text(262, 207, "月止。", size=body)
    s.text(106, 234, "邮箱：", size=body).text(154, 234, "hzzwgk@126.com Times Roman", size=body)
    s.text(106, 261, "六、其他需要报告的事项", size=body)
    s.text(106, 288, "全年收取政府信息公开信息处理费", size=body).text(354, 288, "0", size=body)
    s.text(366, 288, "元。", size=body)
    s.text(290, 800, "- 1 -", size=10)
    doc = pdf.extract(s.pdf_bytes())
    assert doc.title == "洪泽区人民政府2023年政府信息公开工作年度报告"
    lines = doc.narrative.splitlines()
    assert lines[0] == doc.title
    assert "统计期限自2023年1月止。" in lines
    assert "邮箱：hzzwgk@126.com Times Roman" in lines
    assert lines[-2:] == ["六、其他需要报告的事项", "全年收取政府信息公开信息处理费0元。"]
    assert not any("- 1 -" in ln for ln in doc.text.splitlines())


def test_paragraph_runs_over_a_page_break():
    s = Sketch()
    s.text(106, 700, "一、总体情况", size=16)
    s.text(106, 727, "加强政府门户网站日常管理，运用第三方检测平台实行常", size=16)
    s.text(74, 754, "态化监测，执行信息审核发布制度。严格执行“分级审核、", size=16)
    s.text(74, 781, "先审后发”程序。严格执行三审三校制度，从严从实把好政", size=16)
    s.text(290, 815, "- 1 -", size=10)
    s.new_page()
    s.text(74, 80, "治关。", size=16)
    s.text(106, 107, "二、主动公开政府信息情况", size=16)
    doc = pdf.extract(s.pdf_bytes())
    paras = doc.narrative.splitlines()
    assert paras[1].startswith("加强政府门户网站") and paras[1].endswith("从严从实把好政治关。")
    assert paras[2] == "二、主动公开政府信息情况"


# ---- tables across pages -------------------------------------------------------------------

def _split_table(closed_cut: bool, repeat_header: bool = False) -> bytes:
    """A results table cut by a page break inside （四）.

    Columns: the vertical label 三、本年度办理结果, the group label （四）…, the item label,
    then two value columns.
    closed_cut=False: Word left the cut unruled under the running label cells, and the
    vertical label's characters continue on the next page (Hongze 2023).
    closed_cut=True: the cut is ruled on both pages and the running label cells restart
    blank on the next page (Hongze 2024).
    """
    xs = [70, 100, 180, 330, 400, 470]
    s = Sketch().text(90, 560, "三、收到和处理政府信息公开申请情况", size=16)
    ys1 = [600, 630, 660, 690, 720, 760]
    skip1 = {("v", 1, 0), ("v", 2, 0), ("v", 1, 1), ("v", 2, 1), ("v", 2, 2), ("v", 2, 3),
             ("h", 3, 0), ("h", 4, 0)}
    if not closed_cut:
        skip1 |= {("h", 5, 0), ("h", 5, 1)}
    s.grid(xs, ys1, skip=skip1)
    s.text(110, 609, "项目").text(345, 609, "自然人").text(415, 609, "总计")
    s.text(105, 639, "一、本年新收申请数量").text(360, 639, "12").text(430, 639, "12")
    for k, ch in enumerate("三、本年度"):
        s.text(79, 665 + 18 * k, ch)
    s.text(105, 669, "（一）予以公开").text(362, 669, "5").text(432, 669, "5")
    s.text(105, 699, "（二）部分公开").text(362, 699, "2").text(432, 699, "2")
    s.text(103, 734, "（四）无法提供", size=10).text(185, 734, "1.本机关不掌握").text(362, 734, "4")
    s.text(432, 734, "4")
    s.text(290, 800, "- 1 -", size=10)
    s.new_page()
    ys2 = [80, 110, 140, 170]
    skip2 = {("h", 1, 0), ("h", 1, 1), ("v", 1, 2), ("v", 2, 2)}
    if not closed_cut:
        skip2 |= {("h", 0, 0), ("h", 0, 1)}
    if repeat_header:
        s.grid(xs, [50, 80], skip={("v", 1, 0), ("v", 2, 0)})
        s.text(110, 59, "项目").text(345, 59, "自然人").text(415, 59, "总计")
    s.grid(xs, ys2, skip=skip2)
    if not closed_cut:
        for k, ch in enumerate("办理结果"):
            s.text(79, 84 + 14 * k, ch)
    s.text(185, 89, "2.没有现成信息").text(362, 89, "1").text(432, 89, "1")
    s.text(185, 119, "3.补正后仍不明确").text(362, 119, "0").text(432, 119, "0")
    s.text(105, 149, "四、结转下年度继续办理").text(362, 149, "0").text(432, 149, "0")
    s.text(90, 200, "四、政府信息公开行政复议、行政诉讼情况", size=16)
    s.text(290, 800, "- 2 -", size=10)
    return s.pdf_bytes()


def _expected_split_rows(closed_cut: bool) -> list[list[str]]:
    label = "三、本年度" if closed_cut else "三、本年度办理结果"
    return [
        ["项目", "自然人", "总计"],
        ["一、本年新收申请数量", "12", "12"],
        [label, "（一）予以公开", "5", "5"],
        [label, "（二）部分公开", "2", "2"],
        [label, "（四）无法提供", "1.本机关不掌握", "4", "4"],
        [label, "（四）无法提供", "2.没有现成信息", "1", "1"],
        [label, "（四）无法提供", "3.补正后仍不明确", "0", "0"],
        ["四、结转下年度继续办理", "0", "0"],
    ]


@pytest.mark.parametrize("closed_cut", [False, True], ids=["open-cut", "ruled-cut"])
def test_table_cut_by_a_page_break_is_one_grid(closed_cut):
    doc = pdf.extract(_split_table(closed_cut))
    block = _block(doc, "table3")
    assert block.origin == "pdf pages 1-2"
    distinct = [_distinct(r, i) for r, i in zip(block.rows, block.cell_ids)]
    assert distinct == _expected_split_rows(closed_cut)
    # The running label cells are one cell each across the break.
    col0 = {row[0] for row in block.cell_ids[2:7]}
    assert len(col0) == 1
    col1 = {row[1] for row in block.cell_ids[4:7]}
    assert len(col1) == 1


def test_header_repeated_on_the_next_page_is_dropped():
    doc = pdf.extract(_split_table(closed_cut=True, repeat_header=True))
    block = _block(doc, "table3")
    distinct = [_distinct(r, i) for r, i in zip(block.rows, block.cell_ids)]
    assert distinct == _expected_split_rows(True)


def test_tables_with_text_between_them_stay_apart():
    s = Sketch()
    s.text(90, 80, "二、主动公开政府信息情况", size=16)
    s.grid([70, 300, 500], [120, 150, 180])
    s.text(75, 129, "信息内容").text(305, 129, "本年处理决定数量").text(75, 159, "行政许可").text(390, 159, "9")
    s.text(90, 220, "三、收到和处理政府信息公开申请情况", size=16)
    s.grid([70, 300, 500], [260, 290, 320])
    s.text(75, 269, "申请人").text(305, 269, "自然人").text(75, 299, "一、本年新收申请数量").text(390, 299, "7")
    doc = pdf.extract(s.pdf_bytes())
    assert [b.section for b in doc.blocks] == ["table2", "table3"]
    assert doc.blocks[1].rows == [["申请人", "自然人"], ["一、本年新收申请数量", "7"]]


def test_heading_printed_inside_the_table_names_its_section():
    s = Sketch().text(90, 80, "二、主动公开政府信息情况", size=16)
    s.grid([70, 300, 500], [120, 150, 180])
    s.text(75, 129, "信息内容").text(305, 129, "本年处理决定数量").text(75, 159, "行政许可").text(390, 159, "9")
    # Table 3 follows at once, its heading in a full-width first row of its own frame.
    s.grid([70, 300, 500], [220, 250, 280, 310], skip={("v", 1, 0)})
    s.text(75, 229, "三、收到和处理政府信息公开申请情况")
    s.text(75, 259, "申请人").text(305, 259, "自然人").text(75, 289, "一、本年新收申请数量").text(390, 289, "7")
    doc = pdf.extract(s.pdf_bytes())
    assert [b.section for b in doc.blocks] == ["table2", "table3"]


# ---- tables drawn without rules ------------------------------------------------------------

def test_unruled_table_falls_back_to_text_lines():
    s = Sketch().text(90, 80, "三、收到和处理政府信息公开申请情况", size=16)
    rows = [("一、本年新收政府信息公开申请数量", "21", "0", "21"),
            ("二、上年结转政府信息公开申请数量", "0", "0", "0")]
    for k, (label, *values) in enumerate(rows):
        top = 120 + 25 * k
        s.text(75, top, label, size=10.5)
        for j, v in enumerate(values):
            s.text(330 + 50 * j, top, v, size=10.5)
    s.text(90, 200, "四、政府信息公开行政复议、行政诉讼情况", size=16)
    doc = pdf.extract(s.pdf_bytes())
    block = _block(doc, "table3")
    assert block.grid is False
    assert block.rows == [list(r) for r in rows]
    assert any("no ruled table" in w for w in doc.warnings)


def test_rows_ruled_without_column_rules_fall_back_to_text_lines():
    s = Sketch().text(90, 80, "四、政府信息公开行政复议、行政诉讼情况", size=16)
    s.grid([70, 520], [115, 140, 165])  # a frame and row rules, no column rules
    s.text(75, 121, "行政复议", size=10.5).text(330, 121, "维持", size=10.5).text(400, 121, "纠正", size=10.5)
    s.text(75, 146, "结果", size=10.5).text(330, 146, "3", size=10.5).text(400, 146, "1", size=10.5)
    doc = pdf.extract(s.pdf_bytes())
    block = _block(doc, "table4")
    assert block.grid is False
    assert block.rows == [["行政复议 维持 纠正"], ["结果", "3", "1"]]


# ---- one small table per row ---------------------------------------------------------------

def test_one_table_per_row_is_stacked_under_its_header_or_left_null():
    # Table 3 printed as a header table and one table per row, touching, each with its own
    # column rules; the third row prints two value cells for three columns (a merged cell).
    s = Sketch().text(90, 80, "三、收到和处理政府信息公开申请情况", size=16)
    s.grid([70, 250, 330, 410, 500], [120, 150])
    s.text(75, 129, "申请人情况").text(255, 129, "自然人").text(335, 129, "商业企业").text(415, 129, "总计")
    s.grid([70, 230, 320, 400, 500], [150, 180])
    s.text(75, 159, "一、本年新收").text(270, 159, "5").text(350, 159, "1").text(440, 159, "6")
    s.grid([70, 270, 350, 420, 500], [180, 210])
    s.text(75, 189, "二、上年结转").text(300, 189, "0").text(380, 189, "0").text(450, 189, "0")
    s.grid([70, 260, 400, 500], [210, 240])
    s.text(75, 219, "（一）予以公开").text(320, 219, "4").text(440, 219, "4")
    doc = pdf.extract(s.pdf_bytes())
    block = _block(doc, "table3")
    rows = [_distinct(r, i) for r, i in zip(block.rows, block.cell_ids)]
    assert rows[0] == ["申请人情况", "自然人", "商业企业", "总计"]
    assert rows[1] == ["一、本年新收", "5", "1", "6"]
    assert rows[2] == ["二、上年结转", "0", "0", "0"]
    assert block.rows[3][-3:] == ["", "", ""]  # never "4" under 自然人 and 商业企业
    assert block.meta[3][-1]["note"].startswith("its row's value cells could not be placed")
    assert any("（一）予以公开" in w and "certainty" in w for w in doc.warnings)


def test_unruled_table3_places_numbers_by_column_or_leaves_the_row_null():
    s = Sketch().text(90, 80, "三、收到和处理政府信息公开申请情况", size=16)
    cols = [300, 330, 360, 390, 420, 450, 480]  # 自然人 … 总计, seven columns
    rows = [("一、本年新收政府信息公开申请数量", ["12", "2", "0", "0", "1", "0", "15"]),
            ("二、上年结转政府信息公开申请数量", ["3", "1", "0", "0", "0", "0", "4"]),
            ("（一）予以公开", ["9", None, "0", "0", "1", "0", "10"]),   # a blank cell
            ("（二）部分公开", ["1", "0", "0", "0", "0", "0", "1"])]
    for k, (label, values) in enumerate(rows):
        top = 120 + 22 * k
        s.text(75, top, label, size=10.5)
        for x, v in zip(cols, values):
            if v is not None:
                s.text(x, top, v, size=10.5)
    s.text(75, 120 + 22 * 4, "（三）不予公开", size=10.5).text(345, 120 + 22 * 4, "7", size=10.5)  # between columns
    s.text(90, 260, "四、政府信息公开行政复议、行政诉讼情况", size=16)
    doc = pdf.extract(s.pdf_bytes())
    block = _block(doc, "table3")
    assert block.rows[2] == ["（一）予以公开", "9", "", "0", "0", "1", "0", "10"]  # the blank kept in place
    assert block.rows[4] == ["（三）不予公开", "", "", "", "", "", "", ""]  # 7 stands between two columns
    assert any("（三）不予公开" in w and "cannot be told by position" in w for w in doc.warnings)
