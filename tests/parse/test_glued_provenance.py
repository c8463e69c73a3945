"""Per-cell provenance (Block.meta → parser `cell_meta` → loader `cells` columns).

The glued-text decoder is the first front end to fill it; the same plumbing carries the OCR and
PDF front ends' pages, boxes and confidences.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ingest.load import flatten, store
from ingest.parse import parse_path
from ingest.parse.mapping import mapper
from ingest.parse.layout import Block, Document

REPO = Path(__file__).resolve().parents[2]
HANYIN = REPO / "tests" / "fixtures" / "hanyin_2023_text.txt"


def _doc(blocks: list[Block]) -> Document:
    return Document(kind="text", text="某县人民政府2023年政府信息公开工作年度报告", blocks=blocks,
                    title="某县人民政府2023年政府信息公开工作年度报告")


def test_printed_cells_default_to_printed_and_absent_cells_have_no_meta():
    report = parse_path(HANYIN)
    meta = report["cell_meta"]
    n = 0
    for table in ("table2", "table3", "table4"):
        for row, cols in report["raw"][table].items():
            for col, raw in cols.items():
                m = meta[table][row][col]
                if raw is None:
                    assert m is None
                else:
                    n += 1
                    assert m == {"read": "printed", "page": None, "bbox": None, "confidence": None,
                                 "candidates": None, "rules": None, "note": None}
    assert n > 60


def test_block_meta_reaches_cell_meta_and_undecided_cells_are_null():
    t4 = ["行政复议", *["0"] * 15]
    meta4 = [None] + [{"read": "ocr", "page": 3, "bbox": [10.0, 20.0, 30.0, 40.0],
                       "confidence": 0.91}] * 15
    t2 = [["规章", "0", "0", "0"], ["行政规范性文件", "164640", "164640", "164640"],
          ["行政许可", "112"]]
    undecided = {"read": "recovered", "candidates": 9, "undecided": True,
                 "note": "'164640' splits 9 ways"}
    meta2 = [None, [None, undecided, undecided, undecided],
             [None, {"read": "recovered", "candidates": 1, "rules": ["row_columns"]}]]
    doc = _doc([Block(rows=t2, section="table2", meta=meta2),
                Block(rows=[t4], section="table4", meta=[meta4])])
    report = mapper.build_report(doc)
    cm = report["cell_meta"]
    assert cm["table4"]["review"]["upheld"]["read"] == "ocr"
    assert cm["table4"]["review"]["upheld"]["page"] == 3
    assert cm["table4"]["review"]["upheld"]["confidence"] == 0.91
    nd = report["table2"]["normative_documents"]
    assert nd == {"issued": None, "repealed": None, "in_force": None}  # never 164640
    assert report["raw"]["table2"]["normative_documents"]["issued"] == "164640"
    assert cm["table2"]["normative_documents"]["issued"]["undecided"] is True
    assert report["table2"]["permits"]["decisions"] == 112
    assert cm["table2"]["permits"]["decisions"]["rules"] == ["row_columns"]
    assert cm["table2"]["regulations"]["issued"]["read"] == "printed"
    assert cm["table3"] is None  # no table 3 printed

    cells = flatten.cells(report)
    rows = {(t, r, c): i for i, (t, r, c) in enumerate(zip(cells["table_key"], cells["row_key"],
                                                          cells["column_key"]))}
    i = rows[("table4", "review", "upheld")]
    assert (cells["read_method"][i], cells["page_no"][i], cells["bbox"][i],
            cells["read_confidence"][i]) == ("ocr", 3, [10.0, 20.0, 30.0, 40.0], 0.91)
    i = rows[("table2", "normative_documents", "issued")]
    assert cells["value"][i] is None and cells["read_method"][i] == "recovered"
    assert json.loads(cells["read_detail"][i]) == {"candidates": 9, "note": "'164640' splits 9 ways",
                                                   "undecided": True}
    i = rows[("table2", "regulations", "issued")]
    assert cells["read_method"][i] == "printed" and cells["read_detail"][i] is None


def test_an_older_parsed_database_gains_the_provenance_columns(tmp_path):
    path = tmp_path / "parsed.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE cells (report_id VARCHAR NOT NULL, parser_version VARCHAR NOT NULL,
        table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL, column_key VARCHAR NOT NULL,
        value DECIMAL(24,6), raw_text VARCHAR, is_blank BOOLEAN NOT NULL)""")
    con.execute("INSERT INTO cells VALUES ('r', '1.2.0', 'table4', 'review', 'upheld', 0, '0', false)")
    con.close()
    con = store.connect(path)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE cells").fetchall()]
        assert cols[-5:] == ["read_method", "read_confidence", "page_no", "bbox", "read_detail"]
        assert con.execute("SELECT read_method, raw_text FROM cells").fetchall() == [(None, "0")]
    finally:
        con.close()


def test_space_inside_a_number_is_one_cell_only_where_the_layout_says_so():
    from ingest.parse import parse_bytes

    text = ("示范县人民政府2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（五）项\n"
            "信息内容\n本年处理决定数量\n行政许可 18 468\n三、收到和处理政府信息公开申请情况\n")
    report = parse_bytes(text.encode(), filename="t.txt")
    assert report["table2"]["permits"]["decisions"] is None  # never silently 18
    assert any("'18 468'" in w and "permits" in w for w in report["warnings"])
    html = ("<html><body><h1>示范县人民政府2023年政府信息公开工作年度报告</h1><p>二、主动公开政府信息情况</p>"
            "<table><tr><td>第二十条第（五）项</td></tr><tr><td>信息内容</td><td>本年处理决定数量</td></tr>"
            "<tr><td>行政许可</td><td>18 468</td></tr></table></body></html>")
    report = parse_bytes(html.encode(), filename="t.html")
    assert report["table2"]["permits"]["decisions"] == 18468  # one printed cell
