"""What a department clerk asks of the case list: views, sorts, filters and paging, read leniently
from the page's query string (anything odd falls back to the default)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.domain.case_states import CaseStatus
from app.hub.departments import RUNNING

S = CaseStatus
DONE = tuple(
    s.name for s in (S.APPROVED, S.APPROVED_DEFERRED, S.DENIED, S.READY_FOR_COLLECTION, S.DELIVERED)
)
# (key, label, statuses); None = every status
VIEWS: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("todo", "待办", RUNNING),
    ("routed", "待受理", (S.ROUTED.name,)),
    ("accepted", "审查中", (S.ACCEPTED_BY_DEPARTMENT.name,)),
    ("overdue", "已超期", RUNNING),
    ("done", "已办", DONE),
    ("all", "全部", None),
)
VIEW_STATUSES = {key: statuses for key, _, statuses in VIEWS}
SORTS = (
    ("default", "待受理在前，期限近的在前"),
    ("due", "承诺期限（近→远）"),
    ("due_desc", "承诺期限（远→近）"),
    ("received_desc", "受理日期（新→旧）"),
    ("received", "受理日期（旧→新）"),
    ("number", "办件编号"),
    ("updated_desc", "最近办理"),
)
DEADLINES = (("overdue", "已超期"), ("soon", "3个工作日内到期"), ("later", "未临期"))
SUPERVISION = (("yes", "督办件"), ("no", "未督办"))
# The date filters: always written and read as yyyy-mm-dd, whatever the browser's locale (plain text
# boxes: a browser's own date picker shows its locale's format, e.g. 11/05/2026 in en-US).
DATE_FIELDS = (
    ("received_from", "受理日期从"),
    ("received_to", "受理日期至"),
    ("due_from", "期限从"),
    ("due_to", "期限至"),
)
DATE_FORMAT_HINT = "yyyy-mm-dd"
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
SIZES = (20, 50, 100)


@dataclass(frozen=True)
class ListQuery:
    """What the clerk asked for; every field is checked, anything odd falls back to the default."""

    view: str = "todo"
    text: str = ""
    status: str = ""
    centre: str = ""
    matter: str = ""
    received_from: date | None = None
    received_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    deadline: str = ""
    supervised: str = ""
    sort: str = "default"
    page: int = 1
    size: int = 50
    invalid_dates: tuple[tuple[str, str], ...] = ()  # (field, what was typed) that is not a date

    def typed(self, field: str) -> str:
        """A date field's text as the page shows it again: yyyy-mm-dd, or what was typed if wrong."""
        value = getattr(self, field)
        if value is not None:
            return str(value.isoformat())
        return next((raw for name, raw in self.invalid_dates if name == field), "")

    @property
    def date_error(self) -> str:
        if not self.invalid_dates:
            return ""
        labels = dict(DATE_FIELDS)
        names = "、".join(f"{labels[f]}“{raw}”" for f, raw in self.invalid_dates)
        return f"{names}不是有效日期，该条件未使用。日期请按 年-月-日 填写，例如 2026-11-05"

    @property
    def filtered(self) -> bool:
        return bool(
            self.text
            or self.status
            or self.centre
            or self.matter
            or self.deadline
            or self.supervised
            or self.received_from
            or self.received_to
            or self.due_from
            or self.due_to
        )

    @property
    def advanced(self) -> bool:
        """Anything asked beyond the search box (the page shows those controls open)."""
        return replace(self, text="").filtered or self.sort != "default" or self.size != 50

    def params(self, **change: Any) -> dict[str, str]:
        """The query string of this list (with `change` applied), defaults left out."""
        q = replace(self, **change)
        out = {}
        for key, default in (("view", "todo"), ("sort", "default"), ("size", 50), ("page", 1)):
            if getattr(q, key) != default:
                out[key] = str(getattr(q, key))
        for key in ("text", "status", "centre", "matter", "deadline", "supervised"):
            if getattr(q, key):
                out["q" if key == "text" else key] = getattr(q, key)
        for key in ("received_from", "received_to", "due_from", "due_to"):
            if getattr(q, key):
                out[key] = getattr(q, key).isoformat()
        return out


def _int(raw: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(str(raw)), lo), hi)
    except ValueError:
        return default


def parse_query(params: Mapping[str, str]) -> ListQuery:
    def pick(name: str, allowed: Any, default: str = "") -> str:
        value = str(params.get(name) or "")
        return value if value in allowed else default

    statuses = {s.name for s in CaseStatus}
    size = _int(params.get("size"), 50, 1, 100)
    days: dict[str, date | None] = {}
    invalid = []
    for field, _ in DATE_FIELDS:
        raw = str(params.get(field) or "").strip()[:20]
        days[field] = parse_day(raw)
        if raw and days[field] is None:
            invalid.append((field, raw))
    return ListQuery(
        view=pick("view", VIEW_STATUSES, "todo"),
        text=str(params.get("q") or "").strip()[:60],
        status=pick("status", statuses),
        centre=str(params.get("centre") or "")[:40],
        matter=str(params.get("matter") or "")[:20],
        received_from=days["received_from"],
        received_to=days["received_to"],
        due_from=days["due_from"],
        due_to=days["due_to"],
        deadline=pick("deadline", dict(DEADLINES)),
        supervised=pick("supervised", dict(SUPERVISION)),
        sort=pick("sort", dict(SORTS), "default"),
        page=_int(params.get("page"), 1, 1, 1_000_000),
        size=size if size in SIZES else 50,
        invalid_dates=tuple(invalid),
    )


def parse_day(text: str) -> date | None:
    """A date typed as yyyy-mm-dd (also yyyy/m/d, yyyy.m.d, yyyy年m月d日, yyyymmdd), or None."""
    text = text.strip()
    found = _DAY.fullmatch(text) or _COMPACT_DAY.fullmatch(text)
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None
