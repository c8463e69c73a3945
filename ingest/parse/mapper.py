"""The one mapper: intermediate form (layout.py) → table2 / table3 / table4, exactly as printed.

Row labels are matched against templates.yaml through labels.py; rows of values are aligned
with the template order (align.py) so a row whose label wrapped onto another line still lands
on its key. Columns come from the header when one is printed (a grid's header cells, or the
header words of flattened text), else from the template order. Every cell keeps its printed
text under `raw`; a value that cannot be read is null plus a warning naming table, row, column
and the text; a template cell the report does not show is null plus a warning.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ingest import templates
from ingest.errors import NotAReport
from ingest.parse import align as aligner
from ingest.parse import provenance
from ingest.parse import labels as L
from ingest.parse.layout import SECTIONS, Block, Document
from ingest.values import Unreadable, parse_value
from ingest.values import is_numberlike as _is_numberlike

_NUMBERLIKE: dict[str, bool] = {}


def is_numberlike(text: str) -> bool:
    # Cached: labels are tested several times per report and recur across reports.
    v = _NUMBERLIKE.get(text)
    if v is None:
        v = _is_numberlike(text)
        if len(_NUMBERLIKE) < 50_000:
            _NUMBERLIKE[text] = v
    return v


class Cell:
    """One printed cell of a row (a plain slotted class: hundreds are made per report)."""

    __slots__ = ("text", "start", "end", "vertical_copy", "meta")

    def __init__(self, text: str, start: int, end: int, vertical_copy: bool = False):
        self.text = text
        self.start = start  # first grid column it covers (its ordinal in a flattened row)
        self.end = end  # one past the last grid column it covers
        self.vertical_copy = vertical_copy  # a rowspan cell already met in the row above
        self.meta = None  # the front end's provenance of this cell (layout.Block.meta)

    def __repr__(self) -> str:
        return f"Cell({self.text!r}, {self.start}, {self.end})"


class RowView:
    """A row as the mapper sees it: its label cells and its value cells."""

    __slots__ = ("labels", "values", "cells", "origin")

    def __init__(self, labels: list[str], values: list, cells: list[Cell], origin: str = ""):
        self.labels = labels  # distinct label cells, outermost first
        self.values = values  # value cells (Cell, or None where the column has no cell of its own)
        self.cells = cells  # every distinct cell of the row
        self.origin = origin


@dataclass
class Mapped:
    values: dict | None
    raw: dict | None
    warnings: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)  # row → column → the Cell read (provenance)


@dataclass(frozen=True)
class _Spec:
    """The parts of templates.yaml the mapper reads, built once (Templates rebuilds per call)."""

    t3_columns: list
    t3_kinds: dict
    t3_rows: list
    t3_count: dict
    t2_rows: dict
    t2_columns: dict
    t4_groups: list
    t4_columns: list


@functools.cache
def _spec() -> _Spec:
    t = templates.load()
    return _Spec(
        t3_columns=t.table3_columns,
        t3_kinds={c.key: c.kind for c in t.table3_columns},
        t3_rows=t.table3_rows,
        t3_count={s: len(t.table3_row_keys(s)) for s in ("one_row", "three_rows")},
        t2_rows={tid: t.table2_rows(tid) for tid in t.template_ids},
        t2_columns={tid: t.table2_columns(tid) for tid in t.template_ids},
        t4_groups=[g["key"] for g in t.table4_groups],
        t4_columns=[c.key for c in t.table4_columns],
    )


# ---------------------------------------------------------------------------------------------
# rows of a block → distinct cells


def distinct_cells(block: Block) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    if not block.grid:
        for row in block.rows:
            out.append([Cell(t, j, j + 1) for j, t in enumerate(row)])
        return provenance.attach(out, block.meta)
    prev_ids: list[int] = []
    for row, ids in zip(block.rows, block.cell_ids or []):
        cells: list[Cell] = []
        append = cells.append
        nprev = len(prev_ids)
        n = len(ids)
        if len(set(ids)) == n:
            # no cell spans two positions: each position with an id of its own is a cell
            cells = [Cell(row[j], j, j + 1, j < nprev and prev_ids[j] == cid)
                     for j, cid in enumerate(ids) if cid >= 0]
        elif n:
            # a run of equal ids is one printed cell; negative ids are padding (no cell)
            j = 0
            cid = ids[0]
            for k in range(1, n):
                nxt = ids[k]
                if nxt != cid:
                    if cid >= 0:
                        append(Cell(row[j], j, k, j < nprev and prev_ids[j] == cid))
                    j = k
                    cid = nxt
            if cid >= 0:
                append(Cell(row[j], j, n, j < nprev and prev_ids[j] == cid))
        out.append(cells)
        prev_ids = ids
    return provenance.attach(out, block.meta)


def trailing_values(cells: list[Cell]) -> tuple[list[Cell], list[Cell]]:
    """(label cells, value cells) of a grid row: values are the trailing run of number-like
    cells (a grid row may start with blank cells, and labels sit left of the values)."""
    k = len(cells)
    while k > 0 and is_numberlike(cells[k - 1].text):
        k -= 1
    labels = [c for c in cells[:k] if c.text]
    return labels, cells[k:]


def leading_labels(cells: list[Cell]) -> tuple[list[Cell], list[Cell]]:
    """(label cells, value cells) of a flattened row: labels first, then every cell after the
    first number is a value, readable or not (so a misprinted "O" among numbers is reported
    as an unreadable value, not glued to the label)."""
    k = 0
    while k < len(cells) and not is_numberlike(cells[k].text):
        k += 1
    return [c for c in cells[:k] if c.text], cells[k:]


def split_row(cells: list[Cell], grid: bool) -> tuple[list[Cell], list[Cell]]:
    return trailing_values(cells) if grid else leading_labels(cells)


# ---------------------------------------------------------------------------------------------
# sections


def classify_rows(rows: list[list[str]]) -> str | None:
    """Which table a block of rows belongs to, from labels only one table prints."""
    idx = L.indexes()
    votes = dict.fromkeys(SECTIONS, 0)
    for row in rows:
        for text in row:
            if not text or is_numberlike(text):
                continue
            norm = L.label(text).norm
            for sec, index in idx.anchors.items():
                key, score = index.match(norm, fuzzy=False)
                if key is not None and score >= L.CONTAINS:
                    votes[sec] += 1
    sec, n = max(votes.items(), key=lambda kv: kv[1])
    return sec if n else None


def split_unknown(block: Block) -> list[Block]:
    """A block no heading placed (text without headings): cut it where the table changes."""
    idx = L.indexes()
    parts: list[Block] = []
    current: str | None = None
    rows: list[list[str]] = []
    ids: list[list[int]] = []
    metas: list = []
    for r, row in enumerate(block.rows):
        switch = None
        for text in row:
            if not text or is_numberlike(text):
                continue
            norm = L.label(text).norm
            for sec in ("table4", "table3", "table2"):
                key, score = idx.anchors[sec].match(norm, fuzzy=False)
                if key is not None and score >= L.CONTAINS:
                    switch = sec
                    break
            if switch:
                break
        if switch and switch != current and not (block.grid and current):
            if current and rows:
                parts.append(Block(rows, current, block.grid, ids if block.grid else None, block.origin,
                                   metas if block.meta else None))
            current, rows, ids, metas = switch, [], [], []
        if current:
            rows.append(row)
            if block.meta:
                metas.append(block.meta[r])
            if block.grid and block.cell_ids:
                ids.append(block.cell_ids[r])
    if current and rows:
        parts.append(Block(rows, current, block.grid, ids if block.grid else None, block.origin,
                           metas if block.meta else None))
    return parts


def collect_sections(doc: Document) -> dict[str, list[Block]]:
    out: dict[str, list[Block]] = {s: [] for s in SECTIONS}
    for b in doc.blocks:
        if b.section in out:
            out[b.section].append(b)
        else:
            for part in split_unknown(b):
                out[part.section].append(part)  # type: ignore[index]
    return out


# ---------------------------------------------------------------------------------------------
# shared helpers


_VALUES: dict[tuple[str, str], object] = {}
_READABLE: dict[str, dict[str, object]] = {}  # kind → printed text → value (never Unreadable)


def _read(raw: str | None, kind: str, warnings: list[str], table: str, row: str, col: str):
    """Printed text → value; unreadable text → None and a warning naming the cell."""
    if raw is None:
        return None
    v = _VALUES.get((raw, kind))
    if v is None:
        v = parse_value(raw, kind)  # ints, Decimals and Unreadable are immutable: safe to share
        if v is None:
            return None
        if len(_VALUES) < 50_000:
            _VALUES[(raw, kind)] = v
    if v.__class__ is Unreadable:
        warnings.append(f"{table} {row}/{col}: cannot read {raw!r} as a number; value left null")
        return None
    return v


def _header_stack(cells_rows: list[list[Cell]], upto: int, width: int) -> list[list[str]]:
    """For each grid column, the distinct header texts above row `upto`, top to bottom."""
    stacks: list[list[str]] = [[] for _ in range(width)]
    for cells in cells_rows[:upto]:
        for c in cells:
            if not c.text:
                continue
            for j in range(c.start, min(c.end, width)):
                if not stacks[j] or stacks[j][-1] != c.text:
                    stacks[j].append(c.text)
    return stacks


# ---------------------------------------------------------------------------------------------
# table 3


def map_table3(blocks: list[Block], table2_template: str | None) -> Mapped:
    sp = _spec()
    idx = L.indexes()
    warnings: list[str] = []
    if not blocks:
        return Mapped(None, None, warnings)

    kinds = sp.t3_kinds
    views: list[RowView] = []
    grid_cols: list[str] | None = None  # column keys found in a grid header
    for block in blocks:
        rows = distinct_cells(block)
        if block.grid:
            first = _first_table3_data_row(rows)
            width = len(block.rows[0]) if block.rows else 0
            positions: list[tuple[int, str]] = []
            if first is not None and first > 0:
                stacks = _header_stack(rows, first, width)
                for j, stack in enumerate(stacks):
                    key = None
                    for text in reversed(stack):
                        k, s = idx.table3_columns.match_printed(text, fuzzy=False)
                        if k is not None:
                            key = k
                            break
                    if key is not None and (not positions or positions[-1][1] != key):
                        positions.append((j, key))
            if positions:
                grid_cols = [k for _, k in positions]
            # else: a continuation of a table split in two, without its header and usually
            # without the label cells merged across the split: its values are read from the
            # right end of each row, where the columns of the first part end.
            start_row = first if (first is not None and positions) else 0
            for cells in rows[start_row:]:
                views.append(_grid_view(cells, positions, block.origin))
        else:
            for cells in rows:
                labs, vals = leading_labels(cells)
                views.append(RowView([c.text for c in labs], vals, cells, block.origin))

    # Columns: a grid header says which are printed; flattened text prints them in template order.
    if grid_cols:
        columns = grid_cols
        missing = [c.key for c in sp.t3_columns if not c.optional and c.key not in columns]
        if missing:
            warnings.append(f"table3: header shows no column for {', '.join(missing)}; "
                            "those cells are null")
    else:
        counts = [len(v.values) for v in views if v.values]
        eight = sum(1 for n in counts if n == 8) > len(counts) / 2 if counts else False
        columns = [c.key for c in sp.t3_columns
                   if not c.optional or (eight and c.key == "legal_person_subtotal")]

    # Rows: label evidence for every row of values, then alignment with the template order.
    items: list[aligner.Item] = []
    value_views: list[RowView] = []
    pending_labels: list[str] = []  # label-only rows since the last row of values
    after_labels: dict[int, list[str]] = {}
    group: str | None = None
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
        for text in ctx:
            group = _group_of(text, idx) or group
        if own is not None:
            key, score = _table3_row_key(own, group, idx)
            if key is None and ctx:
                key, score = _table3_row_key("".join(ctx[-1:]) + own, group, idx)
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
    # Neighbouring label-only rows speak for rows of values that carry no readable label.
    for i, item in enumerate(items):
        if item.own_score >= aligner.STRONG:
            continue
        for text in item.before + after_labels.get(i, []):
            key, score = _table3_row_key(text, None, idx)
            if key is not None:
                s = 1.5 if score >= L.PREFIX else 0.75
                item.candidates[key] = max(item.candidates.get(key, 0.0), s)

    if not items:
        warnings.append("table3: its heading is printed but no row of numbers under it; table null")
        return Mapped(None, None, warnings)
    shape = _table3_shape(items, table2_template, warnings)
    subtotals = {k for it in items for k, s in it.candidates.items()
                 if s >= L.PREFIX and _T3_ROWS[k].subtotal}
    expected = [r.key for r in sp.t3_rows
                if r.shape in (None, shape) and (not r.optional or r.key in subtotals)]
    keys = aligner.align(items, expected)

    values: dict = {}
    raw: dict = {}
    read: dict = {}  # row → column → Cell (provenance)
    placed: dict[str, RowView] = {}
    for item, v, key in zip(items, value_views, keys):
        if key is None:
            shown = " ".join(c.text if c is not None else "" for c in v.values)
            lab = v.labels[-1] if v.labels else "(no label)"
            warnings.append(f"table3: row {lab!r} with values [{shown}] matches no template row; "
                            "ignored")
            continue
        if item.own_score < 1.0 and not item.candidates:
            warnings.append(f"table3 {key}: its label is not printed beside its values; "
                            "placed by the template order")
        placed[key] = v
    # per column: its key, its kind and the readable values met under that kind (text → value)
    col_reads = [(c, kinds[c], _READABLE.setdefault(kinds[c], {})) for c in columns]
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
            cells = _assign_columns(v, len(columns))
            if cells is None:
                warnings.append(f"table3 {key}: {len(v.values)} cells for {len(columns)} columns, the last "
                                "ones blank (a padded short row, or printed blanks?): its cells are null")
                cells = [None] * len(columns)
            n = len(cells) - cells.count(None)
            if n < len(columns):
                warnings.append(f"table3 {key}: {n} of {len(columns)} values printed; "
                                "the others are null")
            for (c, kind, readable), cell in zip(col_reads, cells):
                if cell is None:
                    rr[c] = rv[c] = None
                    continue
                text = cell.text
                rr[c] = text
                read.setdefault(key, {})[c] = cell
                val = readable.get(text)
                if val is None:
                    val = _read(text, kind, warnings, "table3", key, c)
                    if val is not None and val.__class__ is not Unreadable and len(readable) < 50_000:
                        readable[text] = val
                rv[c] = val
        values[key] = rv
        raw[key] = rr
    return Mapped(values, raw, warnings, {"shape": shape, "columns": columns}, read)


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


_T3_ROWS = {r.key: r for r in templates.load().table3_rows}


_ROW_KEYS: dict[tuple[str, str | None], tuple[str | None, float]] = {}


def _table3_row_key(text: str, group: str | None, idx: L.Indexes) -> tuple[str | None, float]:
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
    idx = L.indexes()
    for i, cells in enumerate(rows):
        labs, vals = trailing_values(cells)
        if not vals or not labs:
            continue
        key, score = idx.table3_rows.match_printed(labs[-1].text, fuzzy=False)
        if key is not None and score >= L.CONTAINS:
            return i
    return None


def _grid_view(cells: list[Cell], positions: list[tuple[int, str]], origin: str) -> RowView:
    if not positions:
        labs, vals = trailing_values(cells)
        return RowView([c.text for c in labs], vals, cells, origin)
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
        return RowView(labels + [c.text for c in cells if c.start >= first and c.text], [], cells, origin)
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
            return RowView(labels + [c.text for c in printed if c.text], [], cells, origin)
    return RowView(labels, values, cells, origin)  # type: ignore[arg-type]


def _table3_shape(items: list[aligner.Item], table2_template: str | None, warnings: list[str]) -> str:
    three = {"other_no_correction", "other_no_fee", "other_other"}
    own = {it.best() for it in items if it.own_score >= L.PREFIX}
    if own & three:
        return "three_rows"
    if "other" in own:
        return "one_row"
    n = len(items)
    if n == _spec().t3_count["three_rows"]:
        return "three_rows"
    if n == _spec().t3_count["one_row"]:
        return "one_row"
    shape = "one_row" if table2_template == "2019" else "three_rows"
    warnings.append(f"table3: （六）其他处理 not recognised; assumed the {shape} shape")
    return shape


# ---------------------------------------------------------------------------------------------
# table 2


def decide_template(blocks: list[Block], year: int | None, warnings: list[str]) -> str | None:
    if not blocks:
        return None
    idx = L.indexes()
    # each distinct printed label once (grids repeat spanned cells), normalised through the cache
    printed = {c for b in blocks for row in b.rows for c in row if c}
    text = "\x1f".join(L.label(c).norm for c in printed if not is_numberlike(c))
    hits = {tid: sum(1 for m in markers if m in text) for tid, markers in idx.markers.items()}
    best = max(hits.values())
    winners = [tid for tid, n in hits.items() if n == best]
    if best and len(winners) == 1:
        return winners[0]
    guess = "2019" if (year is not None and year <= 2020) else "2021"
    warnings.append(f"table2: template markers not printed; assumed the {guess} template"
                    + (f" from the report year {year}" if year else ""))
    return guess


def map_table2(blocks: list[Block], template: str | None) -> Mapped:
    sp = _spec()
    idx = L.indexes()
    warnings: list[str] = []
    if not blocks or template is None:
        return Mapped(None, None, warnings)
    rows_spec = sp.t2_rows[template]
    colspec = sp.t2_columns[template]
    col_index = idx.table2_columns[template]
    row_cols = {r.key: list(r.columns) for r in rows_spec}

    items: list[aligner.Item] = []
    data: list[tuple[RowView, dict[str, Cell] | None]] = []
    pending: list[str] = []
    after: dict[int, list[str]] = {}
    for block in blocks:
        header: list[tuple[int, int, str]] | None = None  # grid: (start, end, column key)
        for cells in distinct_cells(block):
            if block.grid:
                hdr = []
                for c in cells:
                    if c.text and not is_numberlike(c.text):
                        k, s = col_index.match_printed(c.text, fuzzy=False)
                        if k is not None:
                            hdr.append((c.start, c.end, k))
                if hdr:
                    header = hdr
                    pending = []
                    continue
            labs, vals = split_row(cells, block.grid)
            if not vals:
                pending.extend(c.text for c in labs)
                if data:
                    after.setdefault(len(data) - 1, []).extend(c.text for c in labs)
                continue
            item = aligner.Item()
            if labs:
                key, score = idx.table2_rows.match_printed(labs[-1].text)
                if key is not None and key in row_cols:
                    item.candidates[key] = score
                    item.own_score = score
            by_col: dict[str, Cell] | None = None
            if block.grid and header:
                by_col = {}
                for c in vals:
                    for s, e, k in header:
                        if s <= c.start < e and k not in by_col:
                            by_col[k] = c
                            break
            elif not block.grid and pending:
                found = col_index.find_all(templates.normalise("".join(pending)))
                if found:
                    order = []
                    for _, k in found:
                        if k not in order:
                            order.append(k)
                    by_col = {k: c for k, c in zip(order, vals)}
            item.before = pending
            pending = []
            items.append(item)
            data.append((RowView([c.text for c in labs], vals, cells, block.origin), by_col))
    for i, item in enumerate(items):
        if item.own_score >= aligner.STRONG:
            continue
        for text in item.before + after.get(i, []):
            key, score = idx.table2_rows.match_printed(text)
            if key is not None and key in row_cols:
                item.candidates[key] = max(item.candidates.get(key, 0.0), 1.5 if score >= L.PREFIX else 0.75)

    if not items:
        warnings.append("table2: its heading is printed but no row of numbers under it; table null")
        return Mapped(None, None, warnings)
    expected = [r.key for r in rows_spec]
    keys = aligner.align(items, expected)
    placed: dict[str, tuple[RowView, dict[str, Cell] | None]] = {}
    for (v, by_col), key in zip(data, keys):
        if key is None:
            lab = v.labels[-1] if v.labels else "(no label)"
            warnings.append(f"table2: row {lab!r} with values [{' '.join(c.text for c in v.values if c)}] "
                            f"matches no row of the {template} template; ignored")
            continue
        placed[key] = (v, by_col)

    values: dict = {}
    raw: dict = {}
    read: dict = {}  # row → column → Cell (provenance)
    for r in rows_spec:
        cols = row_cols[r.key]
        rv: dict = {}
        rr: dict = {}
        got = placed.get(r.key)
        if got is None:
            warnings.append(f"table2 {r.key} ({r.zh}): row not found in the report; its cells are null")
            for c in cols:
                rv[c] = rr[c] = None
        else:
            v, by_col = got
            if sum(1 for c in v.values if c is not None and c.text) > len(cols):
                by_col = None  # more numbers than cells: the check below nulls the row
            if by_col and set(by_col) & set(cols):
                cells = [by_col.get(c) for c in cols]
                extra = [k for k in by_col if k not in cols]
                if extra:
                    warnings.append(f"table2 {r.key}: header names columns {', '.join(extra)} that "
                                    f"the {template} template does not give this row; ignored")
            else:
                cells = list(v.values[:len(cols)]) + [None] * (len(cols) - len(v.values))
                if sum(1 for c in v.values if c is not None and c.text) > len(cols):
                    # "18 468" for one column: a thousands space or two cells? Never read it as 18.
                    shown = " ".join(c.text for c in v.values if c is not None and c.text)
                    warnings.append(f"table2 {r.key}: {len(shown.split())} values printed for "
                                    f"{len(cols)} columns ({shown!r}): which of them belong "
                                    "together is not known; values null")
                    cells = [None] * len(cols)
            for c, cell in zip(cols, cells):
                text = None if cell is None else cell.text
                rr[c] = text
                read.setdefault(r.key, {})[c] = cell
                spec = colspec[c]
                where = f"table2 {r.key}/{c}"
                if cell is None:
                    warnings.append(f"{where}: not printed; value null")
                rv[c] = _read(text, spec.kind, warnings, "table2", r.key, c)
                if text and spec.unit == "万元" and _unit_is_yuan(text):
                    warnings.append(f"{where}: printed {text!r} in 元 in a 万元 column; kept as printed")
        values[r.key] = rv
        raw[r.key] = rr
    return Mapped(values, raw, warnings, cells=read)


def _unit_is_yuan(text: str) -> bool:
    s = text.strip()
    return s.endswith("元") and not s.endswith("万元")


# ---------------------------------------------------------------------------------------------
# the report


def build_report(doc: Document, *, source_name: str = "the input", url: str | None = None) -> dict:
    from ingest.parse import PARSER_VERSION, metadata
    from ingest.parse.table4 import map_table4

    warnings = list(doc.warnings)
    sections = collect_sections(doc)
    meta = metadata.extract(doc, warnings)
    if not any(sections.values()) and not meta.title_recognised:
        raise NotAReport(f"{source_name} does not look like a 政府信息公开工作年度报告: no report "
                         "title and no table 二/三/四 (主动公开 / 依申请 / 行政复议行政诉讼) found")

    template = decide_template(sections["table2"], meta.year, warnings)
    t2 = map_table2(sections["table2"], template)
    t3 = map_table3(sections["table3"], template)
    t4 = map_table4(sections["table4"])
    for sec, m in (("table2", t2), ("table3", t3), ("table4", t4)):
        if m.values is None and not sections[sec]:
            warnings.append(f"{sec}: the report prints no such table (section not found); null")
        warnings.extend(m.warnings)
    shape = t3.extra.get("shape")
    # provenance of every cell; nulls the values of cells a front end marked undecided
    cell_meta = provenance.cell_meta({"table2": t2, "table3": t3, "table4": t4})
    if t2.values is None:
        template = None  # names the format of table 2: nothing to name
    return {
        "title": meta.title,
        "year": meta.year,
        "year_source": meta.year_source,
        "template": template,
        "templates": {"table2": template,
                      "table3": None if shape is None else ("2021" if shape == "three_rows" else "2019")},
        "table3_shape": shape,
        "issuer": meta.issuer,
        "published_date": meta.published_date,
        "index_no": meta.index_no,
        "table2": t2.values,
        "table3": t3.values,
        "table4": t4.values,
        "info_processing_fee_yuan": meta.fee,
        "narrative": meta.narrative,
        "raw": {"table2": t2.raw, "table3": t3.raw, "table4": t4.raw},
        "cell_meta": cell_meta,
        "source": {"kind": doc.kind, "encoding": doc.encoding, "encoding_source": doc.encoding_source,
                   "url": url},
        "parser_version": PARSER_VERSION,
        "warnings": warnings,
    }

