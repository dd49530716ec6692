"""Mainland mobile and landline numbers: parse clerk input, normalise, explain errors in Chinese."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import ValidationError

__all__ = ["Phone", "PhoneKind", "parse_phone"]

_FIELD = "phone"
_EXTENSION_SPLIT = re.compile(r"(?:转|分机|ext\.?|x|#)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-()（）.]+")
_DASH_GROUPS = re.compile(r"\s*-\s*")
_MOBILE = re.compile(r"1[3-9]\d{9}")


class PhoneKind(StrEnum):
    """A mainland mobile number or a landline."""

    MOBILE = "手机"
    LANDLINE = "固定电话"


@dataclass(frozen=True)
class Phone:
    """A valid phone. `number` is canonical: 11 digits, or "010-12345678"; `display` adds 转分机."""

    kind: PhoneKind
    number: str
    area_code: str | None = None
    local: str | None = None
    extension: str | None = None

    @property
    def display(self) -> str:
        return f"{self.number}转{self.extension}" if self.extension else self.number


def _fail(code: str, message: str) -> ValidationError:
    return ValidationError(code, message, _FIELD)


def _area_code_length(digits: str) -> int:
    """010 and 02x are 3-digit area codes; every other 0xxx code has 4 digits."""
    return 3 if digits[1] in "12" else 4


def parse_phone(text: str) -> Phone:
    """Parse a mobile (1[3-9] + 9 digits, optional +86/86/0086) or a landline.

    A landline is an area code (010, 02x or 0xxx) + 7–8 digits, optional extension written after
    转/分机/ext/#, or as a third dash-separated group (010-12345678-123).
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        raise _fail("PHONE_EMPTY", "请输入联系电话")
    parts = _EXTENSION_SPLIT.split(raw, maxsplit=1)
    main = parts[0]
    extension = _SEPARATORS.sub("", parts[1]) if len(parts) > 1 else None
    groups = _DASH_GROUPS.split(main.strip())
    if extension is None and len(groups) == 3 and groups[0].startswith("0"):
        main, extension = groups[0] + groups[1], groups[2]
    international = False
    compact = _SEPARATORS.sub("", main)
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            compact, international = compact[len(prefix) :], True
            break
    if not international and len(compact) == 13 and compact.startswith("861"):
        compact, international = compact[2:], True
    if not compact.isascii() or not compact.isdigit():
        raise _fail("PHONE_ILLEGAL_CHARS", "电话号码含有非法字符：只能输入数字，分机号可用“转”分隔")
    if international and not compact.startswith("0") and not _MOBILE.fullmatch(compact):
        compact = "0" + compact  # +86 10 1234 5678 → 010 1234 5678

    if compact.startswith("1"):
        if extension is not None:
            raise _fail("PHONE_MOBILE_INVALID", "手机号码不能带分机号")
        if len(compact) != 11:
            raise _fail("PHONE_MOBILE_INVALID", f"手机号码应为11位，实际为{len(compact)}位")
        if not _MOBILE.fullmatch(compact):
            raise _fail("PHONE_MOBILE_INVALID", "手机号码第二位应为3至9")
        return Phone(PhoneKind.MOBILE, compact)

    if not compact.startswith("0"):
        if 7 <= len(compact) <= 8:
            raise _fail("PHONE_AREA_CODE_MISSING", "固定电话请加区号，例如010-12345678")
        raise _fail("PHONE_INVALID", "电话号码格式不正确：手机为11位，固定电话为区号加7-8位号码")
    if len(compact) < 4:
        raise _fail("PHONE_LANDLINE_INVALID", "固定电话号码太短：应为区号加7-8位号码")
    area_len = _area_code_length(compact)
    area, local = compact[:area_len], compact[area_len:]
    if area in ("00", "000") or area.startswith("00"):
        raise _fail("PHONE_LANDLINE_INVALID", "区号不正确：区号以0开头，第二位不能为0")
    # 3-digit area codes (010, 02x) are the large cities, all on 8-digit local numbers; 4-digit
    # area codes have 7 or 8.
    allowed = (8,) if area_len == 3 else (7, 8)
    if len(local) not in allowed:
        want = "8" if area_len == 3 else "7-8"
        raise _fail(
            "PHONE_LANDLINE_INVALID",
            f"固定电话号码应为区号{area}加{want}位号码，实际为{len(local)}位",
        )
    if local[0] in "01":
        raise _fail("PHONE_LANDLINE_INVALID", "固定电话本地号码不能以0或1开头")
    if extension is not None and not (
        extension.isascii() and extension.isdigit() and 1 <= len(extension) <= 6
    ):
        raise _fail("PHONE_EXTENSION_INVALID", "分机号应为1-6位数字")
    return Phone(PhoneKind.LANDLINE, f"{area}-{local}", area, local, extension or None)
