"""OCR'd numbers checked by the template's arithmetic (the balancing rules of templates.yaml).

OCR confuses a few digit shapes (1/7, 0/8/6/9, 3/8, 5/6), drops a digit or reads one twice.
A report's tables restate their numbers (row totals, column totals, new + carried over = handled
+ carried forward), so a misread usually breaks a rule. For every rule instance the OCR'd
numbers break, each OCR'd cell in it is solved for: the value that would make that instance
hold. When that value is another reading of the same glyphs (one confusion, one dropped or one
doubled digit) and, put in, every rule instance the cell takes part in holds, it is a candidate.

- exactly one candidate across the broken instances → the cell is corrected (its raw text stays
  what OCR read; cell_meta notes the correction, the rules that decided it and the candidates);
- several → every candidate cell is set to null, with a warning naming the glyphs and the
  readings, because a wrong number is worse than a missing one;
- none → the numbers stay as read: no reading of the glyphs explains the break, so it is the
  publisher's arithmetic (validation reports it), not an OCR slip we can name.

A number of a column that may be negative (kind signed_count: table 2's 本年增/减) read without
a sign is kept only when the page shows no unread ink just left of its digits (the cell's
`mark_left` is False, ocr_image.mark_unread_signs): OCR drops a minus before digits with full
confidence, and table 2 has no rule to catch it. Otherwise → null with a warning.

A lone "1" is kept only when the front end found its ink upright (`upright_one`,
ocr_image.mark_upright_ones) or a rule that holds confirms it: OCR reads the slash of a cell
that does not apply as "1", with a genuine 1's score. Otherwise → null with a warning.

Only single-cell misreads are resolved; rules across years are not used (one report alone).
Printed (text-layer) cells are never changed: they are only terms of the equations.
"""

from __future__ import annotations

import re

from ingest import templates as template_spec
from ingest.parse.mapping.gate import rule_instances

# Digit shapes OCR takes for one another (both directions listed).
CONFUSIONS = {
    "0": "869", "8": "0693", "6": "0895", "9": "086", "1": "7", "7": "1", "3": "8", "5": "6",
}
_DIGITS = re.compile(r"^\d{1,9}$")


def readings(glyphs: str) -> set[int]:
    """Other numbers the same glyphs may be: one digit confused, one dropped, one doubled."""
    out: set[str] = set()
    for i, ch in enumerate(glyphs):
        for alt in CONFUSIONS.get(ch, ""):
            out.add(glyphs[:i] + alt + glyphs[i + 1:])
        if i + 1 < len(glyphs) and glyphs[i + 1] == ch:
            out.add(glyphs[:i] + glyphs[i + 1:])  # one digit read twice
    for i in range(len(glyphs) + 1):
        for d in "0123456789":
            out.add(glyphs[:i] + d + glyphs[i:])  # one digit missed
    out.discard(glyphs)
    return {int(s) for s in out if s and (s == "0" or not s.startswith("0"))}


def check(report: dict, templates=None) -> dict:
    """Correct or null OCR'd numbers by the balancing rules, in place; returns the report."""
    meta = report.get("cell_meta") or {}
    if not any(m and m.get("read") == "ocr" for tab in meta.values() if isinstance(tab, dict)
               for row in tab.values() if isinstance(row, dict) for m in row.values()):
        return report
    if templates is None:
        templates = template_spec.load()

    def value(table, row, col):
        v = (report.get(table) or {}).get(row, {})
        return v.get(col) if isinstance(v, dict) else None

    def is_ocr(table, row, col):
        m = ((meta.get(table) or {}).get(row) or {}).get(col)
        return bool(m) and m.get("read") == "ocr"

    def glyphs(table, row, col):
        raw = (((report.get("raw") or {}).get(table) or {}).get(row) or {}).get(col)
        g = re.sub(r"[\s,，]", "", raw or "")
        return g if _DIGITS.match(g) else None

    insts = rule_instances(report, templates)
    by_cell: dict[tuple, list[int]] = {}
    for i, (_, table, lhs, rhs) in enumerate(insts):
        for row, col in lhs + rhs:
            by_cell.setdefault((table, row, col), []).append(i)

    def holds(i, override=None):
        _, table, lhs, rhs = insts[i]

        def v(row, col):
            if override and override[0] == (table, row, col):
                return override[1]
            return value(table, row, col)

        vals_l = [v(r, c) for r, c in lhs]
        vals_r = [v(r, c) for r, c in rhs]
        if any(x is None for x in vals_l + vals_r):
            return None  # not evaluable
        return sum(vals_l) == sum(vals_r)

    _unconfirmed_low_confidence(report, meta, by_cell, holds, value, is_ocr)
    _doubtful_ones(report, meta, by_cell, holds, value, is_ocr)
    _unsure_signs(report, meta, templates)
    broken = [i for i in range(len(insts)) if holds(i) is False]
    if not broken:
        return report
    # cell → {candidate value: rule ids that needed it}
    candidates: dict[tuple, dict[int, set[str]]] = {}
    for i in broken:
        rid, table, lhs, rhs = insts[i]
        for side, (row, col) in [(0, t) for t in lhs] + [(1, t) for t in rhs]:
            key = (table, row, col)
            g = glyphs(*key)
            if not is_ocr(*key) or g is None:
                continue
            others_l = sum(value(table, r, c) or 0 for r, c in lhs if (r, c) != (row, col))
            others_r = sum(value(table, r, c) or 0 for r, c in rhs if (r, c) != (row, col))
            need = others_r - others_l if side == 0 else others_l - others_r
            if need < 0 or need not in readings(g):
                continue
            if all(holds(j, (key, need)) is not False for j in by_cell.get(key, [])):
                decided = {insts[j][0] for j in by_cell[key] if holds(j, (key, need))}
                candidates.setdefault(key, {}).setdefault(need, set()).update(decided)
    if not candidates:
        return report
    total = sum(len(v) for v in candidates.values())
    warnings = report.setdefault("warnings", [])
    if total == 1:
        (key, alts), = candidates.items()
        (new, rules), = alts.items()
        table, row, col = key
        old, g = value(*key), glyphs(*key)
        report[table][row][col] = new
        m = meta[table][row][col]
        m.update(candidates=1, rules=sorted(rules),
                 note=f"OCR read {g!r} ({old}); the rules {', '.join(sorted(rules))} hold only for "
                      f"{new}, a reading of the same glyphs: corrected")
        warnings.append(f"OCR check: {table} {row}/{col} read {g!r} as {old}; corrected to {new}, "
                        f"the one reading of those glyphs for which {', '.join(sorted(rules))} hold")
        return report
    listing = "; ".join(f"{t} {r}/{c} read {glyphs(t, r, c)!r} could be {sorted(alts)}"
                        for (t, r, c), alts in candidates.items())
    for key, alts in candidates.items():
        table, row, col = key
        report[table][row][col] = None
        m = meta[table][row][col]
        m.update(candidates=total, rules=sorted(set().union(*alts.values())),
                 note=f"OCR read {glyphs(*key)!r}; {total} readings of the broken rules' cells would "
                      "balance them, so none is chosen: null")
    warnings.append(f"OCR check: the balancing rules break and {total} different readings would "
                    f"mend them ({listing}); those cells are left null")
    return report


LOW_CONFIDENCE = 0.6  # below this a recognised number is a guess unless a rule confirms it


def _ocr_cells(report, meta, is_ocr):
    """(table, row, column, provenance) of every OCR'd cell of the report's tables."""
    for table, rows in meta.items():
        if not isinstance(rows, dict) or not isinstance(report.get(table), dict):
            continue
        for row, cols in rows.items():
            for col, m in (cols or {}).items():
                if m and is_ocr(table, row, col):
                    yield table, row, col, m


def _null_unless_confirmed(report, by_cell, holds, cell, m, note, warning) -> None:
    """Null an OCR'd number with a note and a warning, unless a balancing rule that holds with
    it confirms it."""
    table, row, col = cell
    if any(holds(i) for i in by_cell.get(cell, [])):
        return
    report[table][row][col] = None
    m["note"] = note
    report.setdefault("warnings", []).append(f"OCR check: {table} {row}/{col} {warning}; left null")


def _unconfirmed_low_confidence(report, meta, by_cell, holds, value, is_ocr) -> None:
    """OCR'd numbers read with low confidence that no balancing rule confirms → null."""
    for table, row, col, m in _ocr_cells(report, meta, is_ocr):
        conf = m.get("confidence")
        if conf is None or conf >= LOW_CONFIDENCE or value(table, row, col) is None:
            continue
        raw = report["raw"][table][row][col]
        _null_unless_confirmed(report, by_cell, holds, (table, row, col), m,
                               f"OCR read {raw!r} with confidence {conf:.2f} and no balancing rule "
                               "confirms it: null",
                               f"read {raw!r} with confidence {conf:.2f}, which no balancing rule confirms")


def _doubtful_ones(report, meta, by_cell, holds, value, is_ocr) -> None:
    """A lone "1" OCR read whose ink the front end did not find upright (`upright_one` not True:
    ocr_image.mark_upright_ones) → null, unless a balancing rule that holds confirms it.

    A report prints "/" in a cell that does not apply; blurred, OCR reads it "1" with the
    score of a genuine 1, so no confidence threshold separates them. The slash's lean does:
    the front end measures the stroke and marks the upright ones. A 1 whose ink leans, or
    that could not be measured (`upright_one` missing: its words were not kept), is a number no
    second reading confirms; table 2 has no rule to confirm it, tables 3 and 4 may."""
    for table, row, col, m in _ocr_cells(report, meta, is_ocr):
        if m.get("upright_one") is True:
            continue
        raw = ((report.get("raw") or {}).get(table) or {}).get(row, {}).get(col)
        if value(table, row, col) != 1 or re.sub(r"\s", "", raw or "") != "1":
            continue
        why = ("its stroke leans like a slash ('/', the mark of a cell that does not apply)"
               if m.get("upright_one") is False else "its ink could not be checked for a slash")
        _null_unless_confirmed(report, by_cell, holds, (table, row, col), m,
                               f"OCR read '1', but {why} and no balancing rule confirms it: null",
                               f"read '1', but {why}, and no balancing rule confirms it")


_SIGNED = re.compile(r"^\s*[-+−－﹣—–]")


def _unsure_signs(report, meta, templates) -> None:
    """Unsigned OCR'd numbers of signed columns with unread ink before them (or no evidence
    either way) → null: the sign may be lost, and a lost minus is a wrong number."""
    for table in ("table2",):
        template = (report.get("templates") or {}).get(table)
        if not template or not isinstance(report.get(table), dict):
            continue
        signed = {k for k, c in templates.table2_columns(template).items() if c.kind == "signed_count"}
        for row, cols in (meta.get(table) or {}).items():
            for col, m in (cols or {}).items():
                if col not in signed or not m or m.get("read") != "ocr" or m.get("mark_left") is False:
                    continue
                v = (report[table].get(row) or {}).get(col)
                raw = report["raw"][table][row][col] or ""
                if not v or v < 0 or _SIGNED.match(raw):
                    continue  # 0 has no sign; a read sign is evidence
                report[table][row][col] = None
                why = ("ink stands just left of its digits that OCR did not read" if m.get("mark_left")
                       else "no digit shapes to check for a sign before them")
                m["note"] = f"OCR read {raw!r} in a column that may be negative, and {why}: null"
                report.setdefault("warnings", []).append(
                    f"OCR check: {table} {row}/{col} read {raw!r} in a column that may be negative, "
                    f"and {why} (a lost minus sign?); left null")
