"""The gate on page-laid readings (ingest/parse/mapping/gate.py): a table whose cells were placed
from page geometry is shipped only when the template's identities do not contradict it.

Built from the real HTML front end's reading of a fixture, marked `from_geometry` as the page
assembly marks its blocks, then cut the ways a page break cuts a table: every continuation row
shifted by a column, table 4 short of numbers, a row whose label is not beside its values. The
same blocks unmarked (an HTML or Word reading) map exactly as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse.layout import Block
from ingest.parse.mapping import gate
from ingest.parse.mapping.mapper import build_report
from ingest.parse.readers import html

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def _doc(name: str = "word_2021.html", geometry: bool = True):
    doc = html.extract((HTML / name).read_bytes())
    for b in doc.blocks:
        b.from_geometry = geometry
    return doc


def _block(doc, section: str) -> Block:
    (b,) = [b for b in doc.blocks if b.section == section]
    return b


@pytest.mark.parametrize("name", sorted(p.name for p in HTML.glob("*.html")
                                         if p.stem not in ("not_a_report", "truncated")))
def test_a_faithful_page_laid_reading_ships_as_the_html_does(name):
    assert build_report(_doc(name)) == build_report(_doc(name, geometry=False))


def test_subtotals_confirm_their_rows():
    doc = _doc("subtotals_28x8.html")
    t3 = _block(doc, "table3")
    sub = next(i for i, r in enumerate(t3.rows) if "小计" in r[2] and "不予公开" in r[1])
    t3.rows[sub], t3.rows[sub + 2] = (t3.rows[sub][:3] + t3.rows[sub + 2][3:],
                                      t3.rows[sub + 2][:3] + t3.rows[sub][3:])  # values swapped
    r = build_report(doc)
    assert all(v is None for cols in r["table3"].values() for v in cols.values())
    assert any("t3_subtotal_row" in w for w in r["warnings"])


def test_slips_needed_counts_the_cells_every_broken_identity_shares():
    assert gate.slips_needed([]) == 0
    one = [{("a", "x"), ("b", "x")}, {("a", "x"), ("a", "y")}, {("a", "x"), ("c", "x")}]
    assert gate.slips_needed(one) == 1
    two = [{("a", "x")}, {("b", "y")}]
    assert gate.slips_needed(two) == 2
    ten = [{(f"r{i}", "total")} for i in range(10)]
    assert gate.slips_needed(ten) == gate.SLIPS + 1


def _shift_rows(block: Block, first: int, last: int) -> None:
    """Rows first..last read one column to the left, as a continuation printed with one label
    column fewer is read: the total column takes the next row's total."""
    for r in range(first, last + 1):
        row = block.rows[r]
        nxt = block.rows[r + 1] if r + 1 < len(block.rows) else row
        n = len(row)
        vals = row[n - 7:]
        row[n - 7:] = vals[1:] + [nxt[-1]]


def test_a_shifted_continuation_nulls_table3_with_one_warning_naming_the_identities():
    doc = _doc()
    t3 = _block(doc, "table3")
    _shift_rows(t3, 8, 20)
    r = build_report(doc)
    assert all(v is None for cols in r["table3"].values() for v in cols.values())
    gated = [w for w in r["warnings"] if "break" in w and "identities" in w]
    assert len(gated) == 1 and "t3_row_total" in gated[0]
    # the printed text stays under raw; provenance says why the value is null
    assert r["raw"]["table3"]["granted"]["natural_person"] is not None
    assert "identities" in r["cell_meta"]["table3"]["granted"]["natural_person"]["note"]
    # the same shifted cells from markup are the publisher's: kept as printed
    doc2 = _doc(geometry=False)
    _shift_rows(_block(doc2, "table3"), 8, 20)
    assert build_report(doc2)["table3"]["granted"]["natural_person"] is not None


def test_a_publishers_slip_is_shipped():
    doc = _doc()
    t3 = _block(doc, "table3")
    truth = build_report(_doc(geometry=False))
    # one printed cell off by one: breaks its row total, its column's balance and outcome total
    row = next(i for i, r in enumerate(t3.rows) if "予以公开" in r[1] and r[-1].isdigit())
    t3.rows[row][-7] = str(int(t3.rows[row][-7]) + 1)
    r = build_report(doc)
    assert r["table3"]["granted"]["natural_person"] == truth["table3"]["granted"]["natural_person"] + 1
    assert not [w for w in r["warnings"] if "identities" in w]


def test_table4_short_of_numbers_is_never_placed_by_order():
    def short(geometry: bool):
        doc = _doc(geometry=geometry)
        t4 = _block(doc, "table4")
        doc.blocks[doc.blocks.index(t4)] = Block(rows=[["10", "1", "0", "0", "11", "0", "2", "0", "1", "3"]],
                                                 section="table4", from_geometry=geometry)
        return build_report(doc)

    r = short(True)
    assert all(v is None for g in r["table4"].values() for v in g.values())
    assert any("fewer numbers than cells" in w for w in r["warnings"])
    assert short(False)["table4"]["review"]["upheld"] == 10  # text / markup: as before


def test_table4_in_template_order_is_kept_only_when_its_totals_prove_it():
    def flat(numbers: list[str]):
        doc = _doc()
        t4 = _block(doc, "table4")
        doc.blocks[doc.blocks.index(t4)] = Block(rows=[numbers], section="table4", from_geometry=True)
        return build_report(doc)

    ok = flat(["1", "1", "0", "0", "2", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"])
    assert ok["table4"]["review"] == {"upheld": 1, "corrected": 1, "other": 0, "pending": 0, "total": 2}
    bad = flat(["1", "0", "0", "2", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0", "1"])
    assert all(v is None for g in bad["table4"].values() for v in g.values())


def test_a_row_placed_by_template_order_is_null_unless_the_arithmetic_proves_it():
    def unlabelled(key_label: str):
        doc = _doc()
        t3 = _block(doc, "table3")
        flat = []
        for row, ids in zip(t3.rows, t3.cell_ids):
            cells = [t for k, t in enumerate(row) if k == 0 or ids[k] != ids[k - 1]]
            if key_label in "".join(cells[:-7]):
                cells = cells[-7:]  # its label not beside its values
            flat.append(cells)
        doc.blocks[doc.blocks.index(t3)] = Block(rows=flat, section="table3", from_geometry=True)
        return build_report(doc)

    r = unlabelled("重复申请")
    assert all(v is None for v in r["table3"]["reject_duplicate"].values())
    assert any("reject_duplicate" in w and "template order" in w for w in r["warnings"])
    truth = build_report(_doc(geometry=False))
    assert r["table3"]["reject_petition"] == truth["table3"]["reject_petition"]
    # （七）总计 alone on one side of the outcome total: the arithmetic proves its place
    r = unlabelled("（七）总计")
    assert r["table3"]["total"] == truth["table3"]["total"]


def test_a_header_naming_only_some_columns_nulls_table3():
    doc = _doc()
    t3 = _block(doc, "table3")
    for r in (0, 1):
        t3.rows[r] = [t if t not in ("科研机构", "社会公益组织", "法律服务机构", "其他", "总计") else ""
                      for t in t3.rows[r]]
    r = build_report(doc)
    assert all(v is None for cols in r["table3"].values() for v in cols.values())
    assert any("header names no column for research" in w for w in r["warnings"])


def test_a_row_with_fewer_values_than_columns_is_not_placed_from_the_left():
    def short(geometry: bool):
        doc = _doc(geometry=geometry)
        t3 = _block(doc, "table3")
        flat = []
        for row, ids in zip(t3.rows, t3.cell_ids):
            cells = [t for k, t in enumerate(row) if k == 0 or ids[k] != ids[k - 1]]
            if "重复申请" in "".join(cells[:-7]):
                cells = cells[:-7] + cells[-2:]  # two of its seven values printed
            flat.append(cells)
        doc.blocks[doc.blocks.index(t3)] = Block(rows=flat, section="table3", from_geometry=geometry)
        return build_report(doc)

    assert all(v is None for v in short(True)["table3"]["reject_duplicate"].values())
    assert short(False)["table3"]["reject_duplicate"]["natural_person"] is not None  # as before


def test_a_label_cut_into_pieces_reads_as_one_label():
    """Page assembly can cut a row label where its characters stand apart (OCR's character
    boxes: "（一)" "予以" "公" "开"): the pieces read together name the row, and the row's
    values stay where the HTML has them."""
    doc = _doc()
    t3 = _block(doc, "table3")
    i = next(i for i, r in enumerate(t3.rows) if r[1] == "（一）予以公开")
    top = max(max(r) for r in t3.cell_ids) + 1
    t3.rows[i][:3] = ["予以", "公", "开"]
    t3.cell_ids[i][:3] = [top, top + 1, top + 2]
    got = build_report(doc)
    assert got["table3"] == build_report(_doc(geometry=False))["table3"]
