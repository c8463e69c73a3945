"""Table 3's rows of values in an expanded grid (layout.Block with grid=True): each row under
the header as labels and the value cell under each data column.

`grid_view` reads a row from its printed cells (cells.distinct_cells). `grid_views` reads the
rows under a header straight from the grid (texts and cell ids): a Cell is made only for a
value, not for every label of every row, which is most of table 3's cost on an HTML page.
Both give the same views (tests/parse/test_table3_grid.py).
"""

from __future__ import annotations

from ingest.parse.layout import Block
from ingest.parse.mapping.cells import Cell, RowView, grid_row_cells, is_numberlike, trailing_values


def grid_view(cells: list[Cell], positions: list[tuple[int, str]], origin: str) -> RowView:
    if not positions:
        labs, vals = trailing_values(cells)
        return RowView([c.text for c in labs], vals, origin)
    first = positions[0][0]
    by_start = {c.start: c for c in cells}
    # None where no cell of its own starts under a data column: a label merged across the data
    # columns (a group header row), a value merged over two columns, or a rowspan copy.
    values: list[Cell | None] = []
    printed: list[Cell] = []
    get = by_start.get
    for j, _key in positions:
        c = get(j)
        if c is None or c.vertical_copy:
            values.append(None)
        else:
            values.append(c)
            printed.append(c)
    labels = []
    for c in cells:  # cells run left to right without overlap: their ends only grow
        if c.end > first:
            break
        if c.text:
            labels.append(c.text)
    if not printed:
        return RowView(labels + [c.text for c in cells if c.start >= first and c.text], [], origin)
    return _values_or_words(labels, values, printed, origin)


def grid_views(block: Block, start: int, positions: list[tuple[int, str]]) -> list[RowView]:
    """[grid_view(distinct_cells(block)[i], positions, block.origin) for i from start on], for
    a block without provenance (block.meta None) and a header found (positions not empty).
    A printed cell is a run of equal ids (negative: padding, no cell), starting where the id
    differs from its left neighbour's; a copy of the cell above where the row above has the
    same id at that position."""
    first = positions[0][0]
    origin = block.origin
    rows = block.rows
    all_ids = block.cell_ids or []
    views: list[RowView] = []
    prev: list[int] = all_ids[start - 1] if start > 0 else []
    for i in range(start, len(rows)):
        row = rows[i]
        ids = all_ids[i]
        n = len(ids)
        nprev = len(prev)
        values: list[Cell | None] = []
        printed: list[Cell] = []
        for j, _key in positions:
            cid = ids[j] if j < n else -1
            if cid < 0 or (j and ids[j - 1] == cid) or (j < nprev and prev[j] == cid):
                values.append(None)  # no cell starts here, or the cell above continues
                continue
            end = j + 1
            while end < n and ids[end] == cid:
                end += 1
            c = Cell(row[j], j, end)
            values.append(c)
            printed.append(c)
        if not printed:
            # a label merged across the data columns (a group header row): read from its cells
            views.append(grid_view(grid_row_cells(block, i), positions, origin))
            prev = ids
            continue
        # the label cells: those ending at or before the first data column, left to right
        labels = []
        j = 0
        while j < first and j < n:
            cid = ids[j]
            end = j + 1
            while end < n and ids[end] == cid:
                end += 1
            if cid >= 0:
                if end > first:
                    break
                if row[j]:
                    labels.append(row[j])
            j = end
        views.append(_values_or_words(labels, values, printed, origin))
        prev = ids
    return views


def _values_or_words(labels: list[str], values: list[Cell | None], printed: list[Cell],
                     origin: str) -> RowView:
    words = False
    for c in printed:
        text = c.text
        if text:
            if is_numberlike(text):
                break
            words = True
    else:
        if words:
            # words under the data columns and no number (a note, a repeated header): no values
            return RowView(labels + [c.text for c in printed if c.text], [], origin)
    return RowView(labels, values, origin)
