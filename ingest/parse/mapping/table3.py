"""Table 3 (依申请公开): the applicant-type columns from the header, the outcome rows from their
labels aligned with the template order, and each row's values placed in its columns.
"""

from __future__ import annotations

import re

from ingest import templates
from ingest.parse.layout import Block
from ingest.parse.mapping import align as aligner
from ingest.parse.mapping.cells import (READABLE, Cell, Mapped, RowView, distinct_cells, grid_row_cells,
                                        header_stack, leading_labels, read_value, spec, trailing_values)
from ingest.parse.mapping.table3_grid import grid_view, grid_views
from ingest.parse.vocab import labels as L
from ingest.values import Unreadable


def map_table3(blocks: list[Block], table2_template: str | None) -> Mapped:
    warnings: list[str] = []
    if not blocks:
        return Mapped(None, None, warnings)
    views, grid_cols = _row_views(blocks)
    columns = _columns(grid_cols, views, warnings)
    missing = [c.key for c in spec().t3_columns if not c.optional and c.key not in columns]
    items, value_views = _row_evidence(views)
    if not items:
        warnings.append("table3: its heading is printed but no row of numbers under it; table null")
        return Mapped(None, None, warnings)
    shape = _table3_shape(items, table2_template, warnings)
    subtotals = {k for it in items for k, s in it.candidates.items()
                 if s >= L.PREFIX and _T3_ROWS[k].subtotal}
    expected = [r.key for r in spec().t3_rows
                if r.shape in (None, shape) and (not r.optional or r.key in subtotals)]
    # rows whose label is not beside their values: "key" (placed by the template order),
    # "~key" (by the labels printed around it), "" (a row of values no template row took),
    # "<key" (fewer values than columns, placed from the left)
    by_order: list[str] = []
    placed = _place_rows(items, value_views, aligner.align(items, expected), warnings, by_order)
    values, raw, read = _read_rows(expected, placed, columns, warnings, by_order)
    return Mapped(values, raw, warnings, {"shape": shape, "columns": columns, "by_order": by_order,
                                      "missing_columns": missing}, read)


def _row_views(blocks: list[Block]) -> tuple[list[RowView], list[str] | None]:
    """Every row of the blocks as labels and values, and the column keys a grid header names."""
    idx = L.indexes()
    views: list[RowView] = []
    grid_cols: list[str] | None = None  # column keys found in a grid header
    for block in blocks:
        # a grid without provenance has its rows under the header read straight from the grid
        # (grid_views): only the rows above them are made into cells here
        direct = block.grid and block.meta is None
        rows = _head_cells(block) if direct else distinct_cells(block)
        if not block.grid:
            for cells in rows:
                labs, vals = leading_labels(cells)
                views.append(RowView([c.text for c in labs], vals, block.origin))
            continue
        first = _first_table3_data_row(rows)
        width = len(block.rows[0]) if block.rows else 0
        positions: list[tuple[int, str]] = []
        if first is not None and first > 0:
            for j, stack in enumerate(header_stack(rows, first, width)):
                key = None
                for text in reversed(stack):
                    k, s = idx.table3_columns.match_printed(text, fuzzy=False)
                    if k is not None:
                        key = k
                        break
                if key is not None and (not positions or positions[-1][1] != key):
                    positions.append((j, key))
        if positions and grid_cols is not None and len(positions) < len(grid_cols):
            # a later part whose first row's label is also a column word (a 小计 row heading a
            # continuation): it names fewer columns than the header found, so it is no header
            positions = []
        if positions:
            grid_cols = [k for _, k in positions]
        # else: a continuation of a table split in two, without its header and usually
        # without the label cells merged across the split: its values are read from the
        # right end of each row, where the columns of the first part end.
        start_row = first if (first is not None and positions) else 0
        if positions and direct:
            views += grid_views(block, start_row, positions)
            continue
        if direct and len(rows) < len(block.rows):
            rows = distinct_cells(block)
        for cells in rows[start_row:]:
            views.append(grid_view(cells, positions, block.origin))
    return views, grid_cols


def _columns(grid_cols: list[str] | None, views: list[RowView], warnings: list[str]) -> list[str]:
    """A grid header says which columns are printed; flattened text prints them in template order."""
    sp = spec()
    if grid_cols:
        missing = [c.key for c in sp.t3_columns if not c.optional and c.key not in grid_cols]
        if missing:
            warnings.append(f"table3: header shows no column for {', '.join(missing)}; "
                            "those cells are null")
        return grid_cols
    counts = [len(v.values) for v in views if v.values]
    eight = sum(1 for n in counts if n == 8) > len(counts) / 2 if counts else False
    return [c.key for c in sp.t3_columns
            if not c.optional or (eight and c.key == "legal_person_subtotal")]


def _row_evidence(views: list[RowView]) -> tuple[list[aligner.Item], list[RowView]]:
    """For every row of values, the template rows its own label (under its group) and the
    label-only rows around it speak for: the evidence the alignment weighs."""
    idx = L.indexes()
    items: list[aligner.Item] = []
    value_views: list[RowView] = []
    pending_labels: list[str] = []  # label-only rows since the last row of values
    after_labels: dict[int, list[str]] = {}
    group: str | None = None
    bare_subtotals: list[int] = []  # items whose 小计 has no group label in its own row
    for v in views:
        if not v.values:
            for text in v.labels:
                group = _group_of(text, idx) or group
            pending_labels.extend(v.labels)
            if value_views:
                after_labels.setdefault(len(value_views) - 1, []).extend(v.labels)
            continue
        item = aligner.Item()
        own = v.labels[-1] if v.labels else None
        ctx = v.labels[:-1]
        own_group = None
        for text in ctx:
            own_group = _group_of(text, idx) or own_group
        group = own_group or group
        if own is not None and own_group is None and L.label(own).norm == "小计":
            bare_subtotals.append(len(items))
        if own is not None:
            key, score = table3_row_key(own, group, idx)
            if key is None and ctx:
                key, score = table3_row_key("".join(ctx[-1:]) + own, group, idx)
            for k in range(len(ctx) - 2, -1, -1):
                if key is not None:
                    break
                # a label cut into pieces where its characters stand apart (OCR's character
                # boxes: "（一)" "予以" "公" "开"): the pieces read together, the fewest first
                key, score = table3_row_key("".join(ctx[k:]) + own, group, idx)
                key, score = (key, score) if score >= L.EXACT else (None, 0.0)
            if key is None:
                # the tail of the row above's wrapped label run into this row's own label
                # ("请3.其他"): read from this row's item number on
                m = _LATE_ITEM.search(own)
                if m:
                    key, score = table3_row_key(own[m.start():], group, idx)
            if key is not None:
                item.candidates[key] = score
                item.own_score = score
                row = _T3_ROWS.get(key)
                if row is not None and row.parent:
                    group = row.parent
        item.before = pending_labels
        pending_labels = []
        items.append(item)
        value_views.append(v)
    # A 小计 printed without its group's label (a table continued on the next page keeps only
    # its innermost label column) heads the group whose items follow it, as in the template:
    # the group carried over from the rows above would name the previous group's subtotal.
    for i in bare_subtotals:
        nxt = next((items[j] for j in range(i + 1, len(items)) if items[j].own_score >= L.EXACT), None)
        parent = _T3_ROWS[nxt.best()].parent if nxt is not None and nxt.best() in _T3_ROWS else None
        if parent and f"{parent}_subtotal" in _T3_ROWS and nxt.best() != f"{parent}_subtotal":
            items[i].candidates = {f"{parent}_subtotal": L.EXACT}
    # Neighbouring label-only rows speak for rows of values that carry no readable label.
    for i, item in enumerate(items):
        if item.own_score >= aligner.STRONG:
            continue
        for text in item.before + after_labels.get(i, []):
            key, score = table3_row_key(text, None, idx)
            if key is not None:
                s = 1.5 if score >= L.PREFIX else 0.75
                item.candidates[key] = max(item.candidates.get(key, 0.0), s)
    return items, value_views


def _place_rows(items: list[aligner.Item], value_views: list[RowView], keys: list[str | None],
                warnings: list[str], by_order: list[str]) -> dict[str, RowView]:
    """Template row key → the row of values aligned to it; the rows no key took are named."""
    placed: dict[str, RowView] = {}
    for item, v, key in zip(items, value_views, keys):
        if key is None:
            shown = " ".join(c.text if c is not None else "" for c in v.values)
            lab = v.labels[-1] if v.labels else "(no label)"
            warnings.append(f"table3: row {lab!r} with values [{shown}] matches no template row; "
                            "ignored")
            by_order.append("")  # "": a row of values left out of the alignment
            continue
        if item.own_score < 1.0 and not item.candidates:
            warnings.append(f"table3 {key}: its label is not printed beside its values; "
                            "placed by the template order")
            by_order.append(key)
        elif item.own_score < 1.0:
            by_order.append("~" + key)  # "~": placed by the labels printed around it
        placed[key] = v
    return placed


def _read_rows(expected: list[str], placed: dict[str, RowView], columns: list[str],
               warnings: list[str], by_order: list[str]) -> tuple[dict, dict, dict]:
    """(values, raw, read): every expected row's cells placed in the columns and read."""
    kinds = spec().t3_kinds
    values: dict = {}
    raw: dict = {}
    read: dict = {}  # row → column → Cell (provenance)
    # per column: its key, its kind and the readable values met under that kind (text → value)
    col_reads = [(c, kinds[c], READABLE.setdefault(kinds[c], {})) for c in columns]
    for key in expected:
        v = placed.get(key)
        rv: dict = {}
        rr: dict = {}
        if v is None:
            if not _T3_ROWS[key].optional:
                warnings.append(f"table3 {key} ({_T3_ROWS[key].zh}): row not found in the report; "
                                "its cells are null")
            for c in columns:
                rv[c] = None
                rr[c] = None
        else:
            if len(v.values) < len(columns):
                by_order.append("<" + key)  # "<": fewer values than columns, placed from the left
            cells = _assign_columns(v, len(columns))
            if cells is None and _row_total_holds(v.values[:len(columns)], columns):
                # the padding reading is the one whose row total holds: proven, not guessed
                cells = list(v.values[:len(columns)])
                warnings.append(f"table3 {key}: {len(v.values)} cells for {len(columns)} columns, the last ones "
                                "blank; read as a padded short row because its numbers then add up to its total")
            if cells is None:
                # the two placements (padding after the numbers / printed blanks of the last
                # columns) keep only the cells they read alike
                n = len(columns)
                cells = [a if a is not None and b is not None and a.text == b.text else None
                         for a, b in zip(v.values[:n], v.values[-n:])]
                warnings.append(f"table3 {key}: {len(v.values)} cells for {n} columns, the last "
                                "ones blank (a padded short row, or printed blanks?): only the cells both "
                                "placements read alike are kept, the others are null")
            n = len(cells) - cells.count(None)
            if n < len(columns):
                warnings.append(f"table3 {key}: {n} of {len(columns)} values printed; "
                                "the others are null")
            read_row = read[key] = {}
            for (c, kind, readable), cell in zip(col_reads, cells):
                if cell is None:
                    rr[c] = rv[c] = None
                    continue
                text = cell.text
                rr[c] = text
                read_row[c] = cell
                val = readable.get(text)
                if val is None:
                    val = read_value(text, kind, warnings, "table3", key, c)
                    if val is not None and val.__class__ is not Unreadable and len(readable) < 50_000:
                        readable[text] = val
                rv[c] = val
        values[key] = rv
        raw[key] = rr
    return values, raw, read


def _assign_columns(v: RowView, n: int) -> list[Cell | None] | None:
    """The row's n value cells, left to right; None when they cannot be placed with certainty."""
    if len(v.values) > n:
        extra = len(v.values) - n
        head, tail = v.values[:extra], v.values[n:]
        if all(c is not None and not c.text for c in tail) and any(c is not None and c.text for c in head):
            # Blank cells after the numbers: the padding of a short row (LibreOffice pads ragged
            # rows with real empty cells) or printed blanks of the last columns; either choice
            # could shift every number of the row by a column.
            return None
        # more numbers than columns in flattened text: the label held a number; keep the last n
        return list(v.values[-n:])
    cells: list[Cell | None] = list(v.values[:n])
    cells += [None] * (n - len(cells))
    return cells


_DIGITS = re.compile(r"^\d{1,9}$")


def _row_total_holds(cells: list, columns: list[str]) -> bool:
    """Do these cells, read in these columns, print a number in every column and make the
    parts add up to the total (t3_row_total; the 法人 小计 column, when printed, equal to its
    parts too), with a total above zero (an all-zero row proves no placement)?"""
    if "total" not in columns or len(cells) != len(columns):
        return False
    texts = [("" if c is None else c.text).replace(",", "") for c in cells]
    if not all(_DIGITS.match(t) for t in texts):
        return False
    val = dict(zip(columns, map(int, texts)))
    legal = [c for c in columns if c not in ("natural_person", "total", "legal_person_subtotal")]
    if "legal_person_subtotal" in val and val["legal_person_subtotal"] != sum(val[c] for c in legal):
        return False
    return val["total"] > 0 and val["total"] == val.get("natural_person", 0) + sum(val[c] for c in legal)


_T3_ROWS = {r.key: r for r in templates.load().table3_rows}
# an item number (3. / （七） / 四、) after other text in a label
_LATE_ITEM = re.compile(r"(?<=.)(?:\d\.(?!\d)|[（(][一二三四五六七][）)]|[一二三四]、)(?!.*(?:\d\.(?!\d)|[（(][一二三四五六七][）)]|[一二三四]、))")


_ROW_KEYS: dict[tuple[str, str | None], tuple[str | None, float]] = {}


def table3_row_key(text: str, group: str | None, idx: L.Indexes) -> tuple[str | None, float]:
    """Cached: the same printed labels under the same groups recur in every report."""
    hit = _ROW_KEYS.get((text, group))
    if hit is None:
        hit = _table3_row_key_uncached(text, group, idx)
        if len(_ROW_KEYS) < 20_000:
            _ROW_KEYS[(text, group)] = hit
    return hit


_GROUPS: dict[str, str | None] = {}


def _group_of(text: str, idx: L.Indexes) -> str | None:
    # Cached per printed text (the indexes are built once from templates.yaml).
    try:
        return _GROUPS[text]
    except KeyError:
        pass
    g, gs = idx.table3_groups.match_printed(text, fuzzy=False)
    g = g if gs >= L.EXACT else None
    if len(_GROUPS) < 20_000:
        _GROUPS[text] = g
    return g


def _table3_row_key_uncached(text: str, group: str | None, idx: L.Indexes) -> tuple[str | None, float]:
    lab = L.label(text)
    norm = lab.norm
    if norm == "小计":
        if group and f"{group}_subtotal" in _T3_ROWS:
            return f"{group}_subtotal", L.EXACT
        return None, 0.0
    if norm == "其他处理":
        return "other", L.EXACT
    key, score = idx.table3_rows.match(norm)
    if key is None:
        return None, 0.0
    if score < L.EXACT:
        g, gs = idx.table3_groups.match(norm, fuzzy=False)
        if g is not None and gs >= L.EXACT:
            return None, 0.0  # a group header such as （四）无法提供, not a row of its own
    if _T3_ROWS[key].subtotal and score < L.CONTAINS:
        return None, 0.0  # "无法提供" is the start of 无法提供小计 but names no subtotal
    if key == "other_other" and group not in (None, "other"):
        return None, 0.0
    return key, score


def _first_table3_data_row(rows: list[list[Cell]]) -> int | None:
    for i, cells in enumerate(rows):
        if _is_table3_data_row(cells):
            return i
    return None


def _is_table3_data_row(cells: list[Cell]) -> bool:
    labs, vals = trailing_values(cells)
    if not vals or not labs:
        return False
    key, score = L.indexes().table3_rows.match_printed(labs[-1].text, fuzzy=False)
    return key is not None and score >= L.CONTAINS


def _head_cells(block: Block) -> list[list[Cell]]:
    """distinct_cells(block) down to its first row of table 3 data (all rows when none is)."""
    rows = []
    for i in range(len(block.rows)):
        cells = grid_row_cells(block, i)
        rows.append(cells)
        if _is_table3_data_row(cells):
            break
    return rows


def _table3_shape(items: list[aligner.Item], table2_template: str | None, warnings: list[str]) -> str:
    three = {"other_no_correction", "other_no_fee", "other_other"}
    own = {it.best() for it in items if it.own_score >= L.PREFIX}
    if own & three:
        return "three_rows"
    if "other" in own:
        return "one_row"
    n = len(items)
    if n == spec().t3_count["three_rows"]:
        return "three_rows"
    if n == spec().t3_count["one_row"]:
        return "one_row"
    shape = "one_row" if table2_template == "2019" else "three_rows"
    warnings.append(f"table3: （六）其他处理 not recognised; assumed the {shape} shape")
    return shape


