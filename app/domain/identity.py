"""ID documents: resident, 港澳台 and 永居证 numbers, 统一社会信用代码; checked with stdnum."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from stdnum import exceptions as stdnum_exceptions
from stdnum import numdb
from stdnum.cn import ric, uscc

from app.domain.errors import ValidationError

__all__ = [
    "HMT_REGION_CODES",
    "PROVINCE_CODES",
    "IdKind",
    "IdNumber",
    "normalise_input",
    "parse_credit_code",
    "parse_id_number",
]

# First two digits of real province-level address codes (GB/T 2260), plus 71 (台湾省, listed in the
# standard) and 81/82/83 (used by 港澳台居民居住证 as 810000/820000/830000).
# fmt: off
PROVINCE_CODES: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})
# fmt: on
HMT_REGION_CODES: dict[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

_OLD_FOREIGN_RE = re.compile(r"[A-Z]{3}\d{12}")
_ALLOWED_RE = re.compile(r"[0-9X]*")
_SEPARATORS = re.compile(r"[\s\-_.·]+")
_EARLIEST_BIRTH = date(1850, 1, 1)
_FIELD = "id_number"


class IdKind(StrEnum):
    """Which document an 18/15-character number belongs to (detected from the number itself)."""

    RESIDENT = "居民身份证"
    HMT_RESIDENCE = "港澳台居民居住证"
    FOREIGN_PERMANENT_2023 = "外国人永久居留身份证（2023版）"
    FOREIGN_PERMANENT_2017 = "外国人永久居留身份证（旧版）"

    @property
    def label(self) -> str:
        return self.value


@dataclass(frozen=True)
class IdNumber:
    """A validated ID number. `warnings` are soft findings shown to the clerk; they never block."""

    number: str
    kind: IdKind
    birth_date: date | None
    sex: str | None  # "男" / "女"; None where the number does not tell it reliably
    region_code: str | None  # the 6-digit address code for 18-digit numbers
    region_name: str | None = None
    warnings: tuple[str, ...] = field(default=())

    def age(self, today: date) -> int | None:
        """Full years of age on `today`, or None when the birth date is unknown."""
        if self.birth_date is None:
            return None
        b = self.birth_date
        years = today.year - b.year
        if (today.month, today.day) < (b.month, b.day):
            years -= 1
        return years


def normalise_input(text: str) -> str:
    """Clerk input to canonical form: NFKC (full-width → ASCII), no spaces or dashes, upper case."""
    folded = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", folded).upper()


def _fail(code: str, message: str) -> ValidationError:
    return ValidationError(code, message, _FIELD)


def _region_info(code6: str) -> tuple[str | None, bool]:
    """(name, known) for an address code from stdnum's table, ignoring its validity years."""
    try:
        results = numdb.get("cn/loc").info(code6)
    except Exception:  # the table is advisory; never let it break a lookup
        return None, False
    info = {k: v for _part, props in results for k, v in props.items()}
    province = info.get("province")
    county = info.get("county")
    if county is None:
        return province, False
    # entries look like "[-1991]南郊区,[1992-]津南区": keep the newest name
    names = [re.sub(r"^\[[^\]]*\]", "", c) for c in county.split(",")]
    name = names[-1]
    if province and name != province:
        name = province + name
    return name, True


def _parse_birth(digits8: str, today: date) -> date:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise _fail(
            "ID_BIRTH_DATE_INVALID",
            f"出生日期不存在（{digits8[:4]}年{digits8[4:6]}月{digits8[6:8]}日），请核对号码第7-14位",
        ) from None
    if born < _EARLIEST_BIRTH:
        raise _fail("ID_BIRTH_DATE_INVALID", "出生日期不合理（早于1850年），请核对号码第7-14位")
    if born > today:
        raise _fail("ID_BIRTH_DATE_FUTURE", "出生日期晚于今天，请核对号码第7-14位")
    return born


def _parse_old_foreign(number: str) -> IdNumber:
    # Layout of the 2004/2017 card (nationality letters + place + YYMMDD + sequence + check) is not
    # confirmed from a primary source, so only the format is checked and nothing else is derived.
    return IdNumber(
        number=number,
        kind=IdKind.FOREIGN_PERMANENT_2017,
        birth_date=None,
        sex=None,
        region_code=None,
        warnings=("旧版外国人永久居留证：仅校验格式，请核对证件原件",),
    )


def parse_id_number(text: str, today: date | None = None) -> IdNumber:
    """Validate a typed or read ID number, detect its kind, derive birth date, sex and region.

    Hard rules (reject): characters, length, province code, birth date exists and is not in the
    future, MOD 11-2 check digit. stdnum's county table is used only for a soft warning, because it
    rejects real numbers (see module notes in the tests: retired counties, codes newer than the
    holder's birth year, 港澳台 and foreigners' numbers, development-zone codes it lacks).
    """
    today = today or date.today()
    number = normalise_input(text)
    if not number:
        raise _fail("ID_EMPTY", "请输入证件号码")
    if len(number) == 15 and _OLD_FOREIGN_RE.fullmatch(number):
        return _parse_old_foreign(number)
    if not _ALLOWED_RE.fullmatch(number):
        raise _fail("ID_ILLEGAL_CHARS", "证件号码含有非法字符：只能是数字，末位可以是X")
    if len(number) == 15:
        raise _fail("ID_OBSOLETE_15", "15位号码为第一代身份证号码，已停止使用，请提供18位号码")
    if len(number) != 18:
        raise _fail("ID_LENGTH", f"证件号码长度错误：应为18位，实际为{len(number)}位")
    if "X" in number[:17]:
        raise _fail("ID_ILLEGAL_CHARS", "证件号码含有非法字符：X只能出现在末位")

    region_code = number[:6]
    warnings: list[str] = []
    region_name: str | None
    if number[0] == "9":
        kind = IdKind.FOREIGN_PERMANENT_2023
        region_name = None
        if number[1:3] not in PROVINCE_CODES:
            warnings.append("受理地代码（第2-3位）不是已知的省级代码，请核对证件原件")
    elif region_code in HMT_REGION_CODES:
        kind = IdKind.HMT_RESIDENCE
        region_name = HMT_REGION_CODES[region_code]
    elif number[:2] in ("81", "82", "83"):
        raise _fail(
            "ID_REGION_INVALID", "地区码无效：港澳台居住证号码前6位应为810000、820000或830000"
        )
    elif number[:2] in PROVINCE_CODES:
        kind = IdKind.RESIDENT
        region_name, known = _region_info(region_code)
        if not known:
            warnings.append(
                "地区码（前6位）不在行政区划代码表中，可能是新设或撤销的区县，请核对证件原件"
            )
    else:
        raise _fail("ID_REGION_INVALID", "地区码无效：号码前2位不是有效的省级行政区划代码")

    born = _parse_birth(number[6:14], today)
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise _fail("ID_CHECK_DIGIT", f"校验位错误：按前17位计算末位应为{expected}，请逐位核对号码")

    sex: str | None = None
    if kind in (IdKind.RESIDENT, IdKind.HMT_RESIDENCE):
        sex = "男" if int(number[16]) % 2 == 1 else "女"
    return IdNumber(
        number=number,
        kind=kind,
        birth_date=born,
        sex=sex,
        region_code=region_code,
        region_name=region_name,
        warnings=tuple(warnings),
    )


_USCC_FIELD = "credit_code"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_LEADING = re.compile(r"[0-9A-Z][0-9A-Z]\d{6}[0-9A-Z]{10}")


def parse_credit_code(text: str) -> str:
    """Validate a 统一社会信用代码 (GB 32100) and return it normalised.

    stdnum.cn.uscc requires the first 8 characters to be digits; registration-authority codes that
    are letters (e.g. N for 农村集体经济组织, Y for others) exist, so such codes are checked with
    stdnum's check-digit function instead of being turned away.
    """
    code = normalise_input(text)
    if not code:
        raise ValidationError("USCC_EMPTY", "请输入统一社会信用代码", _USCC_FIELD)
    try:
        return str(uscc.validate(code))
    except stdnum_exceptions.InvalidLength:
        raise ValidationError(
            "USCC_LENGTH", f"统一社会信用代码长度错误：应为18位，实际为{len(code)}位", _USCC_FIELD
        ) from None
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            "USCC_CHECK_DIGIT", "统一社会信用代码校验位错误，请逐位核对", _USCC_FIELD
        ) from None
    except stdnum_exceptions.ValidationError:
        # stdnum also refuses real codes whose first character is a letter (N, Y …); those are
        # judged by the character and check-digit rules below instead.
        pass
    letters_ok = all(c in _USCC_ALPHABET for c in code[:2] + code[8:])
    if not (_USCC_LEADING.fullmatch(code) and letters_ok):
        raise ValidationError(
            "USCC_ILLEGAL_CHARS",
            "统一社会信用代码含有非法字符：第3-8位应为数字，其余为数字或大写字母（不含I、O、Z、S、V）",
            _USCC_FIELD,
        )
    if code[-1] != uscc.calc_check_digit(code):
        raise ValidationError(
            "USCC_CHECK_DIGIT", "统一社会信用代码校验位错误，请逐位核对", _USCC_FIELD
        )
    return code
