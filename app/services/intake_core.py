"""The shared part of intake: input checks, opening and routing a case, the result the clerk sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.clock import business_date
from app.db.models import (
    Case,
    CaseMaterial,
    Centre,
    Matter,
    Resident,
    Ticket,
)
from app.db.types import new_id
from app.domain.case_states import CaseEventType
from app.domain.catalogue import CaseType, MatterSpec
from app.domain.deadlines import compute_due_date
from app.services.case_numbers import (
    append_event,
    case_number,
    counter_of,
    get_or_404,
    require_centre,
    sync_row,
    verification_code,
)
from app.services.context import ServiceContext
from app.services.counter_dto import (
    FieldProblem,
    IntakeInput,
    IntakeResult,
    MaterialInput,
)
from app.services.dto import SignedInUser
from app.services.intake_support import (
    check_form,
    check_materials,
    find_matter,
    intake_result,
    raise_first,
    refuse_unconfirmed_duplicate,
    upsert_agent,
    validate_agent,
)
from app.services.uow import UnitOfWork


class IntakeCore:
    """What every intake use case shares: checking the input, opening the case, routing it, the
    result. IntakeService (app/services/intake.py) adds the use cases."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- helpers ------------------------------------------------------------------------------

    def validate_form(self, matter_code: str, data: dict[str, Any]) -> list[FieldProblem]:
        """Every problem of the form as typed (for the screen); empty when it can be saved."""
        with self.ctx.uow(read_only=True) as uow:
            spec = find_matter(uow, matter_code)[1]
        return check_form(spec, data, business_date(self.ctx.clock()))[1]

    def _open_case(
        self,
        uow: UnitOfWork,
        data: IntakeInput,
        user: SignedInUser,
        now: datetime,
        form: dict[str, Any],
        materials: list[MaterialInput],
        matter: Matter,
        spec: MatterSpec,
    ) -> Case:
        s = uow.session
        counter = counter_of(s, data.counter_id, user)
        centre = s.get_one(Centre, counter.centre_id)
        resident = get_or_404(s, Resident, data.resident_id, "申请人")
        if data.ticket_id is not None:
            ticket = get_or_404(s, Ticket, data.ticket_id, "排队号")
            require_centre(user, ticket.centre_id)
            if ticket.resident_id is None:
                ticket.resident_id = resident.id
                sync_row(uow, "ticket", ticket)
        agent_id = None
        relationship = ""
        if data.agent is not None:
            agent_id, relationship = upsert_agent(uow, data, now), data.agent.relationship.strip()
        today = business_date(now)
        case = Case(
            id=new_id(),
            case_number=case_number(uow, centre.code, today),
            verification_code=verification_code(),
            centre_id=centre.id,
            matter_id=matter.id,
            matter_code=matter.code,
            catalogue_version=matter.version,
            resident_id=resident.id,
            agent_id=agent_id,
            agent_relationship=relationship,
            clerk_id=user.id,
            counter_id=counter.id,
            ticket_id=data.ticket_id,
            status="",
            received_at=now,
            due_date=compute_due_date(today, spec.promised_days, 0, self.ctx.calendar).value,
            paused_days=0,
            form_data=form,
            created_at=now,
            updated_at=now,
        )
        s.add(case)
        for i, (m, g) in enumerate(zip(spec.materials, materials, strict=True)):
            row = CaseMaterial(
                id=new_id(),
                case_id=case.id,
                position=i,
                material_code=m.code,
                name=m.name,
                form=m.form.value,
                copies=m.copies,
                state=g.state,
                promised_by=g.promised_by if g.state == "deferred" else None,
                note=g.note.strip()[:200],
            )
            s.add(row)
        s.flush()
        return case

    def _route(self, uow: UnitOfWork, case: Case, spec: MatterSpec, user: SignedInUser) -> None:
        if not spec.case_type.is_routed:
            return
        co = list(spec.co_departments) if spec.case_type is CaseType.JOINT else []
        case.routed_department, case.co_departments = spec.department, co
        append_event(
            uow,
            case,
            CaseEventType.ROUTE,
            user,
            case.updated_at,
            counter_id=case.counter_id,
            note=f"转办至{spec.department}" + (f"（联办：{'、'.join(co)}）" if co else ""),
            detail={"department": spec.department, "co_departments": co},
        )

    def _finish(
        self, uow: UnitOfWork, case: Case, kind: str, user: SignedInUser, action: str, **extra: Any
    ) -> IntakeResult:
        sync_row(uow, "case_file", case)
        s = uow.session
        for m in s.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id)):
            sync_row(uow, "case_material", m)
        uow.audit(
            action,
            user_id=user.id,
            centre_id=case.centre_id,
            subject_type="case",
            subject_id=case.id,
            matter_code=case.matter_code,
        )
        return intake_result(uow, case, kind, user, **extra)

    def _prepare(
        self, uow: UnitOfWork, data: IntakeInput, *, partial: bool = False
    ) -> tuple[Matter, MatterSpec, dict[str, Any], list[MaterialInput]]:
        today = business_date(self.ctx.clock())
        matter, spec = find_matter(uow, data.matter_code)
        form, problems = check_form(spec, data.form_data, today, partial=partial)
        raise_first(problems)
        materials = check_materials(spec, data.materials, today)
        validate_agent(data, today)
        if not data.confirm_duplicate:
            refuse_unconfirmed_duplicate(uow, data.resident_id, spec, today)
        return matter, spec, form, materials
