"""The mapper's view of a block: its printed cells, rows split into labels and values, and the
reading of one printed value. Shared by the table mappers (table2.py, table3.py, table4.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ingest import templates
from ingest.parse.layout import Block
from ingest.parse.mapping import provenance
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

    __slots__ = ("labels", "values", "origin")

    def __init__(self, labels: list[str], values: list, origin: str = ""):
        self.labels = labels  # distinct label cells, outermost first
        self.values = values  # value cells (Cell, or None where the column has no cell of its own)
        self.origin = origin


@dataclass
class Mapped:
    values: dict | None
    raw: dict | None
    warnings: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)  # row → column → the Cell read (provenance)


@dataclass(frozen=True)
class Spec:
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
def spec() -> Spec:
    t = templates.load()
    return Spec(
        t3_columns=t.table3_columns,
        t3_kinds={c.key: c.kind for c in t.table3_columns},
        t3_rows=t.table3_rows,
        t3_count={s: len(t.table3_row_keys(s)) for s in ("one_row", "three_rows")},
        t2_rows={tid: t.table2_rows(tid) for tid in t.template_ids},
        t2_columns={tid: t.table2_columns(tid) for tid in t.template_ids},
        t4_groups=[g["key"] for g in t.table4_groups],
        t4_columns=[c.key for c in t.table4_columns],
    )


def distinct_cells(block: Block) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    if not block.grid:
        for row in block.rows:
            out.append([Cell(t, j, j + 1) for j, t in enumerate(row)])
        return provenance.attach(out, block.meta)
    prev_ids: list[int] = []
    for row, ids in zip(block.rows, block.cell_ids or []):
        out.append(_grid_row(row, ids, prev_ids))
        prev_ids = ids
    return provenance.attach(out, block.meta)


def grid_row_cells(block: Block, i: int) -> list[Cell]:
    """distinct_cells(block)[i] of a grid, without making the other rows' cells."""
    ids = block.cell_ids or []
    cells = _grid_row(block.rows[i], ids[i], ids[i - 1] if i > 0 else [])
    if block.meta:
        provenance.attach([cells], block.meta[i:i + 1])
    return cells


def _grid_row(row: list[str], ids: list[int], prev_ids: list[int]) -> list[Cell]:
    """A grid row's printed cells; prev_ids are the ids of the row above ([] for the first)."""
    nprev = len(prev_ids)
    n = len(ids)
    if len(set(ids)) == n:
        # no cell spans two positions: each position with an id of its own is a cell
        return [Cell(row[j], j, j + 1, j < nprev and prev_ids[j] == cid)
                for j, cid in enumerate(ids) if cid >= 0]
    cells: list[Cell] = []
    if n:
        # a run of equal ids is one printed cell; negative ids are padding (no cell)
        append = cells.append
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
    return cells


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


_VALUES: dict[tuple[str, str], object] = {}


READABLE: dict[str, dict[str, object]] = {}  # kind → printed text → value (never Unreadable)


def read_value(raw: str | None, kind: str, warnings: list[str], table: str, row: str, col: str):
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


def header_stack(cells_rows: list[list[Cell]], upto: int, width: int) -> list[list[str]]:
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


