"""What each paper of a case says, composed from the stored case, its events, its matter and the
centre's settings (the words themselves are in app.documents.wording)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.clock import business_date
from app.db.models import Case, CaseEvent
from app.documents.model import (
    AgentInfo,
    CompletionNoticeData,
    DeferredItem,
    ExtensionNoticeData,
    MissingMaterial,
    ReceiptData,
    ReceivedMaterial,
    RejectionNoticeData,
    SupplementNoticeData,
    format_date_cn,
)
from app.documents.model import CentreInfo as PaperCentre
from app.documents.wording import (
    APPROVED,
    APPROVED_DETAIL,
    DENIED,
    EXTENSION_REQUESTERS,
    FORM_FIELD_MISSING,
    FORM_FIELD_REQUIREMENT,
    MASKING,
    ON_SPOT_COLLECT,
    ON_SPOT_DETAIL,
    SUPPLEMENT_MISSING,
    collect_time_ready,
    collected_on,
    extension_line,
)
from app.domain.case_states import CaseEventType, CaseStatus
from app.domain.catalogue import MatterSpec
from app.domain.errors import IllegalTransition, ValidationError
from app.domain.masking import mask_name
from app.services.centre_settings import CentreSettingsView, load_settings
from app.services.counter_dto import IntakeResult
from app.services.dto import SignedInUser
from app.services.intake_support import find_matter, intake_result
from app.services.uow import UnitOfWork


def paper_centre(st: CentreSettingsView) -> PaperCentre:
    return PaperCentre(
        name=st.centre_name,
        address=st.address,
        enquiry_phone=st.enquiry_phone,
        supervision_phone=st.supervision_phone,
        office_hours=st.office_hours,
    )


def _last_event(uow: UnitOfWork, case: Case, *types: CaseEventType) -> CaseEvent | None:
    return uow.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event_type.in_([t.name for t in types]))
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).first()


def _applicant(kind: str, r: IntakeResult) -> str:
    return r.applicant_name if MASKING[kind].full_name else mask_name(r.applicant_name)


def extension_lines(uow: UnitOfWork, case: Case) -> tuple[str, ...]:
    """Each 延期 granted on the case, oldest first, as the papers print it."""
    events = uow.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event_type == CaseEventType.EXTEND.name)
        .order_by(CaseEvent.seq)
    )
    lines = []
    for ev in events:
        d = dict(ev.detail or {})
        old_due, new_due = _date(d.get("old_due")), _date(d.get("new_due"))
        if old_due is None or new_due is None:
            continue
        lines.append(
            extension_line(
                format_date_cn(business_date(ev.at)),
                int(d.get("working_days") or 0),
                format_date_cn(old_due),
                format_date_cn(new_due),
            )
        )
    return tuple(lines)


def extension_data(
    uow: UnitOfWork, case: Case, user: SignedInUser, st: CentreSettingsView
) -> ExtensionNoticeData:
    """The 延期告知书 of the case's latest 延期."""
    ev = _last_event(uow, case, CaseEventType.EXTEND)
    d = dict(ev.detail or {}) if ev is not None else {}
    old_due, new_due = _date(d.get("old_due")), _date(d.get("new_due"))
    if ev is None or old_due is None or new_due is None:
        raise IllegalTransition("PAPER_NOT_FOR_CASE", "该办件没有批准过延期，没有延期告知书可打印")
    r = intake_result(uow, case, "extension", user)
    return ExtensionNoticeData(
        centre=paper_centre(st),
        case_number=r.case_number,
        verification_code=r.verification_code,
        applicant_name=_applicant("extension", r),
        applicant_id_masked=r.applicant_id_masked,
        matter_name=r.matter_name,
        matter_code=r.matter_code,
        received_date=r.received_date,
        granted_date=business_date(ev.at),
        working_days=int(d.get("working_days") or 0),
        old_due=old_due,
        new_due=new_due,
        reason=str(d.get("reason") or ev.note),
        requested_by=EXTENSION_REQUESTERS.get(str(d.get("requested_by")), "窗口"),
        approved_by=str(d.get("approved_by") or ev.actor_name),
        deciding_body=case.routed_department or r.deciding_body,
        clerk_name=r.clerk_name,
        window=r.window,
    )


def receipt_data(
    r: IntakeResult, st: CentreSettingsView, extensions: tuple[str, ...] = ()
) -> ReceiptData:
    received = tuple(
        ReceivedMaterial(m.name, m.form, m.copies) for m in r.materials if m.state == "received"
    )
    deferred = tuple(
        DeferredItem(m.name, m.promised_by, m.note)
        for m in r.materials
        if m.state == "deferred" and m.promised_by is not None
    )
    agent = (
        AgentInfo(r.agent_name, r.agent_id_masked, r.agent_relationship) if r.agent_name else None
    )
    return ReceiptData(
        centre=paper_centre(st),
        case_number=r.case_number,
        verification_code=r.verification_code,
        applicant_name=_applicant("receipt", r),
        applicant_id_masked=r.applicant_id_masked,
        matter_name=r.matter_name,
        matter_code=r.matter_code,
        materials=received,
        received_date=r.received_date,
        promised_completion_date=r.due_date if r.promised_days else None,
        promised_working_days=r.promised_days,
        clerk_name=r.clerk_name,
        window=r.window,
        agent=agent,
        deferred=deferred,
        case_type=r.case_type,
        deciding_body=r.deciding_body,
        extensions=extensions,
    )


def supplement_items(
    r: IntakeResult, detail: dict[str, Any], spec: MatterSpec
) -> tuple[MissingMaterial, ...]:
    """The lines of the 一次性告知书: every material missing or defective (and how), then every
    required form field left empty, as recorded with the request."""
    codes = detail.get("materials")
    listed = set(codes) if isinstance(codes, list) else None
    materials = tuple(
        MissingMaterial(
            m.name,
            m.state_label if m.state == "defective" else SUPPLEMENT_MISSING,
            f"{m.form}×{m.copies}" + (f"（{m.note}）" if m.note else ""),
            m.where_to_get,
        )
        for m in r.materials
        if (listed is None or m.code in listed)
        and (m.state == "defective" or (m.state == "missing" and m.required))
    )
    labels = {f.key: f.label for f in spec.form_fields}
    keys = detail.get("fields") if isinstance(detail.get("fields"), list) else []
    fields = tuple(
        MissingMaterial(f"申请表“{labels.get(k, k)}”", FORM_FIELD_MISSING, FORM_FIELD_REQUIREMENT)
        for k in keys or ()
    )
    return materials + fields


def supplement_basis(spec: MatterSpec) -> str:
    """The legal basis a 一次性告知书 cites: the matter's own, from the catalogue (the licensing law
    only where the catalogue names it — most social matters are not licences)."""
    return "；".join(spec.legal_basis)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def compose(uow: UnitOfWork, case: Case, kind: str, user: SignedInUser) -> tuple[Any, str]:
    """(document data, document number) of `kind` for the stored case."""
    st = load_settings(uow.session, case.centre_id)
    status = CaseStatus[case.status]
    if kind == "receipt":
        if status in (
            CaseStatus.SUPPLEMENT_REQUESTED,
            CaseStatus.REJECTED_AT_INTAKE,
            CaseStatus.COMPLETED_ON_SPOT,
        ):
            raise IllegalTransition(
                "PAPER_NOT_FOR_CASE", f"办件“{status.label}”，没有受理回执可打印"
            )
        r = intake_result(uow, case, kind, user)
        return receipt_data(r, st, extension_lines(uow, case)), ""
    if kind == "extension":
        return extension_data(uow, case, user, st), ""
    if kind == "supplement":
        ev = _last_event(uow, case, CaseEventType.REQUEST_SUPPLEMENT)
        if ev is None:
            raise IllegalTransition("PAPER_NOT_FOR_CASE", "该办件没有出具过一次性告知书")
        d = dict(ev.detail or {})
        r = intake_result(uow, case, kind, user)
        spec = find_matter(uow, case.matter_code, case.catalogue_version)[1]
        number = str(d.get("document_number") or "")
        return (
            SupplementNoticeData(
                centre=paper_centre(st),
                reference=r.case_number,
                applicant_name=_applicant(kind, r),
                applicant_id_masked=r.applicant_id_masked,
                matter_name=r.matter_name,
                matter_code=r.matter_code,
                application_date=r.received_date,
                issued_date=business_date(ev.at),
                items=supplement_items(r, d, spec),
                clerk_name=ev.actor_name or r.clerk_name,
                window=r.window,
                supplement_deadline=_date(d.get("deadline")),
                document_number=number,
                legal_basis=str(d.get("legal_basis") or "") or supplement_basis(spec),
            ),
            number,
        )
    if kind == "rejection":
        ev = _last_event(uow, case, CaseEventType.REJECT_AT_INTAKE)
        if ev is None:
            raise IllegalTransition("PAPER_NOT_FOR_CASE", "该办件没有不予受理决定")
        d = dict(ev.detail or {})
        r = intake_result(uow, case, kind, user)
        number = str(d.get("document_number") or "")
        return (
            RejectionNoticeData(
                centre=paper_centre(st),
                document_number=number,
                reference=r.case_number,
                applicant_name=_applicant(kind, r),
                applicant_id_masked=r.applicant_id_masked,
                matter_name=r.matter_name,
                matter_code=r.matter_code,
                application_date=r.received_date,
                issued_date=business_date(ev.at),
                reason=ev.note or case.decision_note,
                legal_basis=str(d.get("legal_basis") or "") or "—",
                clerk_name=ev.actor_name or r.clerk_name,
                window=r.window,
                review_body=st.review_body,
                court=st.court,
            ),
            number,
        )
    if kind == "completion":
        return _completion(uow, case, status, user, st), ""
    raise ValidationError("PRINT_KIND", "打印文书类型无效", "kind")


def _completion(
    uow: UnitOfWork,
    case: Case,
    status: CaseStatus,
    user: SignedInUser,
    st: CentreSettingsView,
) -> CompletionNoticeData:
    r = intake_result(uow, case, "completion", user)
    place = f"{st.centre_name} {r.window}".strip()
    common: dict[str, Any] = {
        "centre": paper_centre(st),
        "case_number": r.case_number,
        "verification_code": r.verification_code,
        "applicant_name": _applicant("completion", r),
        "applicant_id_masked": r.applicant_id_masked,
        "matter_name": r.matter_name,
        "matter_code": r.matter_code,
        "received_date": r.received_date,
        "clerk_name": r.clerk_name,
        "window": r.window,
    }
    if status is CaseStatus.COMPLETED_ON_SPOT:
        done = _last_event(uow, case, CaseEventType.COMPLETE_ON_SPOT)
        return CompletionNoticeData(
            **common,
            completed_date=business_date(done.at) if done else r.received_date,
            decision=APPROVED,
            decision_detail=ON_SPOT_DETAIL,
            deciding_body=r.deciding_body or st.centre_name,
            collect_place=place,
            collect_time=ON_SPOT_COLLECT,
        )
    if status not in (CaseStatus.READY_FOR_COLLECTION, CaseStatus.DELIVERED):
        raise IllegalTransition(
            "PAPER_NOT_FOR_CASE", f"办件“{status.label}”，尚未办结，不能打印办结通知书"
        )
    decided = _last_event(
        uow,
        case,
        CaseEventType.APPROVE,
        CaseEventType.APPROVE_DEFERRED,
        CaseEventType.DENY,
    )
    denied = decided is not None and decided.event_type == CaseEventType.DENY.name
    ready = _last_event(uow, case, CaseEventType.NOTIFY_READY)
    delivered = _last_event(uow, case, CaseEventType.DELIVER)
    day = business_date(decided.at if decided else (ready.at if ready else case.updated_at))
    if delivered is not None:
        collect = collected_on(format_date_cn(business_date(delivered.at)))
    else:
        ready_day = business_date(ready.at) if ready else day
        collect = collect_time_ready(format_date_cn(ready_day), st.office_hours)
    return CompletionNoticeData(
        **common,
        completed_date=day,
        decision=DENIED if denied else APPROVED,
        decision_detail=case.decision_note or ("—" if denied else APPROVED_DETAIL),
        deciding_body=case.routed_department or r.deciding_body or st.centre_name,
        collect_place=place,
        collect_time=collect,
    )
