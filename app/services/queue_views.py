"""Reading the queue: one ticket as the clerk sees it, the waiting list, and the call board's state."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.db.models import CallRecord, Counter, ServiceGroup, Ticket
from app.domain.queue import (
    FairnessRule,
    PriorityClass,
    WaitingTicket,
    call_order,
    sort_key,
)
from app.services.case_numbers import counter_of, get_or_404
from app.services.context import ServiceContext
from app.services.counter_dto import (
    TICKET_STATUS_LABELS,
    BoardCall,
    BoardState,
    GroupWaiting,
    TicketView,
    WaitingRow,
)
from app.services.dto import SignedInUser

_GROUP = func.coalesce(Ticket.queue_group, Ticket.service_group)


def _waiting_ticket(t: Ticket) -> WaitingTicket:
    return WaitingTicket(
        id=str(t.id),
        group=t.queue_group or t.service_group,
        priority=PriorityClass(t.priority),
        issued_at=t.issued_at,
        returned_front=t.front,
    )


def ticket_view(t: Ticket, window: int | None, ahead: int = 0) -> TicketView:
    """What the screen shows of a ticket, given its window's number and how many wait before it."""
    prio = PriorityClass(t.priority)
    return TicketView(
        id=t.id,
        number=t.number,
        service_group=t.service_group,
        queue_group=t.queue_group or t.service_group,
        priority=prio.value,
        priority_label=prio.label,
        appointment=t.appointment,
        status=t.status,
        status_label=TICKET_STATUS_LABELS.get(t.status, t.status),
        business_date=t.business_date,
        issued_at=t.issued_at,
        called_at=t.called_at,
        counter_id=t.counter_id,
        window_number=window,
        recall_count=t.recall_count,
        waiting_ahead=ahead,
        front=t.front,
        comment=t.comment,
    )


def board_text(number: str, window: int) -> str:
    return f"请 {number} 号 到 {window} 号窗口"


class QueueReads:
    """The read side of QueueService (no writes, read-only transactions)."""

    ctx: ServiceContext
    rule: FairnessRule

    # --- reading ------------------------------------------------------------------------------

    def _view(self, s: Session, t: Ticket, now: datetime) -> TicketView:
        ahead = 0
        if t.status == "waiting":
            group = t.queue_group or t.service_group
            waiting = [
                _waiting_ticket(w)
                for w in s.scalars(
                    select(Ticket).where(
                        Ticket.centre_id == t.centre_id,
                        Ticket.business_date == t.business_date,
                        Ticket.status == "waiting",
                        _GROUP == group,  # noqa: SIM300
                    )
                )
            ]
            order = [w.id for w in call_order(waiting, self.rule, (), now)]
            ahead = order.index(str(t.id)) if str(t.id) in order else 0
        window = s.get(Counter, t.counter_id).number if t.counter_id else None  # type: ignore[union-attr]
        return ticket_view(t, window, ahead)

    def ticket(self, ticket_id: uuid.UUID) -> TicketView:
        with self.ctx.uow(read_only=True) as uow:
            t = get_or_404(uow.session, Ticket, ticket_id, "排队号")
            return self._view(uow.session, t, self.ctx.clock())

    def open_at_window(self, counter_id: uuid.UUID, user: SignedInUser) -> TicketView | None:
        """Today's ticket still called or in service at this window (the newest), left there by a
        restart or by the clerk before; the window's next clerk carries it on."""
        now = self.ctx.clock()
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            counter = counter_of(s, counter_id, user)
            t = s.scalars(
                select(Ticket)
                .where(
                    Ticket.centre_id == counter.centre_id,
                    Ticket.business_date == business_date(now),
                    Ticket.counter_id == counter.id,
                    Ticket.status.in_(("called", "serving")),
                )
                .order_by(Ticket.called_at.desc(), Ticket.id.desc())
                .limit(1)
            ).first()
            return None if t is None else self._view(s, t, now)

    def waiting_list(self, centre_id: uuid.UUID) -> list[WaitingRow]:
        """Today's waiting tickets of the centre in the base calling order."""
        now = self.ctx.clock()
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            rows = list(
                s.scalars(
                    select(Ticket).where(
                        Ticket.centre_id == centre_id,
                        Ticket.business_date == business_date(now),
                        Ticket.status == "waiting",
                    )
                )
            )
            windows = {c.id: c.number for c in s.scalars(select(Counter))}
            rows.sort(key=lambda t: sort_key(_waiting_ticket(t), now))
            return [
                WaitingRow(
                    id=t.id,
                    number=t.number,
                    queue_group=t.queue_group or t.service_group,
                    priority_label=PriorityClass(t.priority).label,
                    issued_at=t.issued_at,
                    front=t.front,
                    target_window=windows.get(t.target_counter_id) if t.target_counter_id else None,
                )
                for t in rows
            ]

    def board_state(self, centre_id: uuid.UUID, recent: int = 8) -> BoardState:
        """Recent calls (newest first) and waiting counts per group; numbers only, never names."""
        now = self.ctx.clock()
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            calls = s.scalars(
                select(CallRecord)
                .where(CallRecord.centre_id == centre_id, CallRecord.at >= _day_start(now))
                .order_by(CallRecord.at.desc(), CallRecord.id.desc())
                .limit(recent)
            )
            counts = dict(
                s.execute(
                    select(_GROUP, func.count())
                    .where(
                        Ticket.centre_id == centre_id,
                        Ticket.business_date == business_date(now),
                        Ticket.status == "waiting",
                    )
                    .group_by(_GROUP)
                ).all()
            )
            groups = tuple(
                GroupWaiting(g.code, g.prefix, g.name, int(counts.get(g.code, 0)))
                for g in s.scalars(select(ServiceGroup).order_by(ServiceGroup.prefix))
            )
            return BoardState(
                calls=tuple(
                    BoardCall(
                        c.number,
                        c.window_number,
                        board_text(c.number, c.window_number),
                        c.at,
                        c.recall,
                    )
                    for c in calls
                ),
                groups=groups,
                total_waiting=sum(int(v) for v in counts.values()),
            )


def _day_start(now: datetime) -> datetime:
    from datetime import time

    from app.clock import business_zone

    return datetime.combine(business_date(now), time(0), tzinfo=business_zone())
