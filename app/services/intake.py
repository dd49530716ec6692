"""Intake use cases at the window: 咨询, 受理, 即办办结, 一次性告知, 补正后恢复, 不予受理."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app.clock import business_date
from app.db.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    Centre,
    Consultation,
)
from app.db.types import new_id
from app.documents.printable import check_printable
from app.domain.case_states import CaseEventType, CaseStatus, apply
from app.domain.catalogue import CaseType, MatterSpec
from app.domain.deadlines import compute_due_date, paused_working_days
from app.domain.errors import IllegalTransition, ValidationError
from app.services.case_numbers import (
    append_event,
    counter_of,
    get_or_404,
    rejection_number,
    require_centre,
    supplement_number,
    sync_row,
)
from app.services.centre_settings import load_settings
from app.services.counter_dto import (
    ConsultationView,
    IntakeInput,
    IntakeResult,
    MaterialInput,
)
from app.services.document_data import supplement_basis
from app.services.dto import SignedInUser
from app.services.intake_core import IntakeCore
from app.services.intake_support import (
    check_form,
    check_materials,
    check_reason,
    find_matter,
    lacking,
    missing_fields,
    raise_first,
    validate_agent,
)
from app.services.uow import UnitOfWork


class IntakeService(IntakeCore):
    """Intake use cases at the window, one transaction each."""

    # --- use cases ----------------------------------------------------------------------------

    def consult(
        self,
        counter_id: uuid.UUID,
        user: SignedInUser,
        *,
        note: str,
        matter_code: str = "",
        resident_id: uuid.UUID | None = None,
        ticket_id: uuid.UUID | None = None,
    ) -> ConsultationView:
        """咨询: the resident asked and was answered; recorded, no case opened."""
        note = note.strip()
        check_printable(note, "咨询内容", "note", multiline=True)
        if not note:
            raise ValidationError("FIELD_REQUIRED", "请填写咨询的内容和答复", "note")
        if len(note) > 500:
            raise ValidationError("FIELD_TOO_LONG", "咨询内容不能超过 500 个字", "note")
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            counter = counter_of(uow.session, counter_id, user)
            if matter_code:
                find_matter(uow, matter_code)
            row = Consultation(
                id=new_id(),
                centre_id=counter.centre_id,
                counter_id=counter.id,
                ticket_id=ticket_id,
                resident_id=resident_id,
                clerk_id=user.id,
                matter_code=matter_code,
                note=note,
                at=now,
            )
            uow.session.add(row)
            sync_row(uow, "consultation", row)  # to the hub: a restore brings it back
            uow.audit(
                "consultation_recorded",
                user_id=user.id,
                centre_id=counter.centre_id,
                subject_type="consultation",
                subject_id=row.id,
            )
            return ConsultationView(row.id, now, matter_code, note)

    def accept(self, data: IntakeInput, user: SignedInUser) -> IntakeResult:
        """受理: open a case (RECEIVE), route 承诺件/上报件/联办件 (ROUTE); the receipt's data."""
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            matter, spec, form, materials = self._prepare(uow, data)
            missing = lacking(spec, materials)
            if missing:
                raise ValidationError(
                    "MATERIALS_INCOMPLETE",
                    "以下材料缺少或不符合要求，请出具一次性告知书：" + "、".join(missing),
                    "materials",
                )
            case = self._open_case(uow, data, user, now, form, materials, matter, spec)
            append_event(uow, case, CaseEventType.RECEIVE, user, now, counter_id=case.counter_id)
            self._route(uow, case, spec, user)
            return self._finish(uow, case, "receipt", user, "case_accepted")

    def complete_on_spot(self, data: IntakeInput, user: SignedInUser) -> IntakeResult:
        """即办办结 (即办件 only): the case is opened and completed at once."""
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            matter, spec, form, materials = self._prepare(uow, data)
            if spec.case_type is not CaseType.IMMEDIATE:
                raise IllegalTransition(
                    "NOT_IMMEDIATE", f"“{spec.name}”是{spec.case_type.value}，不能当场办结"
                )
            missing = lacking(spec, materials)
            if missing:
                raise ValidationError(
                    "MATERIALS_INCOMPLETE", "以下材料缺少或不符合要求：" + "、".join(missing)
                )
            case = self._open_case(uow, data, user, now, form, materials, matter, spec)
            append_event(
                uow, case, CaseEventType.COMPLETE_ON_SPOT, user, now, counter_id=case.counter_id
            )
            return self._finish(uow, case, "completion", user, "case_completed_on_spot")

    def request_supplement(
        self,
        data: IntakeInput,
        user: SignedInUser,
        *,
        supplement_deadline: date | None = None,
    ) -> IntakeResult:
        """一次性告知: open the case and list, at once, every missing or defective material;
        the deadline clock stops until resume_after_supplement."""
        now = self.ctx.clock()
        today = business_date(now)
        if supplement_deadline is not None and supplement_deadline <= today:
            raise ValidationError(
                "SUPPLEMENT_DEADLINE", "补正期限应晚于今天", "supplement_deadline"
            )
        with self.ctx.uow() as uow:
            matter, spec, form, materials = self._prepare(uow, data, partial=True)
            missing = lacking(spec, materials)
            fields = missing_fields(spec, form)
            if not missing and not fields:
                raise ValidationError(
                    "NOTHING_MISSING",
                    "材料齐全、申请表已填完，无需一次性告知，请直接受理",
                    "materials",
                )
            wanted = missing + [f"申请表“{f.label}”未填写" for f in fields]
            case = self._open_case(uow, data, user, now, form, materials, matter, spec)
            centre = uow.session.get_one(Centre, case.centre_id)
            prefix = load_settings(uow.session, centre.id).supplement_prefix
            number = supplement_number(uow, centre.code, today.year, prefix)
            basis = supplement_basis(spec)
            append_event(uow, case, CaseEventType.RECEIVE, user, now, counter_id=case.counter_id)
            append_event(
                uow,
                case,
                CaseEventType.REQUEST_SUPPLEMENT,
                user,
                now,
                counter_id=case.counter_id,
                note="一次性告知：" + "、".join(wanted),
                detail={
                    "materials": [
                        m.code
                        for m, g in zip(spec.materials, materials, strict=True)
                        if g.state == "defective" or (g.state == "missing" and m.required)
                    ],
                    "fields": [f.key for f in fields],
                    "deadline": supplement_deadline.isoformat() if supplement_deadline else None,
                    "document_number": number,
                    "legal_basis": basis[:300],
                },
            )
            return self._finish(
                uow,
                case,
                "supplement",
                user,
                "case_supplement_requested",
                supplement_deadline=supplement_deadline,
                missing_fields=tuple(f.label for f in fields),
                document_number=number,
                legal_basis=basis,
            )

    def resume_after_supplement(
        self,
        case_id: uuid.UUID,
        user: SignedInUser,
        *,
        counter_id: uuid.UUID | None = None,
        materials: tuple[MaterialInput, ...] = (),
        form_data: dict[str, Any] | None = None,
    ) -> IntakeResult:
        """The resident brought what was missing: the paused working days push the due date,
        the case resumes (RESUME) and is routed again; returns the new receipt's data."""
        now = self.ctx.clock()
        today = business_date(now)
        with self.ctx.uow() as uow:
            s = uow.session
            case = get_or_404(s, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            if case.status != CaseStatus.SUPPLEMENT_REQUESTED.name:
                raise IllegalTransition(
                    "CASE_ILLEGAL_TRANSITION",
                    f"办件当前状态为“{CaseStatus[case.status].label}”，不能恢复办理",
                )
            spec = find_matter(uow, case.matter_code, case.catalogue_version)[1]
            form, problems = check_form(spec, {**case.form_data, **(form_data or {})}, today)
            raise_first(problems)
            rows = {
                m.material_code: m
                for m in s.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id))
            }
            given = {m.code: m for m in materials}
            current = tuple(
                given.get(code, MaterialInput(code, r.state, r.promised_by, r.note))
                for code, r in rows.items()
            )
            checked = check_materials(spec, current, today)
            missing = lacking(spec, checked)
            if missing:
                raise ValidationError(
                    "MATERIALS_INCOMPLETE", "仍缺少或不符合要求：" + "、".join(missing), "materials"
                )
            if counter_id is not None:
                case.counter_id = counter_of(s, counter_id, user).id
            paused_at = s.scalar(
                select(CaseEvent.at)
                .where(
                    CaseEvent.case_id == case.id,
                    CaseEvent.event_type == CaseEventType.REQUEST_SUPPLEMENT.name,
                )
                .order_by(CaseEvent.seq.desc())
                .limit(1)
            )
            assert paused_at is not None
            paused = paused_working_days(
                [(business_date(paused_at), today)], today, self.ctx.calendar
            )
            case.paused_days += paused
            received = business_date(case.received_at)
            case.due_date = compute_due_date(
                received,
                spec.promised_days,
                case.paused_days + case.extended_days,
                self.ctx.calendar,
            ).value
            case.form_data = form
            for g in checked:
                r = rows[g.code]
                r.state, r.promised_by, r.note = g.state, g.promised_by, g.note[:200]
            append_event(
                uow,
                case,
                CaseEventType.RESUME,
                user,
                now,
                counter_id=case.counter_id,
                detail={"paused_working_days": paused},
            )
            self._route(uow, case, spec, user)
            return self._finish(uow, case, "receipt", user, "case_resumed")

    def reject_at_intake(
        self,
        data: IntakeInput,
        user: SignedInUser,
        *,
        reason: str,
        legal_basis: str = "",
    ) -> IntakeResult:
        """不予受理 at the window: a case opened and refused at once, with a numbered notice."""
        reason, legal_basis = check_reason(reason, legal_basis)
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            matter, spec = find_matter(uow, data.matter_code)
            today = business_date(now)
            form, _ = check_form(spec, data.form_data, today, partial=True)
            materials = check_materials(spec, data.materials, today)
            validate_agent(data, today)
            case = self._open_case(uow, data, user, now, form, materials, matter, spec)
            return self._reject(uow, case, spec, user, now, reason, legal_basis)

    def reject_case(
        self, case_id: uuid.UUID, user: SignedInUser, *, reason: str, legal_basis: str = ""
    ) -> IntakeResult:
        """不予受理 of a case waiting for supplement (the materials never came) or just received."""
        reason, legal_basis = check_reason(reason, legal_basis)
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            spec = find_matter(uow, case.matter_code, case.catalogue_version)[1]
            return self._reject(uow, case, spec, user, now, reason, legal_basis)

    def _reject(
        self,
        uow: UnitOfWork,
        case: Case,
        spec: MatterSpec,
        user: SignedInUser,
        now: datetime,
        reason: str,
        legal_basis: str,
    ) -> IntakeResult:
        basis = legal_basis or "；".join(spec.legal_basis)
        centre = uow.session.get_one(Centre, case.centre_id)
        # The transition is checked before the number is drawn; the number is in the event as it
        # is queued for the hub (a restored centre continues its refusal numbers from there).
        apply(CaseStatus[case.status] if case.status else None, CaseEventType.REJECT_AT_INTAKE)
        prefix = load_settings(uow.session, centre.id).rejection_prefix
        number = rejection_number(uow, centre.code, business_date(now).year, prefix)
        append_event(
            uow,
            case,
            CaseEventType.REJECT_AT_INTAKE,
            user,
            now,
            counter_id=case.counter_id,
            note=reason,
            detail={"document_number": number, "legal_basis": basis[:300]},
        )
        case.decision_note = reason
        return self._finish(
            uow,
            case,
            "rejection",
            user,
            "case_rejected_at_intake",
            document_number=number,
            reason=reason,
            legal_basis=basis,
        )


__all__ = ["IntakeService"]
