"""The gate on readings placed from page geometry: a table is shipped only when the template's
own arithmetic does not contradict the reading.

A table printed with its markup (HTML, Word) keeps every value in its cell. A table read off a
page (PDF text, OFD, OCR — `layout.Block.from_geometry`) is rebuilt from where characters
stand, and a page break can cut it anywhere: a continuation printed with fewer label columns
shifts every row by a column, two rows' labels run together, a header row split over two
pages names no column. Such a reading still yields numbers — wrong ones. The balancing rules of
templates.yaml (`rules`: t3_row_total, t3_column_balance, t3_outcome_total, t4_group_total)
catch it (with the identities the optional subtotals imply: `subtotal_instances`), because a shifted or misplaced value breaks them wholesale, while a publisher's slip
breaks them in one place.

- **Identities.** Every rule instance whose cells are all read is evaluated. The instances that
  break are explained by a publisher's slip when a few cells (`SLIPS`: at most two wrong
  printed numbers) lie in every one of them; real reports break their tables at most that way
  (the corpus and fixtures: 0–1 cells). A reading that needs more is ours, not the
  publisher's: every value of the table is nulled (raw text kept) with ONE warning naming the
  identities it broke.
- **Header.** A table-3 header that names only some applicant columns (split across a page
  break, set vertically) leaves the columns it does name unconfirmed: no row total can be
  evaluated, so the table is null.
- **Placement by order.** A table-3 row whose label is not printed beside its values was placed
  by the template order (or, when another row of values matched no template row, by the
  labels printed around it — the alignment may have slid past the stray row), or a row with
  fewer values than columns placed from the left; on a page-laid table that is a guess unless the arithmetic proves the
  place: the row stands alone on one side of a rule instance that holds in every column (only
  （七）总计 can be proven so). Otherwise its cells are nulled with a warning. Table 4 read in
  template order is kept only with all 15 numbers and every group total holding; fewer numbers
  than cells are never placed.

The mapper calls `check` for a table whose blocks say they came from page geometry; it never
asks which format that was.
"""

from __future__ import annotations

from ingest import templates as template_spec
from ingest.parse.mapping.cells import Mapped

SLIPS = 2  # wrong printed cells a publisher's table may hold: more broken identities are ours


def rule_instances(report: dict, templates=None) -> list[tuple[str, str, list, list]]:
    """(rule id, table, lhs cells, rhs cells) for every rule instance of this report:
    `report` holds table3 / table4 values by row and column, and `table3_shape`."""
    if templates is None:
        templates = template_spec.load()
    out = []
    shape = report.get("table3_shape")
    for rule in templates.rules:
        if rule.across_years:
            continue
        table = report.get(rule.table)
        if not isinstance(table, dict):
            continue
        rhs = rule.rhs
        if rhs == "detail_columns":
            rhs = templates.table3_detail_columns
        elif rhs == "outcome_rows":
            if shape is None:
                continue
            rhs = templates.table3_outcome_rows(shape)
        elif isinstance(rhs, str):
            continue  # a term this checker does not know: validation owns the error
        rows = [r for r, cols in table.items() if isinstance(cols, dict)]
        if rule.per == "column":
            cols = list(dict.fromkeys(c for r in rows for c in table[r]))
            for col in cols:
                out.append((rule.id, rule.table, [(r, col) for r in rule.lhs], [(r, col) for r in rhs]))
        elif rule.per in ("row", "group"):
            for r in rows:
                out.append((rule.id, rule.table, [(r, c) for c in rule.lhs], [(r, c) for c in rhs]))
    return out


def subtotal_instances(values: dict, templates=None) -> list[tuple[str, list, list]]:
    """The identities the template's structure implies for the optional subtotals a table 3
    prints: a 小计 row = the rows of its group (per column), the 法人 小计 column = the
    legal-person columns (per row). Not balancing rules of their own (a report without
    subtotals has none), but a reading that breaks them misplaced a row or a column."""
    if templates is None:
        templates = template_spec.load()
    out: list[tuple[str, list, list]] = []
    cols = list(dict.fromkeys(c for r in values.values() if isinstance(r, dict) for c in r))
    for sub in templates.table3_rows:
        if sub.subtotal and sub.key in values:
            parts = [r.key for r in templates.table3_rows
                     if r.parent == sub.parent and not r.subtotal and r.key in values]
            for col in cols:
                out.append(("t3_subtotal_row", [(sub.key, col)], [(r, col) for r in parts]))
    if "legal_person_subtotal" in cols:
        legal = [c.key for c in templates.table3_columns if c.group == "legal_person" and c.detail]
        for row in values:
            out.append(("t3_subtotal_column", [(row, "legal_person_subtotal")], [(row, c) for c in legal]))
    return out


def holds(values: dict, lhs: list, rhs: list) -> bool | None:
    """Whether one rule instance holds over `values` (row → column → value); None when a cell
    is missing or null (not evaluable)."""
    total = 0
    for sign, side in ((1, lhs), (-1, rhs)):
        for r, c in side:
            v = (values.get(r) or {}).get(c)
            if v is None or isinstance(v, bool) or not isinstance(v, int):
                return None
            total += sign * v
    return total == 0


def slips_needed(broken: list[set], cap: int = SLIPS) -> int:
    """The fewest cells lying in every broken instance (a hitting set), or cap + 1 when more
    than `cap` are needed."""
    if not broken:
        return 0
    def hit(sets: list[set], k: int) -> bool:
        if not sets:
            return True
        if k == 0:
            return False
        return any(hit([s for s in sets if c not in s], k - 1) for c in sets[0])
    for k in range(1, cap + 1):
        if hit(broken, k):
            return k
    return cap + 1


def check(table: str, m: Mapped, shape: str | None = None) -> list[tuple[str, str]]:
    """Gate one page-laid table in place (values nulled, one warning added to `m.warnings`).
    Returns the (row, column) cells nulled, each named in the returned list once."""
    if m.values is None:
        return []
    nulled: list[tuple[str, str]] = []
    values = m.values
    insts = [(rid, lhs, rhs) for rid, t, lhs, rhs in
             rule_instances({table: values, "table3_shape": shape}) if t == table]
    if table == "table3":
        insts += subtotal_instances(values)
    by_order = m.extra.get("by_order")
    missing = m.extra.get("missing_columns") if table == "table3" else None
    if missing:
        # a header that names only some columns (split across a page break, set vertically):
        # the columns it did name are unconfirmed, and no row total can confirm them
        cells = [(r, c) for r, cols in values.items() if isinstance(cols, dict)
                 for c, v in cols.items() if v is not None]
        for r, c in cells:
            values[r][c] = None
        if cells:
            m.warnings.append(f"{table}: read from page positions, its header names no column for "
                              f"{', '.join(missing)}; the columns it names cannot be confirmed by the "
                              "row totals, so all its cells are null")
        return cells
    if table == "table3" and by_order:
        order = [k.lstrip("<") for k in by_order if k and not k.startswith("~")]
        if "" in by_order:
            # a row of values matched no template row: the rows placed by the labels around
            # them may have slid past it
            order += [k[1:] for k in by_order if k.startswith("~")]
        for key in dict.fromkeys(order):
            proven = all(
                any(holds(values, lhs, rhs) and ([(key, col)] == lhs or [(key, col)] == rhs)
                    for _, lhs, rhs in insts)
                for col in values.get(key, {}))
            if proven:
                continue
            cells = [(key, c) for c, v in values.get(key, {}).items() if v is not None]
            for r, c in cells:
                values[r][c] = None
            nulled.extend(cells)
            if cells:
                m.warnings.append(f"{table} {key}: read from page positions with its label not beside "
                                  "its values or fewer values than columns; the template order is a "
                                  "guess no rule proves, so its cells are null")
    if table == "table4" and by_order:
        broken = [rid for rid, lhs, rhs in insts if holds(values, lhs, rhs) is not True]
        if by_order == "short" or broken:
            cells = [(g, c) for g, cols in values.items() for c, v in cols.items() if v is not None]
            for g, c in cells:
                values[g][c] = None
            why = ("fewer numbers than cells" if by_order == "short"
                   else f"its group totals do not confirm the order ({len(broken)} of 3 fail or are not read)")
            m.warnings.append(f"table4: read from page positions in template order, {why}; "
                              "a placement no rule proves, so its cells are null")
            return nulled + cells
    broken_insts = [(rid, lhs, rhs) for rid, lhs, rhs in insts if holds(values, lhs, rhs) is False]
    need = slips_needed([set(lhs) | set(rhs) for _, lhs, rhs in broken_insts])
    if need <= SLIPS:
        return nulled
    named: dict[str, list[str]] = {}
    for rid, lhs, rhs in broken_insts:
        where = lhs[0][1] if rid in ("t3_column_balance", "t3_outcome_total") else lhs[0][0]
        if rid == "t3_subtotal_row":
            where = f"{lhs[0][0]}/{lhs[0][1]}"
        named.setdefault(rid, []).append(where)
    listing = "; ".join(f"{rid} at {', '.join(ws)}" for rid, ws in named.items())
    cells = [(r, c) for r, cols in values.items() if isinstance(cols, dict)
             for c, v in cols.items() if v is not None]
    for r, c in cells:
        values[r][c] = None
    m.warnings.append(f"{table}: read from page positions, its numbers break {len(broken_insts)} of the "
                      f"template's identities ({listing}) — more than {SLIPS} misprinted cells explain; "
                      "a misread table (cut by a page break?), so all its cells are null")
    return nulled + cells


def annotate(cell_meta: dict, table: str, cells: list[tuple[str, str]]) -> None:
    """Say in each nulled cell's provenance that the gate nulled it."""
    tab = cell_meta.get(table) or {}
    for r, c in cells:
        meta = (tab.get(r) or {}).get(c)
        if meta is not None:
            meta["note"] = ("read from page positions but the template's identities do not confirm "
                            "the reading: null")
