"""Table 4 (administrative review and litigation) of the intermediate form → 15 cells.

One of the table mappers (mapper.py calls it): a grid's cells are placed by the header
stack above them (行政复议 / 行政诉讼 … over 结果维持 …), flattened text by the template order,
with the two shapes flattened copies print (15 numbers, or 12 when the 总计 columns are gone).
"""

from __future__ import annotations

from ingest import templates
from ingest.parse.vocab import labels as L
from ingest.parse.layout import Block
from ingest.parse.mapping.cells import Cell, Mapped, distinct_cells, header_stack, read_value, spec, split_row


def map_table4(blocks: list[Block]) -> Mapped:
    sp = spec()
    idx = L.indexes()
    warnings: list[str] = []
    if not blocks:
        return Mapped(None, None, warnings)
    groups = sp.t4_groups
    cols = sp.t4_columns
    order = [(g, c) for g in groups for c in cols]

    cells_found: list[Cell] = []
    by_header: dict[tuple[str, str], Cell] = {}
    header_text: list[str] = []
    for block in blocks:
        rows = distinct_cells(block)
        width = len(block.rows[0]) if (block.grid and block.rows) else 0
        data_rows = []
        for i, cells in enumerate(rows):
            labs, vals = split_row(cells, block.grid)
            if any(v.text for v in vals) and (len(vals) >= 3 or not block.grid):
                data_rows.append((i, vals))
            else:
                header_text.extend(c.text for c in labs)
        for i, vals in data_rows:
            cells_found.extend(vals)
        if block.grid and data_rows:
            first = data_rows[0][0]
            stacks = header_stack(rows, first, width)
            for _, vals in data_rows:
                for c in vals:
                    g, k = _table4_column(stacks[c.start] if c.start < width else [], idx)
                    if g and k and (g, k) not in by_header:
                        by_header[(g, k)] = c

    values = {g: dict.fromkeys(cols) for g in groups}
    raw = {g: dict.fromkeys(cols) for g in groups}
    n = len(cells_found)
    by_order = "all"  # how the numbers were placed: "" by the header, "all" by template order,
    # "short" fewer numbers than cells in template order
    if len(by_header) == n and n >= 12:
        assigned = by_header
        by_order = ""
    elif n == 15:
        assigned = dict(zip(order, cells_found))
    elif n == 12 and "总计" not in templates.normalise("".join(header_text)):
        assigned = dict(zip([(g, c) for g in groups for c in cols if c != "total"], cells_found))
        warnings.append("table4: 12 numbers and no 总计 columns printed; the three totals are null")
    else:
        assigned = dict(zip(order, cells_found))
        by_order = "short"
        if n:
            warnings.append(f"table4: {n} numbers printed where 15 were expected; "
                            "read in template order, the rest are null")
    if not n:
        warnings.append("table4: its heading is printed but no numbers under it; table null")
        return Mapped(None, None, warnings)
    read: dict = {g: {} for g in groups}  # group → column → Cell (provenance)
    for (g, c), cell in assigned.items():
        raw[g][c] = cell.text
        read[g][c] = cell
        values[g][c] = read_value(cell.text, "count", warnings, "table4", g, c)
    return Mapped(values, raw, warnings, {"by_order": by_order}, cells=read)


_T4_COLUMNS: dict[tuple[str, ...], tuple[str | None, str | None]] = {}


def _table4_column(stack: list[str], idx: L.Indexes) -> tuple[str | None, str | None]:
    """Cached per header stack (the indexes are built once from templates.yaml)."""
    key = tuple(stack)
    hit = _T4_COLUMNS.get(key)
    if hit is None:
        hit = _table4_column_uncached(stack, idx)
        if len(_T4_COLUMNS) < 20_000:
            _T4_COLUMNS[key] = hit
    return hit


def _table4_column_uncached(stack: list[str], idx: L.Indexes) -> tuple[str | None, str | None]:
    group = col = None
    for text in stack:
        norm = L.label(text).norm
        g, gs = idx.table4_groups.match(norm, fuzzy=False)
        if g is not None and gs >= L.CONTAINS:
            group = g
            continue
        c, cs = idx.table4_columns.match(norm, fuzzy=False)
        if c is not None and cs >= L.CONTAINS:
            col = c
    return group, col
