"""Table 3's rows read straight from a grid (table3_grid.grid_views) are the rows read from its
printed cells (grid_view over cells.distinct_cells), and a grid row's cells alone
(cells.grid_row_cells) are that row of distinct_cells."""

from __future__ import annotations

import random

from ingest.parse.layout import Block, pad_grid
from ingest.parse.mapping.cells import distinct_cells, grid_row_cells
from ingest.parse.mapping.table3_grid import grid_view, grid_views
from ingest.parse.readers import html
from parse_expect import HTML


def _view(v) -> tuple:
    cells = tuple(None if c is None else (c.text, c.start, c.end, c.vertical_copy, c.meta) for c in v.values)
    return v.labels, cells, v.origin


def _same(block: Block, start: int, positions: list[tuple[int, str]]) -> None:
    rows = distinct_cells(block)
    assert [_view(v) for v in grid_views(block, start, positions)] == \
        [_view(grid_view(cells, positions, block.origin)) for cells in rows[start:]]
    for i, cells in enumerate(rows):
        assert [(c.text, c.start, c.end, c.vertical_copy) for c in grid_row_cells(block, i)] == \
            [(c.text, c.start, c.end, c.vertical_copy) for c in cells]


def test_the_fixture_pages_tables():
    n = 0
    for path in sorted(HTML.glob("*.html")):
        for block in html.extract(path.read_bytes()).blocks:
            width = len(block.rows[0]) if block.rows else 0
            for first in range(min(width, 4)):
                for start in range(min(len(block.rows), 3)):
                    _same(block, start, [(j, f"c{j}") for j in range(first, width)])
                    _same(block, start, [(j, f"c{j}") for j in range(first, width, 2)])
                    n += 1
    assert n > 100


def test_spans_padding_group_headers_and_words():
    # a rowspan label, a group header merged across the data columns, a value over two
    # columns, a rowspan value, a short row padded, a row of words under the data columns,
    # a wide cell (rows and columns) copied down, blank values
    rows = [["申请人情况", "申请人情况", "自然人", "法人", "总计"],
            ["三、结果", "（一）予以公开", "1", "2", "3"],
            ["三、结果", "（三）不予公开", "（三）不予公开", "（三）不予公开", "（三）不予公开"],
            ["三、结果", "1.属于国家秘密", "4", "4", "9"],
            ["三、结果", "2.其他", "5", "6"],
            ["注", "注", "说明", "见附件", ""],
            ["甲", "甲", "7", "", "7"],
            ["甲", "甲", "", "", ""],
            ["乙", "", "8", "8", "8"]]
    ids = [[0, 0, 1, 2, 3],
           [4, 5, 6, 7, 8],
           [4, 9, 9, 9, 9],
           [4, 10, 11, 12, 13],
           [4, 14, 15, 16],
           [17, 17, 18, 19, 20],
           [21, 21, 22, 23, 24],
           [21, 21, 25, 23, 26],
           [27, -1, 28, 28, 29]]
    pad_grid(rows, ids)
    block = Block(rows=rows, section="table3", grid=True, cell_ids=ids, origin="t")
    for positions in ([(2, "natural_person"), (3, "legal"), (4, "total")], [(1, "a"), (3, "b")],
                      [(0, "a"), (2, "b")], [(4, "total")]):
        for start in range(len(rows)):
            _same(block, start, positions)


def test_random_grids():
    rnd = random.Random(21)
    texts = ["", "1", "23", "甲", "乙 丙", "—"]
    for _ in range(2000):
        width = rnd.randint(1, 6)
        rows, ids, nid = [], [], 0
        for r in range(rnd.randint(1, 6)):
            row, rid = [], []
            while len(row) < width:
                if ids and rnd.random() < 0.3 and len(ids[-1]) > len(row):
                    row.append(rows[-1][len(row)])  # a copy of the cell above
                    rid.append(ids[-1][len(rid)])
                elif rnd.random() < 0.1:
                    row.append("")
                    rid.append(-1)
                else:
                    span = rnd.randint(1, 2)
                    row += [rnd.choice(texts)] * span
                    rid += [nid] * span
                    nid += 1
            rows.append(row[:width])
            ids.append(rid[:width])
        block = Block(rows=rows, grid=True, cell_ids=ids)
        first = rnd.randint(0, width - 1)
        positions = [(j, str(j)) for j in range(first, width) if rnd.random() < 0.8] or [(first, "x")]
        _same(block, rnd.randint(0, len(rows) - 1), positions)
