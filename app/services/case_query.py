"""What a clerk typed into case search, read as a case number, ID number, phone, date or name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from app.domain.errors import ValidationError
from app.domain.identity import normalise_input, parse_id_number

# 2026-11-23, 2026/11/23, 2026.11.23, 2026年11月23日, 2026-1-5, 20261123
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$"
)


@dataclass(frozen=True)
class CaseQuery:
    """One field of CaseService.search, filled from free text; `or_id_number` also tries the digits
    as an ID number when no case has that number (a 15/18-digit number failing the ID check)."""

    case_number: str = ""
    id_number: str = ""
    name: str = ""
    phone: str = ""
    received_on: date | None = None
    or_id_number: bool = False


def _date(text: str) -> date | None:
    m = _DATE.match(text)
    if m is None:
        return None
    y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValidationError(
            "DATE_INVALID", f"日期不存在：{y}年{mo}月{d}日，请检查后重新输入", field="query"
        ) from None


def read_case_query(text: str) -> CaseQuery:
    """Read free text; a date that does not exist (2026-02-30) is a ValidationError, not a crash."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        raise ValidationError("SEARCH_EMPTY", "请输入办件编号、证件号码、姓名、电话或日期")
    day = _date(folded)
    if day is not None:
        return CaseQuery(received_on=day)
    q = normalise_input(folded)
    if q.isdigit() and len(q) == 11:
        return CaseQuery(phone=q)
    if len(q) in (15, 18) and q[:-1].isdigit():
        try:
            parse_id_number(q)
        except ValidationError:
            return CaseQuery(case_number=q, or_id_number=True)
        return CaseQuery(id_number=q)
    if q.isdigit():
        return CaseQuery(case_number=q, or_id_number=len(q) in (15, 18))
    return CaseQuery(name=folded)
