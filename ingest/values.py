"""Printed cell text → value. Null (not reported) stays distinct from 0.

Counts come back as int, money as Decimal; anything that cannot be read as a number is
returned as `Unreadable` so the caller can warn instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Printed marks meaning "not reported". Compared after stripping whitespace.
NULL_MARKS = {"", "/", "／", "—", "——", "-", "－", "–", "无", "空", "\\", "×", "x", "X", "…"}

_UNITS = re.compile(r"(万元|千元|元|件|个|次|项|人|条|份|户|家)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Unreadable:
    raw: str


def clean_text(raw: str) -> str:
    """NFKC (full-width digits/signs → ASCII) and drop every kind of whitespace."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\u00a0\u3000\u200b\ufeff]+", "", text)


def parse_value(raw: str | None, kind: str = "count") -> int | Decimal | None | Unreadable:
    """kind: count | signed_count | money (see templates.yaml)."""
    if raw is None:
        return None
    # Fast path: most printed cells are plain ASCII digits (a parser calls this per cell).
    if raw.isascii():
        plain = raw.strip()
        if plain.isdigit():
            return Decimal(plain) if kind == "money" else int(plain)
    text = clean_text(raw)
    if text in NULL_MARKS:
        return None
    sign = ""
    if text.startswith(("减少", "减")):
        sign, text = "-", text.lstrip("减少")
    elif text.startswith(("增加", "增")):
        text = text.lstrip("增加")
    text = text.replace(",", "").replace("，", "")
    text = _UNITS.sub("", text)
    if text.startswith("+"):
        text = text[1:]
    if text.startswith("-") and sign:  # "减少-2" is not a thing; keep it unreadable
        return Unreadable(raw)
    if not _NUMBER.match(text):
        return Unreadable(raw)
    text = sign + text
    if kind == "money":
        try:
            return Decimal(text)
        except InvalidOperation:
            return Unreadable(raw)
    if "." in text:
        # A count printed as "12.0" is still 12; "12.5" is not a count.
        d = Decimal(text)
        if d != d.to_integral_value():
            return Unreadable(raw)
        text = str(int(d))
    return int(text)


def is_numberlike(raw: str) -> bool:
    """True if the text reads as a value or an explicit null mark: used to tell cells from labels."""
    if raw.isascii() and raw.strip().isdigit():
        return True
    v = parse_value(raw, "money")
    return not isinstance(v, Unreadable)
