"""One parser result (the dict of report-format.md) → the loader's row shapes.

Values travel as canonical decimal strings: DuckDB casts them to DECIMAL(24,6) in bulk, which
is far cheaper than building millions of Python Decimal objects for Arrow. Every key the parser
emits becomes a cell row; a key whose raw text is null is a cell the layout lacks, which is not
the same as a printed blank (is_blank).

Each cell also carries how it was read (the parser's `cell_meta`, ingest/parse/mapping/provenance.py):
`read_method` (printed | recovered | ocr; null where the layout has no cell), `read_confidence`,
`page_no`, `bbox`, and `read_detail` (JSON of the rest: candidates, rules, note, undecided).
"""

from __future__ import annotations

import json
from decimal import Decimal

from ingest.values import parse_value

TABLES = ("table2", "table3", "table4")
CELL_FIELDS = ("table_key", "row_key", "column_key", "value", "raw_text", "is_blank",
               "read_method", "read_confidence", "page_no", "bbox", "read_detail")
_DETAIL_KEYS = ("candidates", "rules", "note", "undecided")


def value_text(value) -> str | None:
    """int / Decimal / float / numeric string → plain decimal text (no exponent), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except ArithmeticError:
            return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return format(value, "f")
    return None


def _raw_text(raw) -> str | None:
    if raw is None:
        return None
    return raw if isinstance(raw, str) else str(raw)


def cells(report: dict) -> dict[str, list]:
    """Columnar cell rows of one report (keys: CELL_FIELDS)."""
    out: dict[str, list] = {f: [] for f in CELL_FIELDS}
    raw_all = report.get("raw") or {}
    meta_all = report.get("cell_meta") or {}
    for table in TABLES:
        rows = report.get(table)
        if not isinstance(rows, dict):
            continue  # the report lacks this table
        raw_rows = raw_all.get(table) or {}
        meta_rows = meta_all.get(table) or {}
        for row_key, cols in rows.items():
            if not isinstance(cols, dict):
                continue
            raw_cols = raw_rows.get(row_key) or {}
            meta_cols = meta_rows.get(row_key) or {}
            for col_key, value in cols.items():
                raw = _raw_text(raw_cols.get(col_key)) if isinstance(raw_cols, dict) else None
                meta = meta_cols.get(col_key) if isinstance(meta_cols, dict) else None
                _provenance(out, raw, meta if isinstance(meta, dict) else None)
                text = value_text(value)
                out["table_key"].append(table)
                out["row_key"].append(row_key)
                out["column_key"].append(col_key)
                out["value"].append(text)
                out["raw_text"].append(raw)
                out["is_blank"].append(text is None and raw is not None and parse_value(raw) is None)
    return out


def _provenance(out: dict, raw: str | None, meta: dict | None) -> None:
    if raw is None:  # no cell in the layout: nothing was read
        for f in ("read_method", "read_confidence", "page_no", "bbox", "read_detail"):
            out[f].append(None)
        return
    meta = meta or {}
    out["read_method"].append(str(meta.get("read") or "printed"))
    conf = meta.get("confidence")
    out["read_confidence"].append(float(conf) if isinstance(conf, (int, float)) else None)
    page = meta.get("page")
    out["page_no"].append(page if isinstance(page, int) and not isinstance(page, bool) else None)
    bbox = meta.get("bbox")
    ok = isinstance(bbox, (list, tuple)) and len(bbox) == 4 and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in bbox)
    out["bbox"].append([float(x) for x in bbox] if ok else None)
    detail = {k: meta[k] for k in _DETAIL_KEYS if meta.get(k) is not None}
    out["read_detail"].append(json.dumps(detail, ensure_ascii=False) if detail else None)


def narrative_facts(report: dict) -> list[tuple[str, str | None, str | None]]:
    """(fact_key, value text, raw text) for each headline number the parser read in the text.

    Accepts the shapes a parser may reasonably emit: {key: value}, {key: {value, raw[_text]}}
    or [{key|fact_key, value, raw[_text]}].
    """
    narrative = report.get("narrative") or {}
    items: list[tuple[str, object, object]] = []
    if isinstance(narrative, dict):
        for key, v in narrative.items():
            if isinstance(v, dict):
                items.append((key, v.get("value"), v.get("raw_text", v.get("raw", v.get("text")))))
            elif isinstance(v, list):  # several statements of one fact: keep each
                for i, one in enumerate(v):
                    if isinstance(one, dict):
                        items.append((key if i == 0 else f"{key}#{i + 1}", one.get("value"),
                                      one.get("raw_text", one.get("raw", one.get("text")))))
                    else:
                        items.append((key if i == 0 else f"{key}#{i + 1}", one, None))
            else:
                items.append((key, v, None))
    elif isinstance(narrative, list):
        for one in narrative:
            if isinstance(one, dict):
                key = one.get("fact_key") or one.get("key")
                if key:
                    items.append((key, one.get("value"), one.get("raw_text", one.get("raw", one.get("text")))))
    return [(str(k), value_text(v), _raw_text(r)) for k, v, r in items]
