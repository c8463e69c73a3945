"""Table 2 (主动公开): which template the report prints, then its rows and columns."""

from __future__ import annotations

from ingest import templates
from ingest.parse.layout import Block
from ingest.parse.mapping import align as aligner
from ingest.parse.mapping.cells import Cell, Mapped, RowView, distinct_cells, is_numberlike, read_value, spec, split_row
from ingest.parse.vocab import labels as L

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
    sp = spec()
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
            data.append((RowView([c.text for c in labs], vals, block.origin), by_col))
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
            read_row = read[r.key] = {}
            for c, cell in zip(cols, cells):
                text = None if cell is None else cell.text
                rr[c] = text
                read_row[c] = cell
                col = colspec[c]
                if cell is None:
                    warnings.append(f"table2 {r.key}/{c}: not printed; value null")
                rv[c] = read_value(text, col.kind, warnings, "table2", r.key, c)
                if text and col.unit == "万元" and _unit_is_yuan(text):
                    warnings.append(f"table2 {r.key}/{c}: printed {text!r} in 元 in a 万元 column; kept as printed")
        values[r.key] = rv
        raw[r.key] = rr
    return Mapped(values, raw, warnings, cells=read)


def _unit_is_yuan(text: str) -> bool:
    s = text.strip()
    return s.endswith("元") and not s.endswith("万元")


