"""Masking of personal data for screens, slips and logs; never raises, masks fully if unsure."""

from __future__ import annotations

from app.domain.errors import ValidationError
from app.domain.phone import PhoneKind, parse_phone

__all__ = ["mask_id_number", "mask_name", "mask_phone"]

_FALLBACK = "****"


def _full(value: object) -> str:
    """A fully masked string of the same length (or a fixed one for non-strings and empties)."""
    if isinstance(value, str) and value.strip():
        return "*" * len(value.strip())
    return _FALLBACK


def mask_id_number(number: object) -> str:
    """Keep the first 6 and last 4 characters: 11010119900307123X → 110101********123X."""
    if not isinstance(number, str):
        return _FALLBACK
    s = "".join(number.split()).upper()
    if len(s) < 11:
        return _full(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_name(name: object) -> str:
    """张三 → 张*, 张三明 → 张*明, 欧阳娜娜 → 欧**娜; a one-character name becomes *."""
    if not isinstance(name, str):
        return _FALLBACK
    s = name.strip()
    if not s:
        return _FALLBACK
    if len(s) == 1:
        return "*"
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]


def mask_phone(phone: object) -> str:
    """Mobiles keep 3 + last 4 (138****5678); landlines keep area code and last 4 (010-****5678)."""
    if not isinstance(phone, str):
        return _FALLBACK
    try:
        parsed = parse_phone(phone)
    except ValidationError:
        return _full(phone)
    except Exception:  # masking must never break a screen or a log line
        return _full(phone)
    if parsed.kind is PhoneKind.MOBILE:
        return parsed.number[:3] + "****" + parsed.number[-4:]
    local = parsed.local or ""
    return f"{parsed.area_code}-{'*' * (len(local) - 4)}{local[-4:]}"
