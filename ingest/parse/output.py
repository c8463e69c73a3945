"""The parse result as JSON (money as exact JSON numbers) or as a table an analyst can read."""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal


def to_json(report: dict, *, indent: int | None = 2) -> str:
    """JSON with every Decimal printed exactly as a number: 1077.892534, never 1077.8925340000001
    and never "1077.892534"."""
    token = secrets.token_hex(8)
    marker = re.compile(rf'"@dec{token}:([-0-9.]+)"')

    def default(obj):
        if isinstance(obj, Decimal):
            if not obj.is_finite():
                return None
            return f"@dec{token}:{format(obj, 'f')}"
        if hasattr(obj, "isoformat"):
            return obj.isoformat()
        raise TypeError(f"cannot serialise {type(obj).__name__}")

    text = json.dumps(_decimals_to_markers(report, default), ensure_ascii=False, indent=indent)
    return marker.sub(lambda m: m.group(1), text)


def _decimals_to_markers(obj, default):
    # json.dumps only calls `default` for unknown types; Decimal is one, but walk explicitly so
    # Decimals used as values inside lists and dicts are all caught the same way.
    if isinstance(obj, dict):
        return {k: _decimals_to_markers(v, default) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_decimals_to_markers(v, default) for v in obj]
    if isinstance(obj, Decimal):
        return default(obj)
    return obj


def to_text(report: dict) -> str:
    """A plain-text rendering: metadata, the three tables as printed, warnings."""
    out: list[str] = []
    for key in ("title", "issuer", "year", "year_source", "published_date", "index_no", "template",
                "table3_shape", "info_processing_fee_yuan"):
        out.append(f"{key:24} {_fmt(report.get(key))}")
    for name in ("table2", "table3", "table4"):
        table = report.get(name)
        out.append("")
        if table is None:
            out.append(f"{name}: not printed")
            continue
        cols: list[str] = []
        for row in table.values():
            for c in row:
                if c not in cols:
                    cols.append(c)
        width = max(len(k) for k in table) + 2
        out.append(f"{name}:".ljust(width) + " ".join(f"{c[:14]:>14}" for c in cols))
        for rk, row in table.items():
            cells = " ".join(f"{_fmt(row[c]) if c in row else '':>14}" for c in cols)
            out.append(f"  {rk}".ljust(width) + cells)
    narrative = report.get("narrative") or {}
    if narrative:
        out.append("")
        out.append("narrative:")
        for k, v in narrative.items():
            out.append(f"  {k:24} {_fmt(v.get('value'))}   « {v.get('raw_text')} »")
    warnings = report.get("warnings") or []
    out.append("")
    out.append(f"warnings: {len(warnings)}")
    out.extend(f"  - {w}" for w in warnings)
    return "\n".join(out)


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)
