"""Queue tickets: numbering, priority classes and the fair calling order.

The fairness rule (per window, applied by `choose_next` each time a clerk calls "next"):

1. A ticket returned to the queue (transferred from another window or recalled after a hold)
   goes first: `returned_front` tickets before all others, oldest issued first.
2. Otherwise, priority tickets (elderly, disabled, pregnant, servicemen, and appointments whose
   time has come) go before ordinary ones, first come first served among all priority classes.
3. BUT when the last K calls at this window (default K = 2) were all priority tickets, the oldest
   ordinary ticket goes next if it was issued before the oldest waiting priority ticket, or has
   waited more than M minutes (default 15). So between two ordinary calls there are at most K
   priority calls, and an ordinary ticket is passed by at most K later tickets per ordinary
   ticket ahead of it (plus one): ordinary tickets cannot starve.
4. Within a class (ordinary / priority), strictly first come first served; ties by ticket id.

An appointment ticket (`appointment` set) that arrives before its booked time waits as an
ordinary ticket until that time, then counts as priority.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.errors import ValidationError

__all__ = [
    "DEFAULT_RULE",
    "FairnessRule",
    "PriorityClass",
    "WaitingTicket",
    "call_order",
    "choose_next",
    "format_ticket_number",
    "is_priority",
    "priority_for_age",
    "sort_key",
]


class PriorityClass(StrEnum):
    """Why a ticket is served first (elderly, disabled, pregnant, serviceman, appointment)."""

    NORMAL = "normal"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    SERVICEMAN = "serviceman"
    APPOINTMENT = "appointment"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PriorityClass.NORMAL: "普通",
    PriorityClass.ELDERLY: "老年人",
    PriorityClass.DISABLED: "残疾人",
    PriorityClass.PREGNANT: "孕妇",
    PriorityClass.SERVICEMAN: "军人/优抚对象",
    PriorityClass.APPOINTMENT: "预约",
}


@dataclass(frozen=True)
class WaitingTicket:
    """A waiting ticket as the fairness rule sees it."""

    id: str
    group: str
    priority: PriorityClass
    issued_at: datetime
    returned_front: bool = False
    appointment: datetime | None = None  # booked time, for appointment tickets


@dataclass(frozen=True)
class FairnessRule:
    """How priority tickets and ordinary tickets alternate so nobody waits forever."""

    max_consecutive_priority: int = 2  # K
    max_ordinary_wait: timedelta = timedelta(minutes=15)  # M


DEFAULT_RULE = FairnessRule()
_PREFIX = re.compile(r"[A-Z]{1,3}")


def format_ticket_number(prefix: str, seq: int) -> str:
    """A017: the group's prefix and the day's sequence, 3 digits, growing to 4+ past 999."""
    if not _PREFIX.fullmatch(prefix):
        raise ValidationError("TICKET_PREFIX_INVALID", "排队号前缀应为1-3个大写字母", "prefix")
    if seq < 1:
        raise ValidationError("TICKET_SEQ_INVALID", "排队号序号应从1开始", "seq")
    return f"{prefix}{seq:03d}"


def priority_for_age(birth_date: date | None, today: date, elderly_age: int = 60) -> PriorityClass:
    """ELDERLY from the day of the `elderly_age`-th birthday on, else NORMAL."""
    if birth_date is None:
        return PriorityClass.NORMAL
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    age = today.year - birth_date.year - before_birthday
    return PriorityClass.ELDERLY if age >= elderly_age else PriorityClass.NORMAL


def is_priority(ticket: WaitingTicket, now: datetime | None = None) -> bool:
    """Whether the ticket counts as priority at `now` (appointments only from their booked time)."""
    if ticket.priority is PriorityClass.NORMAL:
        return False
    if ticket.priority is PriorityClass.APPOINTMENT and ticket.appointment and now is not None:
        return now >= ticket.appointment
    return True


def sort_key(ticket: WaitingTicket, now: datetime | None = None) -> tuple[int, int, datetime, str]:
    """Base order without the anti-starvation step: returned, then priority, then FIFO."""
    return (
        0 if ticket.returned_front else 1,
        0 if is_priority(ticket, now) else 1,
        ticket.issued_at,
        ticket.id,
    )


def _fifo(t: WaitingTicket) -> tuple[datetime, str]:
    return (t.issued_at, t.id)


def _priority_streak(recent_calls: Sequence[PriorityClass | bool]) -> int:
    streak = 0
    for call in reversed(recent_calls):
        prio = call if isinstance(call, bool) else call is not PriorityClass.NORMAL
        if not prio:
            break
        streak += 1
    return streak


def choose_next(
    waiting: Sequence[WaitingTicket],
    rule: FairnessRule = DEFAULT_RULE,
    recent_calls: Sequence[PriorityClass | bool] = (),
    now: datetime | None = None,
) -> WaitingTicket | None:
    """The ticket this window should call next (see the module docstring), or None if none wait.

    `recent_calls`: the classes (or was-priority flags) of the tickets this window called,
    oldest first. `now`: the current time; without it the M-minute wait rule is not applied.
    """
    if not waiting:
        return None
    returned = [t for t in waiting if t.returned_front]
    if returned:
        return min(returned, key=_fifo)
    prio = [t for t in waiting if is_priority(t, now)]
    ordinary = [t for t in waiting if not is_priority(t, now)]
    if not prio:
        return min(ordinary, key=_fifo)
    oldest_prio = min(prio, key=_fifo)
    if not ordinary:
        return oldest_prio
    oldest_ord = min(ordinary, key=_fifo)
    if _priority_streak(recent_calls) >= rule.max_consecutive_priority:
        waited_too_long = now is not None and now - oldest_ord.issued_at > rule.max_ordinary_wait
        if _fifo(oldest_ord) < _fifo(oldest_prio) or waited_too_long:
            return oldest_ord
    return oldest_prio


def call_order(
    waiting: Sequence[WaitingTicket],
    rule: FairnessRule = DEFAULT_RULE,
    recent_calls: Sequence[PriorityClass | bool] = (),
    now: datetime | None = None,
) -> list[WaitingTicket]:
    """The waiting list in the order this window would call it if nobody else arrived."""
    left = list(waiting)
    history: list[PriorityClass | bool] = list(recent_calls)
    out: list[WaitingTicket] = []
    while left:
        t = choose_next(left, rule, history, now)
        assert t is not None
        out.append(t)
        left.remove(t)
        history.append(is_priority(t, now))
    return out
