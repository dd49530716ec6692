"""Queue use cases: issue tickets, call next (never one ticket to two windows), recall, skip, transfer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from app.clock import business_date
from app.db.models import CallRecord, Counter, ServiceGroup, Ticket
from app.db.types import new_id
from app.domain.errors import IllegalTransition, ValidationError
from app.domain.queue import (
    DEFAULT_RULE,
    FairnessRule,
    PriorityClass,
    WaitingTicket,
    choose_next,
    is_priority,
)
from app.services.case_numbers import (
    NotFound,
    counter_of,
    require_centre,
    sync_row,
)
from app.services.context import ServiceContext
from app.services.counter_dto import (
    TICKET_STATUS_LABELS,
    TicketView,
)
from app.services.dto import SignedInUser
from app.services.queue_issue import TicketIssuing
from app.services.queue_views import _GROUP, _waiting_ticket, ticket_view
from app.services.uow import UnitOfWork

DEFAULT_MAX_RECALLS = 2
CANDIDATES = 24  # per kind of ticket, read by each call-next


class QueueService(TicketIssuing):
    """Tickets of one centre and day. `max_recalls`: 重呼 needed before a ticket may be skipped."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        max_recalls: int = DEFAULT_MAX_RECALLS,
        rule: FairnessRule = DEFAULT_RULE,
    ) -> None:
        self.ctx = ctx
        self.max_recalls = max_recalls
        self.rule = rule

    # --- calling ------------------------------------------------------------------------------

    def call_next(self, counter_id: uuid.UUID, user: SignedInUser) -> TicketView | None:
        """Call the next ticket for this window by the fairness rule, or None if nobody waits.

        Safe with many windows calling at once: candidates are read, the chosen one is locked
        (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite holds the write lock from BEGIN) and
        taken with an UPDATE guarded by status='waiting'; a ticket another window got first is
        passed over and the next by the rule is tried. On PostgreSQL this is one statement and two
        round trips (app/services/queue_pg.py); this general path runs when that one steps aside."""
        now = self.ctx.clock()
        today = business_date(now)
        if self.ctx.engine.dialect.name == "postgresql":
            from app.services.queue_pg import call_next_pg

            done = call_next_pg(
                self.ctx.engine, counter_id, user.id, user.centre_id, today, now, self.rule
            )
            if done.outcome == "no_counter":
                raise NotFound("NOT_FOUND", "找不到该窗口")
            if done.outcome == "wrong_centre" and done.counter_centre is not None:
                require_centre(user, done.counter_centre)
            if done.outcome == "nobody":
                return None
            if done.outcome == "called" and done.ticket is not None:
                return ticket_view(done.ticket, done.window)
        return self._call_next_general(counter_id, user, today, now)

    def _call_next_general(
        self, counter_id: uuid.UUID, user: SignedInUser, today: date, now: datetime
    ) -> TicketView | None:
        with self.ctx.uow() as uow:
            s = uow.session
            counter = counter_of(s, counter_id, user)
            history = list(
                s.scalars(
                    select(CallRecord.priority)
                    .where(CallRecord.counter_id == counter.id, CallRecord.recall.is_(False))
                    .order_by(CallRecord.at.desc(), CallRecord.id.desc())
                    .limit(self.rule.max_consecutive_priority + 1)
                )
            )[::-1]
            chosen = self._take(s, counter, user, today, now, history)
            if chosen is None:
                return None
            t = s.get_one(Ticket, chosen, populate_existing=True)
            call = CallRecord(
                id=new_id(),
                centre_id=counter.centre_id,
                ticket_id=t.id,
                counter_id=counter.id,
                clerk_id=user.id,
                number=t.number,
                window_number=counter.number,
                recall=False,
                priority=is_priority(_waiting_ticket(t), now),
                at=now,
            )
            s.add(call)
            sync_row(uow, "ticket", t)
            sync_row(uow, "call_record", call)  # to the hub: a restore brings the call log back
            uow.audit(
                "ticket_called",
                user_id=user.id,
                centre_id=counter.centre_id,
                subject_type="ticket",
                subject_id=t.id,
                counter_id=str(counter.id),
            )
            return self._view(s, t, now)

    def _candidates(self, s: Session, counter: Counter, today: date) -> list[WaitingTicket]:
        mine: ColumnElement[bool] = Ticket.target_counter_id == counter.id
        if counter.all_groups:
            open_to_me: ColumnElement[bool] = Ticket.target_counter_id.is_(None)
        else:
            open_to_me = and_(
                Ticket.target_counter_id.is_(None), _GROUP.in_(list(counter.service_groups))
            )
        base = select(Ticket.id, _GROUP, Ticket.priority, Ticket.issued_at, Ticket.front).where(
            Ticket.centre_id == counter.centre_id,
            Ticket.business_date == today,
            Ticket.status == "waiting",
            or_(mine, open_to_me),
        )
        # The rule only ever picks the oldest returned, priority or ordinary ticket, so the
        # first few of each kind are enough (more than the windows that may hold some locked).
        special = or_(Ticket.front.is_(True), Ticket.priority != PriorityClass.NORMAL.value)
        rows = [
            *s.execute(
                base.where(special)
                .order_by(Ticket.front.desc(), Ticket.issued_at, Ticket.id)
                .limit(CANDIDATES)
            ).all(),
            *s.execute(
                base.where(~special).order_by(Ticket.issued_at, Ticket.id).limit(CANDIDATES)
            ).all(),
        ]
        return [
            WaitingTicket(str(r[0]), r[1], PriorityClass(r[2]), r[3], returned_front=r[4])
            for r in rows
        ]

    def _lock(self, s: Session, ticket_id: str, *, skip: bool) -> bool:
        stmt = (
            select(Ticket.id)
            .where(Ticket.id == uuid.UUID(ticket_id), Ticket.status == "waiting")
            .with_for_update(skip_locked=skip)
        )
        return s.execute(stmt).first() is not None

    def _take(
        self,
        s: Session,
        counter: Counter,
        user: SignedInUser,
        today: date,
        now: datetime,
        history: Sequence[bool],
    ) -> uuid.UUID | None:
        for _ in range(1000):
            waiting = self._candidates(s, counter, today)
            if not waiting:
                return None
            left = list(waiting)
            chosen: WaitingTicket | None = None
            while left:
                t = choose_next(left, self.rule, history, now)
                assert t is not None
                if self._lock(s, t.id, skip=True):
                    chosen = t
                    break
                left.remove(t)  # another window holds it right now
            if chosen is None:
                # Every candidate is being taken by other windows: wait for the first, look again.
                first = choose_next(waiting, self.rule, history, now)
                assert first is not None
                if not self._lock(s, first.id, skip=False):
                    continue
                chosen = first
            taken = s.execute(
                update(Ticket)
                .where(Ticket.id == uuid.UUID(chosen.id), Ticket.status == "waiting")
                .values(
                    status="called",
                    called_at=now,
                    counter_id=counter.id,
                    clerk_id=user.id,
                    front=False,
                    target_counter_id=None,
                    recall_count=0,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return uuid.UUID(chosen.id)
        raise IllegalTransition("QUEUE_BUSY", "叫号繁忙，请稍后重试")

    # --- one ticket ---------------------------------------------------------------------------

    def _change(
        self,
        ticket_id: uuid.UUID,
        user: SignedInUser,
        allowed: tuple[str, ...],
        label: str,
        action: str,
        mutate: Callable[[UnitOfWork, Ticket], None],
    ) -> TicketView:
        """One ticket move in one transaction: lock, check the state, change, sync, audit."""
        with self.ctx.uow() as uow:
            t = uow.session.get(Ticket, ticket_id, with_for_update=True)
            if t is None:
                raise NotFound("NOT_FOUND", "找不到该排队号")
            require_centre(user, t.centre_id)
            if t.status not in allowed:
                raise IllegalTransition(
                    "TICKET_ILLEGAL_TRANSITION",
                    f"排队号 {t.number} 当前为“{TICKET_STATUS_LABELS[t.status]}”，不能{label}",
                )
            mutate(uow, t)
            sync_row(uow, "ticket", t)
            uow.audit(
                action,
                user_id=user.id,
                centre_id=t.centre_id,
                subject_type="ticket",
                subject_id=t.id,
            )
            return self._view(uow.session, t, self.ctx.clock())

    def recall(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        """重呼: call the same ticket again at its window; counts the recalls."""
        now = self.ctx.clock()

        def go(uow: UnitOfWork, t: Ticket) -> None:
            t.recall_count += 1
            window = uow.session.get_one(Counter, t.counter_id)
            call = CallRecord(
                id=new_id(),
                centre_id=t.centre_id,
                ticket_id=t.id,
                counter_id=window.id,
                clerk_id=user.id,
                number=t.number,
                window_number=window.number,
                recall=True,
                priority=t.priority != PriorityClass.NORMAL.value,
                at=now,
            )
            uow.session.add(call)
            sync_row(uow, "call_record", call)

        return self._change(ticket_id, user, ("called",), "重呼", "ticket_recalled", go)

    def skip(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        """过号: allowed once the ticket was recalled the configured number of times."""

        def go(uow: UnitOfWork, t: Ticket) -> None:
            if t.recall_count < self.max_recalls:
                raise IllegalTransition(
                    "TICKET_RECALL_FIRST",
                    f"须重呼 {self.max_recalls} 次后才能过号（已重呼 {t.recall_count} 次）",
                )
            t.status, t.finished_at = "no_show", self.ctx.clock()

        return self._change(ticket_id, user, ("called",), "过号", "ticket_skipped", go)

    def requeue(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        """A skipped resident came back: in line again at the original place (same day only)."""

        def go(uow: UnitOfWork, t: Ticket) -> None:
            if t.business_date != business_date(self.ctx.clock()):
                raise IllegalTransition("TICKET_EXPIRED", "排队号已过期，请重新取号")
            t.status, t.finished_at, t.counter_id, t.called_at = "waiting", None, None, None
            t.recall_count = 0

        return self._change(ticket_id, user, ("no_show",), "重新排队", "ticket_requeued", go)

    def transfer(
        self,
        ticket_id: uuid.UUID,
        user: SignedInUser,
        *,
        comment: str,
        to_group: str | None = None,
        to_counter_id: uuid.UUID | None = None,
    ) -> TicketView:
        """转窗/转组: back to waiting, at the front, for another group or one window."""
        comment = comment.strip()
        if not comment:
            raise ValidationError("FIELD_REQUIRED", "请填写转办说明", "comment")
        if len(comment) > 200:
            raise ValidationError("FIELD_TOO_LONG", "转办说明不能超过 200 个字", "comment")
        if (to_group is None) == (to_counter_id is None):
            raise ValidationError(
                "TRANSFER_TARGET", "请选择转往的业务分组或窗口（二选一）", "target"
            )

        def go(uow: UnitOfWork, t: Ticket) -> None:
            s = uow.session
            if to_group is not None:
                if s.scalar(select(ServiceGroup.id).where(ServiceGroup.code == to_group)) is None:
                    raise ValidationError("GROUP_UNKNOWN", "没有这个业务分组", "to_group")
                t.queue_group, t.target_counter_id = to_group, None
            else:
                target = s.get(Counter, to_counter_id)
                if target is None or target.centre_id != t.centre_id:
                    raise ValidationError("NOT_FOUND", "找不到该窗口", "to_counter_id")
                t.target_counter_id = target.id
            t.status, t.front, t.comment, t.counter_id = "waiting", True, comment, None
            t.recall_count = 0

        states = ("called", "serving", "held")
        return self._change(ticket_id, user, states, "转窗", "ticket_transferred", go)

    def hold(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        """挂起: set aside (the resident fetches a document); the window serves others meanwhile."""

        def go(uow: UnitOfWork, t: Ticket) -> None:
            t.status = "held"

        return self._change(ticket_id, user, ("called", "serving"), "挂起", "ticket_held", go)

    def resume(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        """Back from hold: the holding window's next call takes it first."""

        def go(uow: UnitOfWork, t: Ticket) -> None:
            t.status, t.front, t.target_counter_id = "waiting", True, t.counter_id

        return self._change(ticket_id, user, ("held",), "恢复", "ticket_resumed", go)

    def start_serving(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        def go(uow: UnitOfWork, t: Ticket) -> None:
            t.status, t.serving_at, t.clerk_id = "serving", self.ctx.clock(), user.id

        return self._change(ticket_id, user, ("called",), "开始办理", "ticket_serving", go)

    def finish(self, ticket_id: uuid.UUID, user: SignedInUser) -> TicketView:
        def go(uow: UnitOfWork, t: Ticket) -> None:
            t.status, t.finished_at = "done", self.ctx.clock()

        return self._change(
            ticket_id, user, ("called", "serving"), "结束办理", "ticket_finished", go
        )
