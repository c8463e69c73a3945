"""Tables from text whose cells lost their boundaries (`行政规范性文件1129`, `801000081`).

Third-party archives of portal pages, flip-book viewers, PDF-to-text and OCR conversions run
every table cell into the next. This front end recovers the tables by the template's own
arithmetic and hands the mapper the same intermediate form as every other front end
(layout.Block, flattened rows in template order, with per-cell provenance in `Block.meta`).

API (for any front end whose cell boundaries are uncertain: text, PDF text lines, OCR, Word):

    from ingest.parse import glued
    block, warnings = glued.decode_section(lines, "table3", template_hint="2021", narrative=text)
    # block: layout.Block | None (None: no row of the table found — fall back to your own rows)
    glued.looks_glued(lines, "table3") -> bool    # row labels run into digits or each other
    glued.split_headings(lines) -> lines          # numbered section headings onto lines of their own

`lines` are the text lines of one table section (the heading excluded); a line break and any
whitespace count as certain cell boundaries, nothing else does. `narrative` is the report's
running text (optional): its figures (受理申请 N 件, 制发规范性文件 N 件 …) break ties.

Method (modules: find — tables and rows by their fixed labels; digits — the readings of one
row's digits, bounded; search — the whole-table search under the template's rules; evidence —
narrative figures):
1. Find each row by its template label, in template order, whatever runs into it (numbers, page
   chrome, leaked CSS, typos in headers); its digits are the first run of value characters after
   it, minus the next row's item number.
2. List every way to cut the row's digits into its number of cells (no leading zero except 0;
   decimals only in money columns; whitespace, null marks and signs are certain boundaries).
3. Choose one reading per row for the whole table at once, keeping every reading that breaks the
   fewest template rules (table 3: 总计 = 自然人 + 五类法人 per row, 一 + 二 = （七）总计 + 四 and
   （七）总计 = Σ outcome rows per column; the local 28 × 8 variant adds 小计 = the five 法人
   columns and each 小计 row = its group's rows; table 4: 总计 = 维持 + 纠正 + 其他 + 尚未审结), then
   agrees with the most narrative figures. One row's certainty settles another's.
4. A cell is kept only when all those readings agree on it. Never guessed: when several readings
   fit everything known (table 2 rows have no arithmetic: `164640` is 16|46|40 or 1|64|640 …),
   the cells stay null (their raw text the printed run, provenance `undecided`) and a warning
   names the printed digits and the candidates. Where the report's own totals do not add up, the
   printed digits are kept and a warning names the rules that break.
It assumes every cell printed a digit: a row with fewer digits than cells stays null.

Every cell's provenance (`Block.meta`): read "printed" when its digits stood alone between
certain boundaries, "recovered" when the search cut them out of a longer run; `candidates` (the
row's readings), `rules` (what decided it: "digits" when only one reading exists, else the rule
ids that held), `undecided` for the nulls.
"""

from __future__ import annotations

import functools
import re

from ingest import templates
from ingest.parse.glued import digits, evidence, find
from ingest.parse.glued.search import Rule, solve, state
from ingest.parse.layout import Block

__all__ = ["decode_section", "looks_glued", "split_headings"]

_GLUED = re.compile(r"[\u4e00-\u9fff）)][0-9０-９]|[0-9０-９][\u4e00-\u9fff（(]")
_SHOWN = 6  # candidate readings quoted in a warning


def split_headings(lines: list[str]) -> list[str]:
    """Cut long lines before every numbered section heading run into them (二、主动公开…)."""
    out: list[str] = []
    for line in lines:
        if len(line) <= 48:
            out.append(line)
            continue
        prev = 0
        for s, e, _key in find.heading_spans(line):
            if s < prev:
                continue
            for part in (line[prev:s], line[s:e]):
                if part.strip():
                    out.append(part.strip())
            prev = e
        if line[prev:].strip():
            out.append(line[prev:].strip())
    return out


def looks_glued(lines: list[str], section: str) -> bool:
    """True when a line of the section runs a row label into digits, or holds two row labels
    with digits between them: the cell boundaries of that text cannot be trusted."""
    labels = _row_labels(section)
    for line in lines:
        # both signs need a digit, and a row label is Chinese: most lines of text that kept its
        # cell boundaries (a label alone, a number alone) are settled without a search, which
        # was most of the time a text report took to parse
        if line.isascii() or not any(c.isdigit() for c in line):
            continue
        text = find.Text(line)
        hits = [h for lab in labels if (h := text.find(lab)) is not None]
        if len(hits) >= 2 and any(c.isdigit() for c in line):
            return True
        if hits and _GLUED.search(line):
            for s, e in hits:
                if e < len(text.text) and text.text[e].isdigit():
                    return True
    return False


@functools.lru_cache(maxsize=None)
def _row_labels(section: str) -> list[str]:
    t = templates.load()
    if section == "table2":
        rows = [r for tid in t.template_ids for r in t.table2_rows(tid)]
    elif section == "table3":
        rows = [r for r in t.table3_rows if len(templates.normalise(r.zh)) > 3]
    else:
        return [templates.normalise(c.zh) for c in t.table4_columns if c.key != "total"]
    return sorted({templates.normalise(r.zh) for r in rows})


def decode_section(lines: list[str], section: str, template_hint: str | None = None,
                   narrative: str = "", origin: str = "glued text") -> tuple[Block | None, list[str]]:
    """One table section's lines → (Block in template order with provenance, warnings)."""
    text = find.Text(" ".join(lines))
    warnings: list[str] = []
    if section == "table2":
        return _table2(text, template_hint, narrative, origin, warnings), warnings
    if section == "table3":
        return _table3(text, narrative, origin, warnings), warnings
    if section == "table4":
        return _table4(text, narrative, origin, warnings), warnings
    raise ValueError(f"unknown section {section!r}")


# ---------------------------------------------------------------------------------------------


class _Row:
    def __init__(self, key: str, label: str, run: str, kinds: list[str], anchored: bool = True):
        self.key = key
        self.label = label
        self.run = run
        self.kinds = kinds
        self.anchored = anchored
        self.toks = digits.tokens(run)
        self.readings = digits.readings(self.toks, kinds) if (self.toks and anchored) else []
        self.values = [tuple(digits.value(p, k) for p, k in zip(rd, kinds))
                       for rd in (self.readings or [])]


def _solve(rows: list[_Row], rules: list[Rule], table: str, names: dict[str, list[str]],
           origin: str, warnings: list[str], header: list[str] | None = None,
           complete: bool = True) -> Block:
    domains = {r.key: r.values for r in rows if r.readings}
    res = solve(domains, rules)
    if res.cut:
        warnings.append(f"{table}: the search over the glued digits was cut at its bound; only "
                        "cells each row decides on its own are kept")
    suspect: set[tuple[str, int]] = set()
    if res.broken and complete:
        warnings.append(f"{table}: the printed figures break {', '.join(sorted(res.broken))} in "
                        "every reading of the glued digits; kept as printed")
    elif res.broken:
        # Some rows were not found or not readable: the text's order may have mixed one row's
        # digits with another's (PDF text of wrapped labels does), so a broken total is no
        # longer the publisher's. Every cell of a broken rule stays null.
        for x in rules:
            if f"{x.id}({x.where})" in res.broken:
                suspect.update(x.lhs)
                suspect.update(x.rhs)
        warnings.append(f"{table}: with rows missing or unreadable in the glued text, the digits "
                        f"found break {', '.join(sorted(res.broken))}; the cells of those rules "
                        "are left null (their rows may be mixed up)")
    # one best assignment, to say which rules held
    chosen = {r: domains[r][ks[0]] for r, ks in res.best_rows.items() if ks}
    out_rows: list[list[str]] = []
    out_meta: list[list[dict | None]] = []
    if header:
        out_rows.append(header)
        out_meta.append([None] * len(header))
    for row in rows:
        cols = names[row.key]
        if not row.toks:
            out_rows.append([row.label])
            out_meta.append([None])
            continue
        run = " ".join(row.run.split())
        if row.readings is None or not row.readings:
            why = ("fits more readings than the search enumerates" if row.readings is None else
                   "do not follow the row's label (the text's order is not the table's)"
                   if not row.anchored else
                   f"cannot fill {len(cols)} cells (too few digits: a blank cell may have vanished)")
            warnings.append(f"{_where(table, row)}: the glued digits {run!r} {why}; "
                            f"{', '.join(cols)} left null")
            meta = {"read": "recovered", "candidates": 0 if row.readings is not None else None,
                    "undecided": True, "note": f"glued digits {run!r} {why}"}
            out_rows.append([row.label, *[run] * len(cols)])
            out_meta.append([None, *[meta] * len(cols)])
            continue
        sets = res.values[row.key]
        ks = res.best_rows[row.key]
        held = sorted({x.id.split(":")[0] if x.id.startswith("narrative") else x.id
                       for x in rules if row.key in x.rows and _holds(x, chosen)})
        rules_used = ["digits"] if len(row.readings) == 1 else held
        first = row.readings[ks[0]]
        whole = set(row.toks)
        undecided = [c for j, (c, s) in enumerate(zip(cols, sets))
                     if len(s) != 1 or (row.key, j) in suspect]
        if undecided and any(len(sets[j]) != 1 for j in range(len(cols))):
            shown = ", ".join("|".join(row.readings[k]) for k in ks[:_SHOWN])
            more = f" and {len(ks) - _SHOWN} more" if len(ks) > _SHOWN else ""
            warnings.append(f"{_where(table, row)}: the glued digits {run!r} fit "
                            f"{len(ks)} readings ({shown}{more}); {', '.join(undecided)} left null")
        texts = [row.label]
        metas: list[dict | None] = [None]
        for j, col in enumerate(cols):
            if (row.key, j) in suspect:
                texts.append(run)
                metas.append({"read": "recovered", "candidates": len(ks), "undecided": True,
                              "note": f"glued digits {run!r}: breaks a total while rows are missing"})
                continue
            if len(sets[j]) != 1:
                texts.append(run)
                metas.append({"read": "recovered", "candidates": len(ks), "undecided": True,
                              "note": f"glued digits {run!r}: {len(ks)} readings fit"})
                continue
            piece = first[j]
            texts.append(piece)
            own = piece in whole and _alone(row, first, j)
            metas.append({"read": "printed" if own else "recovered",
                          "candidates": len(row.readings), "rules": rules_used,
                          **({} if own else {"note": f"cut from the glued digits {run!r}"})})
        out_rows.append(texts)
        out_meta.append(metas)
    return Block(rows=out_rows, section=table, origin=origin, meta=out_meta)


def _where(table: str, row: _Row) -> str:
    return table if row.key == table else f"{table} {row.key} ({row.label})"


def _alone(row: _Row, reading: tuple[str, ...], j: int) -> bool:
    """Whether piece j of a reading is a whole token (its digits stood between boundaries)."""
    k = 0
    for tok in row.toks:
        if tok in digits.NULL_MARKS:
            if k == j:
                return True
            k += 1
            continue
        used = 0
        start = k
        while used < len(tok):
            used += len(reading[k])
            k += 1
        if start <= j < k:
            return k - start == 1
    return False


def _holds(rule: Rule, chosen: dict[str, tuple]) -> bool:
    return state(rule, chosen) is True


def _table2(text: find.Text, hint: str | None, narrative: str, origin: str,
            warnings: list[str]) -> Block | None:
    t = templates.load()
    template = find.template_of(text) or hint
    if template is None:
        warnings.append("table2: glued text names no template by its column headers; not decoded")
        return None
    found = find.table2_rows(text, template)
    if not found:
        return None
    spec = {r.key: r for r in t.table2_rows(template)}
    colspec = t.table2_columns(template)
    names = {k: list(r.columns) for k, r in spec.items()}
    rows = [_Row(f.key, f.label, f.run, [colspec[c].kind for c in names[f.key]], f.anchored)
            for f in found]
    rules = evidence.table2_rules(narrative, template)
    first_cols = names[rows[0].key]
    header = [" ".join(colspec[c].zh for c in first_cols)]
    return _solve(rows, rules, "table2", names, origin, warnings, header)


def _table3(text: find.Text, narrative: str, origin: str, warnings: list[str]) -> Block | None:
    t = templates.load()
    sub_col, sub_rows = find.table3_subtotals(text)  # the local 28 × 8 variant
    shape = find.table3_shape(text)
    found = find.table3_rows(text, shape, tuple(sub_rows))
    if len(found) < 2:
        return None
    cols = [c.key for c in t.table3_columns
            if not c.optional or (sub_col and c.key == "legal_person_subtotal")]
    names = {f.key: cols for f in found}
    rows = [_Row(f.key, f.label, f.run, ["count"] * len(cols), f.anchored) for f in found]
    keys = {r.key for r in rows}
    tot = cols.index("total")
    legal = [j for j, c in enumerate(cols) if c not in ("natural_person", "total",
                                                       "legal_person_subtotal")]
    rules: list[Rule] = []
    for r in rows:  # 总计 column = the six applicant columns (or 自然人 + 小计, and 小计 = the five)
        if sub_col:
            sj = cols.index("legal_person_subtotal")
            rules.append(Rule("t3_row_total", r.key, [(r.key, tot)], [(r.key, 0), (r.key, sj)]))
            rules.append(Rule("legal_person_subtotal", r.key, [(r.key, sj)],
                              [(r.key, j) for j in legal]))
        else:
            rules.append(Rule("t3_row_total", r.key, [(r.key, tot)],
                              [(r.key, j) for j in range(tot)]))
    # a rule is only a rule with all its rows found (a missing row is an unknown term)
    outcome = t.table3_outcome_rows(shape)
    outcome = outcome if set(outcome) <= keys else []
    groups = {}
    for r in t.table3_rows:
        if r.parent and not r.subtotal and r.shape in (None, shape):
            groups.setdefault(r.parent, []).append(r.key)
    for j, c in enumerate(cols):
        if {"new", "carried_over", "total", "carry_forward"} <= keys:
            rules.append(Rule("t3_column_balance", c, [("new", j), ("carried_over", j)],
                              [("total", j), ("carry_forward", j)]))
        if "total" in keys and outcome:
            rules.append(Rule("t3_outcome_total", c, [("total", j)], [(k, j) for k in outcome]))
        for key in sub_rows:  # a printed subtotal row = its group's rows
            members = groups.get(key.removesuffix("_subtotal"), [])
            if key in keys and members and set(members) <= keys:
                rules.append(Rule("subtotal_row", f"{key}/{c}", [(key, j)],
                                  [(k, j) for k in members]))
    rules += evidence.table3_rules(narrative, tot)
    expected = len(t.table3_row_keys(shape)) + len(sub_rows)
    complete = len(found) == expected and all(r.readings for r in rows)
    return _solve(rows, rules, "table3", names, origin, warnings, complete=complete)


def _table4(text: find.Text, narrative: str, origin: str, warnings: list[str]) -> Block | None:
    t = templates.load()
    run, has_total = find.table4_run(text)
    if not run:
        return None
    groups = [g["key"] for g in t.table4_groups]
    rules: list[Rule] = []
    for gi, g in enumerate(groups):
        b = gi * 5
        rules.append(Rule("t4_group_total", g, [("table4", b + 4)],
                          [("table4", b + k) for k in range(4)]))
    if not has_total:
        # Flattened copies often drop the 总计 header cells but keep all 15 numbers: read 15
        # only when some reading makes all three totals add up, else the 12 detail cells.
        row = _Row("table4", "行政复议", run, ["count"] * 15)
        if not row.readings or solve({"table4": row.values}, rules).broken:
            cols = [c.key for c in t.table4_columns if c.key != "total"]
            names = {"table4": [f"{g}/{c}" for g in groups for c in cols]}
            row = _Row("table4", "行政复议", run, ["count"] * len(names["table4"]))
            return _solve([row], [], "table4", names, origin, warnings)
    cols = [c.key for c in t.table4_columns]
    names = {"table4": [f"{g}/{c}" for g in groups for c in cols]}
    row = _Row("table4", "行政复议", run, ["count"] * len(names["table4"]))
    rules += evidence.table4_rules(narrative, True)
    return _solve([row], rules, "table4", names, origin, warnings)
