"""Case use cases after intake: department decisions, 待领取, hand-over, withdrawal, lists, search."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, select

from app.clock import business_date, business_zone
from app.db.models import Case, CaseEvent, CaseMaterial, Matter, Resident
from app.db.protected import equals_on
from app.documents.printable import check_printable
from app.domain.case_states import CaseEventType, CaseStatus, clock_running, is_open
from app.domain.deadlines import deadline_status
from app.domain.errors import ValidationError
from app.domain.identity import normalise_input
from app.services.case_numbers import (
    append_event,
    get_or_404,
    require_centre,
    require_supervisor,
    summary_of,
    sync_row,
)
from app.services.case_query import read_case_query
from app.services.context import ServiceContext
from app.services.counter_dto import MATERIAL_STATE_LABELS, CaseDetail, CaseEventView, MaterialLine
from app.services.dto import CaseSummary, SignedInUser
from app.services.uow import UnitOfWork

DECISIONS = {
    "accept": CaseEventType.DEPARTMENT_ACCEPT,
    "approve": CaseEventType.APPROVE,
    "approve_deferred": CaseEventType.APPROVE_DEFERRED,
    "deny": CaseEventType.DENY,
}
COLLECTORS = ("applicant", "agent")


def _event_view(e: CaseEvent) -> CaseEventView:
    event, status = CaseEventType[e.event_type], CaseStatus[e.status_after]
    return CaseEventView(
        seq=e.seq,
        event_type=event.name,
        label=event.label,
        status_after=status.name,
        status_label=status.label,
        at=e.at,
        actor_id=e.actor_id,
        actor_name=e.actor_name,
        origin=e.origin,
        note=e.note,
        detail=dict(e.detail),
    )


class CaseService:
    """Cases after intake: decisions, ready for collection, delivery, withdrawal, search."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- changes ------------------------------------------------------------------------------

    def _step(
        self,
        case_id: uuid.UUID,
        user: SignedInUser,
        event: CaseEventType,
        action: str,
        *,
        origin: str = "centre",
        note: str = "",
        detail: dict[str, object] | None = None,
    ) -> CaseSummary:
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            append_event(uow, case, event, user, now, origin=origin, note=note, detail=detail)
            if event in (CaseEventType.APPROVE, CaseEventType.APPROVE_DEFERRED, CaseEventType.DENY):
                case.decision_note = note
            sync_row(uow, "case_file", case)
            uow.audit(
                action,
                user_id=user.id,
                centre_id=case.centre_id,
                subject_type="case",
                subject_id=case.id,
                event=event.name,
            )
            return self._summary(uow, case, business_date(now))

    def record_department_decision(
        self,
        case_id: uuid.UUID,
        user: SignedInUser,
        decision: str,
        *,
        reason: str = "",
        department: str = "",
    ) -> CaseSummary:
        """A supervisor records by hand what a department decided (until sync brings it):
        accept / approve / approve_deferred / deny. The deciding department and the reason are
        required; the event is the supervisor's, entered at the centre on the department's behalf."""
        require_supervisor(user)
        event = DECISIONS.get(decision)
        if event is None:
            raise ValidationError("DECISION_INVALID", "决定类型无效", "decision")
        reason, department = reason.strip(), department.strip()
        check_printable(department, "决定部门", "department")
        check_printable(reason, "意见或理由", "reason", multiline=True)
        if not department:
            raise ValidationError("FIELD_REQUIRED", "请填写作出决定的部门", "department")
        if len(department) > 100:
            raise ValidationError("FIELD_TOO_LONG", "部门名称不能超过 100 个字", "department")
        if not reason:
            raise ValidationError("FIELD_REQUIRED", "请填写部门决定的意见或理由", "reason")
        if len(reason) > 500:
            raise ValidationError("FIELD_TOO_LONG", "理由不能超过 500 个字", "reason")
        detail: dict[str, object] = {
            "recorded_by_supervisor": True,
            "entered_by": user.display_name,
            "on_behalf_of": department,
            "department": department,
        }
        return self._step(
            case_id,
            user,
            event,
            "case_decision_recorded",
            origin="centre",
            note=f"{department}决定（值班长{user.display_name}代录）：{reason}",
            detail=detail,
        )

    def notify_ready(self, case_id: uuid.UUID, user: SignedInUser, note: str = "") -> CaseSummary:
        """结果返回: the case waits for the resident (待领取)."""
        return self._step(
            case_id, user, CaseEventType.NOTIFY_READY, "case_ready", note=note.strip()[:500]
        )

    def deliver(
        self,
        case_id: uuid.UUID,
        user: SignedInUser,
        collected_by: str = "applicant",
        note: str = "",
    ) -> CaseSummary:
        """领取/送达: records who collected the result (the applicant or the case's agent)."""
        if collected_by not in COLLECTORS:
            raise ValidationError("COLLECTOR_INVALID", "领取人只能是申请人或代办人", "collected_by")
        with self.ctx.uow(read_only=True) as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            if collected_by == "agent" and case.agent_id is None:
                raise ValidationError("NO_AGENT", "该办件没有登记代办人", "collected_by")
            agent_id = str(case.agent_id) if collected_by == "agent" else None
        return self._step(
            case_id,
            user,
            CaseEventType.DELIVER,
            "case_delivered",
            note=note.strip()[:500],
            detail={"collected_by": collected_by, "agent_id": agent_id},
        )

    def withdraw(self, case_id: uuid.UUID, user: SignedInUser, reason: str) -> CaseSummary:
        """撤回申请 at the resident's request, before a decision."""
        if not reason.strip():
            raise ValidationError("FIELD_REQUIRED", "请填写撤回原因", "reason")
        return self._step(
            case_id, user, CaseEventType.WITHDRAW, "case_withdrawn", note=reason.strip()[:500]
        )

    # --- reading ------------------------------------------------------------------------------

    def _deadline(self, case: Case, today: date) -> str:
        status = CaseStatus[case.status]
        if case.due_date is None or not clock_running(status):
            return "none"
        return deadline_status(case.due_date, today, self.ctx.calendar).value

    def _summary(self, uow: UnitOfWork, case: Case, today: date) -> CaseSummary:
        s = uow.session
        matter = s.get_one(Matter, case.matter_id)
        resident = s.get_one(Resident, case.resident_id)
        return summary_of(case, matter.name, resident, self._deadline(case, today))

    def _list(
        self, stmt: Select[Case], user: SignedInUser, action: str, limit: int = 200
    ) -> list[CaseSummary]:
        today = business_date(self.ctx.clock())
        with self.ctx.uow() as uow:
            s = uow.session
            if user.centre_id is not None:
                stmt = stmt.where(Case.centre_id == user.centre_id)
            rows = list(s.scalars(stmt.order_by(Case.received_at.desc()).limit(limit)))
            matters = {
                m.id: m.name
                for m in s.scalars(select(Matter).where(Matter.id.in_({c.matter_id for c in rows})))
            }
            people = {
                r.id: r
                for r in s.scalars(
                    select(Resident).where(Resident.id.in_({c.resident_id for c in rows}))
                )
            }
            uow.audit(action, user_id=user.id, centre_id=user.centre_id, found=len(rows))
            return [
                summary_of(c, matters[c.matter_id], people[c.resident_id], self._deadline(c, today))
                for c in rows
            ]

    def routed_cases(self, user: SignedInUser) -> list[CaseSummary]:
        """已转办: routed or accepted by the department, awaiting a decision."""
        states = [CaseStatus.ROUTED.name, CaseStatus.ACCEPTED_BY_DEPARTMENT.name]
        return self._list(select(Case).where(Case.status.in_(states)), user, "cases_listed")

    def ready_cases(self, user: SignedInUser) -> list[CaseSummary]:
        """待领取: a decision came back, waiting for the resident."""
        stmt = select(Case).where(Case.status == CaseStatus.READY_FOR_COLLECTION.name)
        return self._list(stmt, user, "cases_listed")

    def search(
        self,
        user: SignedInUser,
        *,
        case_number: str = "",
        id_number: str = "",
        name: str = "",
        phone: str = "",
        received_on: date | None = None,
        limit: int = 100,
    ) -> list[CaseSummary]:
        """Cases by exact case number, ID number, name (exact or prefix), phone or receipt date."""
        conds: list[ColumnElement[bool]] = []
        if case_number.strip():
            conds.append(Case.case_number == case_number.strip())
        people: list[ColumnElement[bool]] = []
        dialect = self.ctx.engine.dialect  # level 3: ID and phone are found by blind index
        if id_number.strip():
            people.append(
                equals_on(
                    dialect,
                    Resident.id_number,
                    Resident.id_number_bidx,
                    "id",
                    normalise_input(id_number),
                )
            )
        if name.strip():
            q = name.strip()
            people.append(Resident.name >= q)
            people.append(Resident.name < q + "\uffff")
        if phone.strip():
            typed = "".join(ch for ch in phone if ch.isdigit() or ch == "-")
            people.append(equals_on(dialect, Resident.phone, Resident.phone_bidx, "phone", typed))
        if people:
            conds.append(Case.resident_id.in_(select(Resident.id).where(*people)))
        if received_on is not None:
            start = datetime.combine(received_on, time(0), tzinfo=business_zone())
            conds.append(Case.received_at >= start)
            conds.append(Case.received_at < start + timedelta(days=1))
        if not conds:
            raise ValidationError("SEARCH_EMPTY", "请输入办件编号、证件号码、姓名、电话或日期")
        return self._list(select(Case).where(*conds), user, "cases_searched", limit)

    def find(self, user: SignedInUser, text: str, limit: int = 100) -> list[CaseSummary]:
        """Cases matching what the clerk typed: a case number, ID number, name, phone or a date
        (2026-11-23, 2026/11/23, 2026年11月23日, 20261123). A date that does not exist raises a
        ValidationError with a Chinese message."""
        q = read_case_query(text)
        found = self.search(
            user,
            case_number=q.case_number,
            id_number=q.id_number,
            name=q.name,
            phone=q.phone,
            received_on=q.received_on,
            limit=limit,
        )
        if not found and q.or_id_number:
            found = self.search(user, id_number=q.case_number, limit=limit)
        return found

    def open_cases_of(self, resident_id: uuid.UUID, user: SignedInUser) -> list[CaseSummary]:
        rows = self._list(select(Case).where(Case.resident_id == resident_id), user, "cases_listed")
        return [c for c in rows if is_open(CaseStatus[c.status])]

    def history_of(
        self, resident_id: uuid.UUID, user: SignedInUser, limit: int = 10
    ) -> list[CaseSummary]:
        """The resident's most recent cases, any status."""
        stmt = select(Case).where(Case.resident_id == resident_id)
        return self._list(stmt, user, "cases_listed", limit)

    def timeline(self, case_id: uuid.UUID, user: SignedInUser) -> tuple[CaseEventView, ...]:
        """Every event of the case, oldest first: who, when, where from, note."""
        return self.detail(case_id, user).events

    def detail(self, case_id: uuid.UUID, user: SignedInUser) -> CaseDetail:
        today = business_date(self.ctx.clock())
        with self.ctx.uow() as uow:
            s = uow.session
            case = get_or_404(s, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            events = s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
            mats = s.scalars(
                select(CaseMaterial)
                .where(CaseMaterial.case_id == case.id)
                .order_by(CaseMaterial.position)
            )
            uow.audit(
                "case_viewed",
                user_id=user.id,
                centre_id=case.centre_id,
                subject_type="case",
                subject_id=case.id,
            )
            return CaseDetail(
                summary=self._summary(uow, case, today),
                verification_code=case.verification_code,
                case_type=s.get_one(Matter, case.matter_id).case_type,
                routed_department=case.routed_department,
                co_departments=tuple(case.co_departments),
                paused_days=case.paused_days,
                decision_note=case.decision_note,
                form_data=dict(case.form_data),
                materials=_material_lines(list(mats)),
                events=tuple(_event_view(e) for e in events),
            )


def _material_lines(rows: Sequence[CaseMaterial]) -> tuple[MaterialLine, ...]:
    return tuple(
        MaterialLine(
            code=m.material_code,
            name=m.name,
            form=m.form,
            copies=m.copies,
            required=True,
            state=m.state,
            state_label=MATERIAL_STATE_LABELS[m.state],
            promised_by=m.promised_by,
            note=m.note,
            where_to_get="",
        )
        for m in rows
    )
