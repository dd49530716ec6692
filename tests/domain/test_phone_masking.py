"""Phone parsing and masking of names, ID numbers and phones."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.masking import mask_id_number, mask_name, mask_phone
from app.domain.phone import PhoneKind, parse_phone


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "0086-13812345678",
        "１３８１２３４５６７８",
        "+86-138-1234-5678",
    ],
)
def test_mobile_forms(text: str) -> None:
    p = parse_phone(text)
    assert p.kind is PhoneKind.MOBILE
    assert p.number == "13812345678"


@pytest.mark.parametrize(
    ("text", "number", "ext"),
    [
        ("010-62345678", "010-62345678", None),
        ("01062345678", "010-62345678", None),
        ("(010) 6234 5678", "010-62345678", None),
        ("0755-2345678", "0755-2345678", None),
        ("075523456789", "0755-23456789", None),
        ("021-62345678转123", "021-62345678", "123"),
        ("021-62345678-8001", "021-62345678", "8001"),
        ("021 62345678 ext.9", "021-62345678", "9"),
        ("+86 10 6234 5678", "010-62345678", None),
        ("０１０－６２３４５６７８", "010-62345678", None),
    ],
)
def test_landline_forms(text: str, number: str, ext: str | None) -> None:
    p = parse_phone(text)
    assert p.kind is PhoneKind.LANDLINE
    assert p.number == number
    assert p.extension == ext


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "PHONE_EMPTY"),
        ("1381234567", "PHONE_MOBILE_INVALID"),
        ("138123456789", "PHONE_MOBILE_INVALID"),
        ("12812345678", "PHONE_MOBILE_INVALID"),
        ("62345678", "PHONE_AREA_CODE_MISSING"),
        ("010-123456", "PHONE_LANDLINE_INVALID"),
        ("010-02345678", "PHONE_LANDLINE_INVALID"),
        ("138abc45678", "PHONE_ILLEGAL_CHARS"),
        ("021-62345678转12a", "PHONE_EXTENSION_INVALID"),
        ("2345", "PHONE_INVALID"),
        ("010-12345678", "PHONE_LANDLINE_INVALID"),
    ],
)
def test_phone_rejections(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_phone(text)
    assert exc.value.code == code
    assert exc.value.field == "phone"


@given(st.integers(3, 9), st.integers(0, 999_999_999))
def test_every_mobile_parses(second: int, rest: int) -> None:
    n = f"1{second}{rest:09d}"
    assert parse_phone(n).number == n
    assert parse_phone(f"+86 {n[:3]} {n[3:7]} {n[7:]}").number == n


@given(st.text(max_size=30))
def test_parse_phone_only_raises_validation_error(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_phone(text)


def test_masks() -> None:
    assert mask_id_number("11010119900307123X") == "110101********123X"
    assert mask_id_number("110101 19900307 123x") == "110101********123X"
    assert mask_id_number("123") == "***"
    assert mask_id_number(None) == "****"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("买买提·艾力") == "买****力"
    assert mask_name("张") == "*"
    assert mask_name("") == "****"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("010-62345678") == "010-****5678"
    assert mask_phone("0755-2345678") == "0755-***5678"
    assert mask_phone("abc") == "***"
    assert mask_phone(12345) == "****"


@given(st.one_of(st.text(max_size=40), st.none(), st.integers()))
def test_masks_never_raise(value: object) -> None:
    for f in (mask_id_number, mask_name, mask_phone):
        out = f(value)
        assert isinstance(out, str) and out


@given(st.text(alphabet="0123456789X", min_size=11, max_size=20))
def test_id_mask_hides_the_middle(s: str) -> None:
    m = mask_id_number(s)
    assert len(m) == len(s)
    assert m[6:-4] == "*" * (len(s) - 10)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("010-6512345", False),  # Beijing numbers have 8 digits
        ("021-5432109", False),
        ("010-65123456", True),
        ("025-84561234", True),
        ("0571-8888000", True),  # a 4-digit area code allows 7
        ("0571-88880000", True),
        ("0571-888800", False),
    ],
)
def test_landline_length_follows_the_area_code(text: str, ok: bool) -> None:
    if ok:
        assert parse_phone(text).kind is PhoneKind.LANDLINE
    else:
        with pytest.raises(ValidationError, match="位号码"):
            parse_phone(text)
