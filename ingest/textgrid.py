"""Plain-text tables for the analyst commands (`status`, `compare`): columns aligned by display
width, so Chinese characters (two terminal cells each) line up with Latin text and digits."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int, right: bool = False) -> str:
    gap = " " * max(0, n - width(text))
    return gap + text if right else text + gap


def render(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """Header, a rule, then the rows; columns in `right` (by index) are right-aligned."""
    right = right or set()
    widths = [max([width(header[i])] + [width(r[i]) for r in rows]) for i in range(len(header))]
    lines = ["  ".join(pad(h, widths[i], i in right) for i, h in enumerate(header)).rstrip(),
             "  ".join("─" * w for w in widths)]
    for r in rows:
        lines.append("  ".join(pad(c, widths[i], i in right) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def number(value, *, percent: bool = False, money: bool = False) -> str:
    """A value as an analyst reads it: thousands separated, ratios as %, null as an em dash."""
    if value is None:
        return "—"
    try:
        if value != value:  # NaN
            return "—"
    except TypeError:
        pass
    if percent:
        return f"{float(value) * 100:.1f}%"
    if money:
        return f"{float(value):,.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
