"""Per-cell provenance: how each value of the parser output was read.

A front end may describe its cells in `layout.Block.meta` (same shape as `rows`; see
layout.py). The mapper hangs each entry on the cell it came from (`attach`) and remembers
which cell it read for every (table, row, column) (`Mapped.cells`); `cell_meta` turns that into
the parser output's `cell_meta`: the same nesting as `raw`, and for every cell present in `raw`
a dict with the keys of `KEYS` (`read` defaults to "printed", the others to null).

A cell a front end marked `undecided` (glued digits that more than one reading fits, see
ingest/parse/glued/) keeps the printed run as its raw text, and its value is set to null here,
whatever the run would read as: the one rule the mapper must obey about provenance, kept out of
the mapper so it stays blind to formats.
"""

from __future__ import annotations

# Keys of one cell's provenance in the parser output (the shared contract).
KEYS = ("read", "page", "bbox", "confidence", "candidates", "rules", "note")
READ_METHODS = ("printed", "recovered", "ocr")


def attach(rows: list, meta: list | None) -> list:
    """Hang Block.meta entries on the mapper's cells (rows of Cell, positions by `start`)."""
    if not meta:
        return rows
    for cells, mrow in zip(rows, meta):
        if not mrow:
            continue
        n = len(mrow)
        for c in cells:
            if c.start < n:
                c.meta = mrow[c.start]
    return rows


# The provenance of a cell its front end said nothing about (every cell of an HTML page):
# copied, not rebuilt, for each of the hundreds of cells of a report.
_PRINTED = dict.fromkeys(KEYS)
_PRINTED["read"] = "printed"


def one(meta: dict | None) -> dict:
    """The output dict of one printed cell."""
    out = _PRINTED.copy()
    if meta:
        for k in KEYS:
            v = meta.get(k)
            if v is not None:
                out[k] = list(v) if isinstance(v, tuple) else v
        if meta.get("undecided"):
            out["undecided"] = True
        if meta.get("mark_left") is not None:  # OCR: unread ink before the digits (ocr_check)
            out["mark_left"] = bool(meta["mark_left"])
        if meta.get("upright_one") is not None:  # OCR: a lone 1's ink stands upright (ocr_check)
            out["upright_one"] = bool(meta["upright_one"])
    return out


def cell_meta(mapped: dict) -> dict:
    """{table: {row: {column: provenance}}} for every cell present in each Mapped's raw.

    `mapped` is {table key: Mapped}. Values of undecided cells are set to null in place.
    """
    out: dict = {}
    for table, m in mapped.items():
        if m.raw is None:
            out[table] = None
            continue
        tab: dict = {}
        for row, cols in m.raw.items():
            if not isinstance(cols, dict):
                continue
            src = m.cells.get(row) or {}
            r: dict = {}
            for col, raw in cols.items():
                if raw is None:
                    r[col] = None
                    continue
                cell = src.get(col)
                meta = None if cell is None else cell.meta
                if not meta:
                    r[col] = _PRINTED.copy()
                    continue
                r[col] = one(meta)
                if meta.get("undecided") and m.values is not None:
                    m.values[row][col] = None
            tab[row] = r
        out[table] = tab
    return out
