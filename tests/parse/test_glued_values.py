"""Number parsing of one printed cell (ingest/values.py), for every front end: the right value
or null with a warning (Unreadable), never a number made by joining or truncating."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.values import Unreadable, chinese_number, is_numberlike, parse_value


@pytest.mark.parametrize("raw, kind, want", [
    ("１２３", "count", 123), ("１８\u3000４６８", "count", 18468), ("18 468", "count", 18468),
    ("1,234", "count", 1234), ("1，234，567", "count", 1234567), ("1,077.89", "money", Decimal("1077.89")),
    ("1 077.892534", "money", Decimal("1077.892534")), ("+3", "signed_count", 3),
    ("减少2", "signed_count", -2), ("－2", "signed_count", -2), ("5件", "count", 5),
    ("三", "count", 3), ("十二", "count", 12), ("一百零五", "count", 105), ("两千", "count", 2000),
    ("三万五千", "count", 35000), ("一万零三十", "count", 10030), ("零", "count", 0),
    ("无", "count", None), ("/", "count", None), ("—", "count", None), ("", "count", None),
])
def test_right_value(raw, kind, want):
    assert parse_value(raw, kind) == want


@pytest.mark.parametrize("raw", ["3 5", "12,34", "1,2,3", "18 4680", "1,234 567", "12.5",
                                 "1,077.89", "一二三", "三百五", "1.077.892", "减少-2"])
def test_null_with_a_warning_never_a_joined_or_cut_number(raw):
    assert isinstance(parse_value(raw, "count"), Unreadable)


def test_malformed_numbers_are_value_cells_and_numerals_stay_labels():
    assert is_numberlike("3 5") and is_numberlike("12,34")  # a value cell that cannot be read
    assert not is_numberlike("三") and not is_numberlike("一")  # 一、二 number rows of labels


@given(st.integers(0, 10**9))
def test_thousands_groups_read_back(n):
    grouped = f"{n:,}"
    assert parse_value(grouped) == n
    assert parse_value(grouped.replace(",", " ")) == n
    assert parse_value(grouped.replace(",", "，")) == n
    assert parse_value(str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == n


@given(st.integers(0, 99_999_999))
def test_chinese_numerals_read_back(n):
    digits = "零一二三四五六七八九"

    def section(x: int) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // unit % 10
            if d:
                if zero and out:
                    out += "零"
                out += digits[d] + name
                zero = False
            else:
                zero = True
        return out

    if n == 0:
        text = "零"
    else:
        hi, lo = divmod(n, 10_000)
        text = (section(hi) + "万" if hi else "") + ("零" if hi and 0 < lo < 1000 else "") + section(lo)
    assert chinese_number(text) == n, text


def test_a_crafted_endless_digit_run_is_refused_quickly():
    """Guard: a hostile 'table' of a million digits has no reading (no cell is that long) and
    is decided in bounded time — null with a warning, never a hang."""
    from ingest.parse import glued
    from ingest.parse.glued import digits

    assert digits.readings(["1" * 1_000_000], ["count"] * 7) == []
    assert digits.readings(["1" * 40], ["count"] * 7) is None  # past the cap: too ambiguous
    block, warnings = glued.decode_section(["规章" + "7" * 200_000 + "行政规范性文件000"], "table2",
                                           template_hint="2021")
    assert block is not None and block.rows[1][1:] == ["7" * 200_000] * 3
    assert any("regulations" in w and "left null" in w for w in warnings)
