"""Hypothesis strategies for fresh personal numbers: ID numbers with valid check digits, mobiles."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st
from stdnum.cn import ric

COUNTIES = ("110101", "310104", "330106", "440305", "510107", "610113", "420102", "320583")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """An 18-digit resident ID number with a valid check digit (X included when it falls so)."""
    county = draw(st.sampled_from(COUNTIES))
    birth = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)))
    order = draw(st.integers(min_value=1, max_value=999))
    body = f"{county}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


@st.composite
def old_id_numbers(draw: st.DrawFn) -> str:
    """A first-generation 15-digit ID number (two-digit year, no check digit)."""
    county = draw(st.sampled_from(COUNTIES))
    birth = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(1999, 12, 31)))
    order = draw(st.integers(min_value=1, max_value=999))
    return f"{county}{birth:%y%m%d}{order:03d}"


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(("13", "15", "17", "18", "19", "14", "16")))
    rest = draw(st.integers(min_value=0, max_value=999_999_999))
    return f"{prefix}{rest:09d}"


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def typed_forms_of_id(number: str) -> list[str]:
    """How a clerk or a resident may type one ID number."""
    return [
        number,
        number.lower(),
        number.translate(FULL_WIDTH),
        f"{number[:6]} {number[6:14]} {number[14:]}",
        " ".join(number[i : i + 4] for i in range(0, len(number), 4)),
        f"{number[:6]}-{number[6:14]}-{number[14:]}",
    ]


def typed_forms_of_mobile(number: str) -> list[str]:
    return [
        number,
        f"+86{number}",
        f"+86 {number}",
        f"+86-{number[:3]}-{number[3:7]}-{number[7:]}",
        f"0086{number}",
        f"86{number}",
        f"{number[:3]} {number[3:7]} {number[7:]}",
        number.translate(FULL_WIDTH),
        f"＋８６{number.translate(FULL_WIDTH)}",
    ]


def leaks(text: str, number: str) -> bool:
    """Whether `text` still holds `number` in any of its typed forms, separators ignored."""
    flat = "".join(
        ch
        for ch in text.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")).upper()
        if ch.isalnum()
    )
    return number.upper() in flat
