"""差评整改: a bad rating's follow-up — assigned, due in working days, called back, rectified, closed."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.clock import business_date
from app.db.models import Case, Centre, Counter, FollowUp, Rating, Ticket, User
from app.db.types import new_id
from app.domain.errors import IllegalTransition, ValidationError
from app.services.case_numbers import (
    SUPERVISOR_ROLES,
    get_or_404,
    require_centre,
    require_supervisor,
    sync_row,
)
from app.services.context import ServiceContext
from app.services.counter_dto import RATING_LABELS, FollowUpView
from app.services.dto import SignedInUser
from app.services.uow import UnitOfWork

# Local rules give 5 to 15 working days; a centre may choose within a wider, still sane range.
MIN_WORKING_DAYS, MAX_WORKING_DAYS = 1, 30
MAX_TEXT = 500


def open_follow_up(uow: UnitOfWork, ctx: ServiceContext, rating: Rating, now: datetime) -> FollowUp:
    """Open the follow-up of a bad rating in the rating's transaction: due after the centre's
    follow-up working days, assigned to the centre's first active supervisor."""
    s = uow.session
    centre = s.get_one(Centre, rating.centre_id)
    due = ctx.calendar.add_working_days(business_date(now), centre.follow_up_working_days).value
    assignee = s.scalar(
        select(User.id)
        .where(
            User.centre_id == rating.centre_id,
            User.role.in_(SUPERVISOR_ROLES),
            User.active.is_(True),
        )
        .order_by(User.username)
        .limit(1)
    )
    follow_up = FollowUp(
        id=new_id(),
        rating_id=rating.id,
        centre_id=rating.centre_id,
        status="open",
        opened_at=now,
        assigned_to=assignee,
        due_date=due,
    )
    s.add(follow_up)
    sync_row(uow, "follow_up", follow_up)
    return follow_up


def _text(value: str, what: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError("FIELD_REQUIRED", f"请填写{what}", field)
    if len(value) > MAX_TEXT:
        raise ValidationError("FIELD_TOO_LONG", f"{what}不能超过 {MAX_TEXT} 个字", field)
    return value


class FollowUpService:
    """The closed loop of a bad rating. Supervisors assign and close; the assignee or a supervisor
    records the call back and the rectification."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- the centre setting -------------------------------------------------------------------

    def working_days(self, user: SignedInUser) -> int:
        require_supervisor(user)
        with self.ctx.uow(read_only=True) as uow:
            centre = get_or_404(uow.session, Centre, user.centre_id, "服务中心")
            return int(centre.follow_up_working_days)

    def set_working_days(self, user: SignedInUser, days: int) -> int:
        """The centre's deadline for a follow-up in working days (new follow-ups only)."""
        require_supervisor(user)
        if not MIN_WORKING_DAYS <= days <= MAX_WORKING_DAYS:
            raise ValidationError(
                "FOLLOW_UP_DAYS",
                f"整改期限应为 {MIN_WORKING_DAYS} 至 {MAX_WORKING_DAYS} 个工作日",
                "days",
            )
        with self.ctx.uow() as uow:
            centre = get_or_404(uow.session, Centre, user.centre_id, "服务中心")
            old = centre.follow_up_working_days
            centre.follow_up_working_days = days
            uow.audit(
                "follow_up_days_set",
                user_id=user.id,
                centre_id=centre.id,
                subject_type="centre",
                subject_id=centre.id,
                old=old,
                new=days,
            )
            return days

    # -- lists --------------------------------------------------------------------------------

    def list_open(self, user: SignedInUser) -> list[FollowUpView]:
        """Open follow-ups, overdue first, then by deadline."""
        require_supervisor(user)
        with self.ctx.uow(read_only=True) as uow:
            stmt = select(FollowUp).where(FollowUp.status == "open")
            if user.centre_id is not None:
                stmt = stmt.where(FollowUp.centre_id == user.centre_id)
            stmt = stmt.order_by(FollowUp.due_date, FollowUp.opened_at)
            return self._views(uow.session, list(uow.session.scalars(stmt)))

    def get(self, follow_up_id: uuid.UUID, user: SignedInUser) -> FollowUpView:
        require_supervisor(user)
        with self.ctx.uow(read_only=True) as uow:
            f = get_or_404(uow.session, FollowUp, follow_up_id, "差评整改")
            require_centre(user, f.centre_id)
            return self._views(uow.session, [f])[0]

    # -- the loop -----------------------------------------------------------------------------

    def assign(
        self, follow_up_id: uuid.UUID, user: SignedInUser, assignee_id: uuid.UUID
    ) -> FollowUpView:
        require_supervisor(user)
        with self.ctx.uow() as uow:
            f = self._open_one(uow.session, follow_up_id, user)
            person = get_or_404(uow.session, User, assignee_id, "工作人员")
            if person.centre_id != f.centre_id or not person.active:
                raise ValidationError("ASSIGNEE", "只能指派给本中心在岗的工作人员", "assignee")
            f.assigned_to = person.id
            return self._saved(uow, f, user, "follow_up_assigned")

    def record_call_back(
        self,
        follow_up_id: uuid.UUID,
        user: SignedInUser,
        *,
        resident_said: str,
        satisfied: bool,
        called_at: datetime | None = None,
    ) -> FollowUpView:
        """The call back to the resident: when (now unless given), who (the acting account), what
        the resident said and whether they are satisfied now."""
        said = _text(resident_said, "群众的回访意见", "resident_said")
        now = self.ctx.clock()
        when = called_at or now
        if when.tzinfo is None:
            raise ValidationError("CALL_BACK_TIME", "回访时间缺少时区", "called_at")
        if when > now:
            raise ValidationError("CALL_BACK_TIME", "回访时间不能晚于现在", "called_at")
        with self.ctx.uow() as uow:
            f = self._open_one(uow.session, follow_up_id, user, assignee_may=True)
            if when < f.opened_at:
                raise ValidationError("CALL_BACK_TIME", "回访时间不能早于差评时间", "called_at")
            f.call_back_at, f.call_back_by = when, user.id
            f.call_back_note, f.resident_satisfied = said, bool(satisfied)
            return self._saved(uow, f, user, "follow_up_called_back")

    def record_rectification(
        self, follow_up_id: uuid.UUID, user: SignedInUser, rectification: str
    ) -> FollowUpView:
        text = _text(rectification, "整改情况", "rectification")
        with self.ctx.uow() as uow:
            f = self._open_one(uow.session, follow_up_id, user, assignee_may=True)
            f.rectification = text
            f.rectified_at, f.rectified_by = self.ctx.clock(), user.id
            return self._saved(uow, f, user, "follow_up_rectified")

    def close(self, follow_up_id: uuid.UUID, user: SignedInUser, note: str = "") -> FollowUpView:
        """Close the loop; refused until both the call back and the rectification are recorded."""
        require_supervisor(user)
        note = note.strip()
        if len(note) > MAX_TEXT:
            raise ValidationError("FIELD_TOO_LONG", f"办结说明不能超过 {MAX_TEXT} 个字", "note")
        with self.ctx.uow() as uow:
            f = self._open_one(uow.session, follow_up_id, user)
            missing = [
                what
                for what, done in (
                    ("回访记录", f.call_back_at is not None),
                    ("整改情况", f.rectified_at is not None),
                )
                if not done
            ]
            if missing:
                raise IllegalTransition(
                    "FOLLOW_UP_INCOMPLETE", f"尚未记录{'和'.join(missing)}，不能办结差评整改"
                )
            f.status, f.resolution = "closed", note
            f.closed_at, f.closed_by = self.ctx.clock(), user.id
            return self._saved(uow, f, user, "follow_up_closed")

    # -- helpers ------------------------------------------------------------------------------

    def _open_one(
        self, s: Session, follow_up_id: uuid.UUID, user: SignedInUser, *, assignee_may: bool = False
    ) -> FollowUp:
        f: FollowUp = get_or_404(s, FollowUp, follow_up_id, "差评整改")
        require_centre(user, f.centre_id)
        if not (assignee_may and f.assigned_to == user.id):
            require_supervisor(user)
        if f.status != "open":
            raise IllegalTransition("FOLLOW_UP_CLOSED", "该差评整改已经办结")
        return f

    def _saved(self, uow: UnitOfWork, f: FollowUp, user: SignedInUser, action: str) -> FollowUpView:
        sync_row(uow, "follow_up", f)
        uow.audit(
            action,
            user_id=user.id,
            centre_id=f.centre_id,
            subject_type="follow_up",
            subject_id=f.id,
        )
        return self._views(uow.session, [f])[0]

    def _views(self, s: Session, rows: list[FollowUp]) -> list[FollowUpView]:
        if not rows:
            return []
        today = business_date(self.ctx.clock())
        clerk, assignee, caller = aliased(User), aliased(User), aliased(User)
        by_id = {f.id: f for f in rows}
        found = s.execute(
            select(
                FollowUp.id,
                Rating,
                Ticket.number,
                Case.case_number,
                Counter.number,
                clerk.display_name,
                assignee.display_name,
                caller.display_name,
            )
            .join(Rating, Rating.id == FollowUp.rating_id)
            .outerjoin(Ticket, Ticket.id == Rating.ticket_id)
            .outerjoin(Case, Case.id == Rating.case_id)
            .outerjoin(Counter, Counter.id == Rating.counter_id)
            .outerjoin(clerk, clerk.id == Rating.clerk_id)
            .outerjoin(assignee, assignee.id == FollowUp.assigned_to)
            .outerjoin(caller, caller.id == FollowUp.call_back_by)
            .where(FollowUp.id.in_(list(by_id)))
        ).all()
        extra = {row[0]: row[1:] for row in found}
        out = []
        for f in rows:
            r, ticket_no, case_no, window, clerk_name, assignee_name, caller_name = extra[f.id]
            out.append(
                FollowUpView(
                    id=f.id,
                    rating_id=r.id,
                    level=r.level,
                    label=RATING_LABELS[r.level],
                    comment=r.comment,
                    ticket_number=ticket_no or "",
                    case_number=case_no or "",
                    window_number=window,
                    clerk_name=clerk_name or "",
                    opened_at=f.opened_at,
                    status=f.status,
                    resolution=f.resolution,
                    assigned_to=f.assigned_to,
                    assignee_name=assignee_name or "",
                    due_date=f.due_date,
                    overdue=_overdue(f, today),
                    call_back_at=f.call_back_at,
                    call_back_by_name=caller_name or "",
                    call_back_note=f.call_back_note,
                    resident_satisfied=f.resident_satisfied,
                    rectification=f.rectification,
                    rectified_at=f.rectified_at,
                )
            )
        return out


def _overdue(f: FollowUp, today: date) -> bool:
    return f.status == "open" and f.due_date is not None and f.due_date < today
