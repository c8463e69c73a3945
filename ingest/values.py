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
    """kind: count | signed_count | money (see templates.yaml).

    One printed cell's text. Full-width digits and signs read as ASCII (NFKC); a space, comma or
    full-width comma inside a number is accepted only as a thousands separator (1 to 3 digits,
    then groups of exactly 3: "18 468", "1,077.89"); any other inner separator ("3 5", "12,34")
    means the cell may hold two numbers, so it is Unreadable (null with a warning), never a
    number made by joining or cutting them. Chinese numerals (三, 十二, 一百零五, 两千) read as
    their value when well formed. A count never drops a fraction ("12.5" is Unreadable).
    """
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
    # the same text with inner whitespace kept (one space per run), to judge separators
    spaced = _WS.sub(" ", unicodedata.normalize("NFKC", raw)).strip()
    sign = ""
    for word, s in (("减少", "-"), ("减", "-"), ("增加", ""), ("增", "")):
        if spaced.startswith(word):
            sign, spaced = s, spaced[len(word):].lstrip()
            break
    spaced = _UNITS.sub("", spaced).rstrip()
    if spaced.startswith("+"):
        spaced = spaced[1:].lstrip()
    if spaced.startswith("-"):
        if sign:  # "减少-2" is not a thing; keep it unreadable
            return Unreadable(raw)
        sign, spaced = "-", spaced[1:].lstrip()
    if _CN_NUMERAL.fullmatch(spaced):
        n = chinese_number(spaced)
        if n is None:
            return Unreadable(raw)
        return Decimal(sign + str(n)) if kind == "money" else int(sign + str(n))
    if _INNER_SEP.search(spaced):
        if not _GROUPED.fullmatch(spaced):
            return Unreadable(raw)
        spaced = _INNER_SEP.sub("", spaced)
    if not _NUMBER.match(spaced):
        return Unreadable(raw)
    text = sign + spaced
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


_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_INNER_SEP = re.compile(r"[ ,，]")
# thousands groups with ONE kind of separator throughout: 18 468 / 1,077.89 / 1，234，567
_GROUPED = re.compile(r"\d{1,3}(?:(?: \d{3})+|(?:,\d{3})+|(?:，\d{3})+)(?:\.\d+)?")
_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = re.compile(r"[零〇○一二两三四五六七八九十百千万亿]+")


def chinese_number(text: str) -> int | None:
    """A well-formed Chinese numeral → its value (十二 12, 一百零五 105, 两千 2000, 三万五千
    35000); None when it is not one (一二三 is a list, not a number: never guessed)."""
    if not text or not _CN_NUMERAL.fullmatch(text):
        return None
    total = 0
    for big, mult in (("亿", 10**8), ("万", 10**4)):
        if big in text:
            head, _, text = text.partition(big)
            if big in text:
                return None
            n = _cn_section(head)
            if n is None or n == 0:
                return None
            total += n * mult
            text = text.lstrip("零〇○") if text[:1] in "零〇○" else text
    if text:
        n = _cn_section(text)
        if n is None:
            return None
        total += n
    return total


def _cn_section(text: str) -> int | None:
    """Below 10,000: digits each followed by a falling unit, 零 between, a leading 十 = 10."""
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if text.startswith("十"):
        text = "一" + text
    total = 0
    last_unit = 10_000
    digit: int | None = None
    zero = False
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:
                return None  # two digits in a row: 一二 is no number
            v = _CN_DIGITS[ch]
            if v == 0:
                if zero or total == 0:
                    return None
                zero = True
                continue
            digit = v
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if digit is None or unit >= last_unit:
                return None
            total += digit * unit
            last_unit = unit
            digit = None
            zero = False
        else:
            return None
    if digit is not None:
        if not zero and last_unit not in (10_000, 10) and last_unit != 10_000:
            return None  # 三百五 (= 350 colloquially) is ambiguous: never guessed
        total += digit
    return total


def is_numberlike(raw: str) -> bool:
    """True if the text reads as a value or an explicit null mark: used to tell cells from labels."""
    if raw.isascii() and raw.strip().isdigit():
        return True
    if _CN_NUMERAL.fullmatch(clean_text(raw)):
        return False  # 一、二… number rows of labels; a numeral cell is still read by parse_value
    v = parse_value(raw, "money")
    if not isinstance(v, Unreadable):
        return True
    # digits with stray separators ("3 5", "12,34") are a value cell that cannot be read
    return bool(_MALFORMED.fullmatch(clean_text(raw).replace(",", "").replace("，", "")) and
                _INNER_SEP.search(_WS.sub(" ", unicodedata.normalize("NFKC", raw)).strip()))


_MALFORMED = re.compile(r"[+-]?\d+(?:\.\d+)?")
