"""ID-number and credit-code validation, incl. real numbers stdnum's county table rejects."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from app.domain.errors import ValidationError
from app.domain.identity import (
    IdKind,
    normalise_input,
    parse_credit_code,
    parse_id_number,
)

TODAY = date(2026, 11, 20)


def make_id(first17: str) -> str:
    """A full 18-digit number with the right MOD 11-2 check digit (computed by stdnum)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def test_plain_resident() -> None:
    n = make_id("11010119900307123")
    r = parse_id_number(n, TODAY)
    assert r.kind is IdKind.RESIDENT
    assert r.birth_date == date(1990, 3, 7)
    assert r.sex == "男"
    assert r.region_code == "110101"
    assert r.region_name is not None and "东城" in r.region_name
    assert r.age(TODAY) == 36
    assert r.warnings == ()


def test_lowercase_and_fullwidth_x_spaces() -> None:
    n = "11010119900307109X"
    assert ric.is_valid(n)
    assert parse_id_number("11010119900307109x", TODAY).number == n
    assert parse_id_number("１１０１０１ １９９００３０７ １０９ｘ", TODAY).number == n
    assert parse_id_number(" 110101-19900307-109X ", TODAY).number == n


# Real-format numbers stdnum.cn.ric rejects although people hold such numbers for life:
# its county table is checked against the *birth year*, while the address code is the one in
# force when the number was assigned (birth registration, first card, or a move), and numbers are
# kept after a county is renamed or abolished.
STDNUM_FALSE_REJECTIONS = {
    # 通州区 (1997-): anyone born before 1997 who registered or moved there afterwards
    "通州区 110112, born 1970": "11011219700307123",
    # 重庆市 became a municipality in 1997: every 50xxxx holder born before 1997
    "重庆 500101, born 1950": "50010119500307123",
    # 滨海新区 (2009-): every adult of Binhai registered after 2009
    "滨海新区 120116, born 1980": "12011619800307123",
    # 密云区 (2015-) and 密云县 (1982-2015): born 1960
    "密云县 110228, born 1960": "11022819600307123",
    # 港澳台居住证 (2018-): stdnum has no county entry for 810000 etc.
    "港澳台 810000": "81000019900307123",
    "港澳台 830000": "83000019900307124",
    # 2023 foreigner permanent residence card, first digit 9
    "永居证 2023": "93311019900307123",
}


@pytest.mark.parametrize("first17", STDNUM_FALSE_REJECTIONS.values(), ids=STDNUM_FALSE_REJECTIONS)
def test_numbers_stdnum_rejects_are_accepted(first17: str) -> None:
    n = make_id(first17)
    assert not ric.is_valid(n)  # documents the library behaviour we work around
    parsed = parse_id_number(n, TODAY)
    assert parsed.number == n


def test_retired_county_code_is_accepted() -> None:
    # 崇文区 (110103) was abolished in 2010; its people keep their numbers for life. stdnum accepts
    # these as long as the birth year is within the county's years, and so do we.
    n = make_id("11010319900307123")
    p = parse_id_number(n, TODAY)
    assert p.kind is IdKind.RESIDENT
    assert p.region_name is not None and "崇文" in p.region_name


def test_stdnum_crashes_with_keyerror_on_codes_missing_from_its_table() -> None:
    # Development-zone codes (e.g. 130171 石家庄高新区) are not in stdnum's table and ric.validate
    # raises KeyError instead of a ValidationError. We accept them with a soft warning.
    n = make_id("13017119900307123")
    with pytest.raises(KeyError):
        ric.validate(n)
    parsed = parse_id_number(n, TODAY)
    assert parsed.kind is IdKind.RESIDENT
    assert parsed.warnings


def test_kinds() -> None:
    assert parse_id_number(make_id("81000019900307123"), TODAY).kind is IdKind.HMT_RESIDENCE
    assert parse_id_number(make_id("82000019900307124"), TODAY).region_name == "澳门"
    f = parse_id_number(make_id("93311019900307123"), TODAY)
    assert f.kind is IdKind.FOREIGN_PERMANENT_2023
    assert f.birth_date == date(1990, 3, 7)
    assert f.sex is None
    old = parse_id_number("usa110590030712", TODAY)
    assert old.kind is IdKind.FOREIGN_PERMANENT_2017
    assert old.number == "USA110590030712"
    assert old.birth_date is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "ID_EMPTY"),
        ("   ", "ID_EMPTY"),
        ("1101011990030712", "ID_LENGTH"),
        ("1101011990030712345", "ID_LENGTH"),
        ("11010119900307123Y", "ID_ILLEGAL_CHARS"),
        ("1101011990030712一3", "ID_ILLEGAL_CHARS"),
        ("1101011990X307123X", "ID_ILLEGAL_CHARS"),
        ("110101900307123", "ID_OBSOLETE_15"),
        (make_id("11010119990230123"), "ID_BIRTH_DATE_INVALID"),
        (make_id("11010118000101123"), "ID_BIRTH_DATE_INVALID"),
        (make_id("11010120300101123"), "ID_BIRTH_DATE_FUTURE"),
        (make_id("99999999999999999")[:0] + make_id("10010119900307123"), "ID_REGION_INVALID"),
        (make_id("84010119900307123"), "ID_REGION_INVALID"),
        (make_id("81010119900307123"), "ID_REGION_INVALID"),
    ],
)
def test_rejections(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_id_number(text, TODAY)
    assert exc.value.code == code
    assert exc.value.field == "id_number"
    assert exc.value.message  # Chinese message for the clerk


def test_check_digit_message_does_not_leak_number() -> None:
    n = make_id("11010119900307123")
    wrong = n[:17] + ("0" if n[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        parse_id_number(wrong, TODAY)
    assert exc.value.code == "ID_CHECK_DIGIT"
    assert "校验位错误" in exc.value.message
    assert n[:17] not in exc.value.message
    assert n[17] in exc.value.message


def test_birth_today_is_fine_tomorrow_is_not() -> None:
    d = TODAY.strftime("%Y%m%d")
    assert parse_id_number(make_id(f"110101{d}002"), TODAY).age(TODAY) == 0
    t = (TODAY + timedelta(days=1)).strftime("%Y%m%d")
    with pytest.raises(ValidationError):
        parse_id_number(make_id(f"110101{t}002"), TODAY)


def test_age_before_and_on_birthday() -> None:
    p = parse_id_number(make_id("11010120000229002"), TODAY)
    assert p.sex == "女"
    assert p.age(date(2018, 2, 28)) == 17
    assert p.age(date(2018, 3, 1)) == 18


# ---- property tests -------------------------------------------------------------------------

REGIONS = [
    "110101",
    "110103",
    "310115",
    "440305",
    "500101",
    "510107",
    "650102",
    "130171",
    "810000",
    "820000",
    "830000",
    "370102",
    "120116",
]

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def build(region: str, born: date, seq: int) -> str:
    return make_id(f"{region}{born:%Y%m%d}{seq:03d}")


@given(st.sampled_from(REGIONS), birth_dates, sequences)
def test_generated_numbers_round_trip(region: str, born: date, seq: int) -> None:
    n = build(region, born, seq)
    p = parse_id_number(n, TODAY)
    assert p.number == n
    assert p.birth_date == born
    assert p.sex == ("男" if seq % 2 else "女")
    assert p.region_code == region


@given(st.sampled_from(REGIONS), birth_dates, sequences, st.integers(0, 17), st.integers(1, 10))
def test_changing_one_character_fails(
    region: str, born: date, seq: int, pos: int, delta: int
) -> None:
    n = build(region, born, seq)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    i = alphabet.index(n[pos])
    new = alphabet[(i + delta) % len(alphabet)]
    if new == n[pos]:
        return
    changed = n[:pos] + new + n[pos + 1 :]
    with pytest.raises(ValidationError):
        parse_id_number(changed, TODAY)


@given(st.sampled_from(REGIONS), birth_dates, sequences)
def test_fullwidth_equals_halfwidth(region: str, born: date, seq: int) -> None:
    n = build(region, born, seq)
    assert parse_id_number(to_fullwidth(n.lower()), TODAY) == parse_id_number(n, TODAY)


@given(st.text(max_size=25))
def test_never_raises_anything_but_validation_error(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_id_number(text, TODAY)


def test_normalise_input() -> None:
    assert normalise_input("１２ａ\u3000-x") == "12AX"


# ---- 统一社会信用代码 ------------------------------------------------------------------------


def test_credit_code_valid_and_normalised() -> None:
    assert parse_credit_code("91110000600037341L") == "91110000600037341L"
    assert parse_credit_code("９１１１００００６０００３７３４１ｌ") == "91110000600037341L"
    assert parse_credit_code("9 1 110000 600037341l") == "91110000600037341L"


def test_credit_code_with_letter_authority_code() -> None:
    body = "N2110105MA0000000"
    code = body + uscc.calc_check_digit(body + "0")
    assert not uscc.is_valid(code)
    assert parse_credit_code(code) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "USCC_EMPTY"),
        ("9111000060003734", "USCC_LENGTH"),
        ("91110000600037341A", "USCC_CHECK_DIGIT"),
        ("9111000060003734IL", "USCC_ILLEGAL_CHARS"),
        ("911100A0600037341L", "USCC_ILLEGAL_CHARS"),
    ],
)
def test_credit_code_rejections(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_credit_code(text)
    assert exc.value.code == code
