"""Deadlines under supervision: warning and overdue lists in working days, 督办 marks and 延期 grants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.clock import business_date
from app.db.models import Case, CaseEvent, Matter
from app.domain.case_states import CaseEventType, CaseStatus, clock_running
from app.domain.deadlines import DEFAULT_WARN_DAYS, remaining_working_days
from app.domain.errors import IllegalTransition, ValidationError
from app.services.case_numbers import append_event, get_or_404, require_centre, require_supervisor
from app.services.case_numbers import sync_row as _sync_row
from app.services.context import ServiceContext
from app.services.dto import SignedInUser

MAX_EXTENSION_DAYS = 30
MAX_NOTE = 300
RUNNING = [s.name for s in CaseStatus if clock_running(s)]
EXTENSION_REQUESTERS = {"counter": "窗口", "department": "部门"}


@dataclass(frozen=True)
class DeadlineCase:
    """A running case in the warning or overdue list."""

    id: uuid.UUID
    case_number: str
    matter_name: str
    department: str
    status_label: str
    due_date: date
    working_days_left: int  # in (today, due]: 0 on the due date, negative once overdue
    overdue: bool
    supervised: bool
    supervision_note: str  # the latest 督办 note
    extended_days: int


@dataclass(frozen=True)
class DeadlineLists:
    """The two lists of `SupervisionService.deadline_lists`, as of `today`."""

    today: date
    warn_days: int
    warning: tuple[DeadlineCase, ...]
    overdue: tuple[DeadlineCase, ...]


@dataclass(frozen=True)
class ExtensionGranted:
    """A 延期 granted: the due date before and after."""

    case_id: uuid.UUID
    old_due: date
    new_due: date
    working_days: int


def _note(text: str, what: str, field: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError("FIELD_REQUIRED", f"请填写{what}", field)
    if len(text) > MAX_NOTE:
        raise ValidationError("FIELD_TOO_LONG", f"{what}不能超过 {MAX_NOTE} 个字", field)
    return text


class SupervisionService:
    """Supervisor-only: every call checks the acting account's role and centre."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def deadline_lists(
        self, user: SignedInUser, warn_days: int = DEFAULT_WARN_DAYS
    ) -> DeadlineLists:
        """Running cases (the clock not stopped by a 补正) due within `warn_days` working days,
        and those past their due date. The working-day bound becomes a date, so the database
        filters with its deadline index; only listed cases are read."""
        require_supervisor(user)
        if not 0 <= warn_days <= 20:
            raise ValidationError("WARN_DAYS", "预警天数应为 0 至 20 个工作日", "warn_days")
        today = business_date(self.ctx.clock())
        calendar = self.ctx.calendar
        horizon = calendar.add_working_days(today, warn_days).value
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            stmt = (
                select(Case, Matter.name)
                .join(Matter, Matter.id == Case.matter_id)
                .where(
                    Case.status.in_(RUNNING),
                    Case.due_date.is_not(None),
                    Case.due_date <= horizon,
                )
                .order_by(Case.due_date, Case.case_number)
            )
            if user.centre_id is not None:
                stmt = stmt.where(Case.centre_id == user.centre_id)
            rows = s.execute(stmt).all()
            notes = self._supervision_notes(s, [c.id for c, _ in rows])
        warning: list[DeadlineCase] = []
        overdue: list[DeadlineCase] = []
        for case, matter_name in rows:
            assert case.due_date is not None
            item = DeadlineCase(
                id=case.id,
                case_number=case.case_number,
                matter_name=matter_name,
                department=case.routed_department,
                status_label=CaseStatus[case.status].label,
                due_date=case.due_date,
                working_days_left=remaining_working_days(case.due_date, today, calendar),
                overdue=case.due_date < today,
                supervised=case.id in notes,
                supervision_note=notes.get(case.id, ""),
                extended_days=case.extended_days,
            )
            (overdue if item.overdue else warning).append(item)
        return DeadlineLists(today, warn_days, tuple(warning), tuple(overdue))

    @staticmethod
    def _supervision_notes(s: object, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The latest 督办 note of each case that has one."""
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        if not case_ids:
            return {}
        latest = (
            select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
            .where(
                CaseEvent.case_id.in_(case_ids),
                CaseEvent.event_type == CaseEventType.SUPERVISE.name,
            )
            .group_by(CaseEvent.case_id)
            .subquery()
        )
        found = s.execute(
            select(CaseEvent.case_id, CaseEvent.note).join(
                latest, (latest.c.case_id == CaseEvent.case_id) & (latest.c.seq == CaseEvent.seq)
            )
        ).all()
        return {case_id: note for case_id, note in found}

    def supervise(self, case_id: uuid.UUID, user: SignedInUser, note: str) -> None:
        """Mark a case 督办 with a note: an event on the case's timeline, synced like any other."""
        require_supervisor(user)
        note = _note(note, "督办意见", "note")
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            append_event(uow, case, CaseEventType.SUPERVISE, user, now, note=f"督办：{note}")
            _sync_row(uow, "case_file", case)
            uow.audit(
                "case_supervised",
                user_id=user.id,
                centre_id=case.centre_id,
                subject_type="case",
                subject_id=case.id,
            )

    def extend(
        self,
        case_id: uuid.UUID,
        user: SignedInUser,
        *,
        working_days: int,
        reason: str,
        requested_by: str = "counter",
    ) -> ExtensionGranted:
        """Grant a 延期 on the counter's or the department's request: the due date moves by
        `working_days` working days; the event says by how much, why, from and to which date and
        who approved (the acting supervisor)."""
        require_supervisor(user)
        reason = _note(reason, "延期理由", "reason")
        if requested_by not in EXTENSION_REQUESTERS:
            raise ValidationError(
                "EXTENSION_REQUESTER", "请选择延期申请方（窗口或部门）", "requested_by"
            )
        if not 1 <= working_days <= MAX_EXTENSION_DAYS:
            raise ValidationError(
                "EXTENSION_DAYS", f"延期天数应为 1 至 {MAX_EXTENSION_DAYS} 个工作日", "working_days"
            )
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            if case.due_date is None:
                raise IllegalTransition("NO_DEADLINE", "该办件没有办理期限，无需延期")
            old_due = case.due_date
            new_due = self.ctx.calendar.add_working_days(old_due, working_days).value
            requester = EXTENSION_REQUESTERS[requested_by]
            append_event(
                uow,
                case,
                CaseEventType.EXTEND,
                user,
                now,
                note=(
                    f"延期 {working_days} 个工作日，办理期限由 {old_due.isoformat()} 延至 "
                    f"{new_due.isoformat()}（{requester}申请，{user.display_name}批准）：{reason}"
                ),
                detail={
                    "working_days": working_days,
                    "old_due": old_due.isoformat(),
                    "new_due": new_due.isoformat(),
                    "reason": reason,
                    "requested_by": requested_by,
                    "approved_by": user.display_name,
                },
            )
            case.due_date = new_due
            case.extended_days += working_days
            _sync_row(uow, "case_file", case)
            uow.audit(
                "case_extended",
                user_id=user.id,
                centre_id=case.centre_id,
                subject_type="case",
                subject_id=case.id,
                working_days=working_days,
            )
            return ExtensionGranted(case.id, old_due, new_due, working_days)
