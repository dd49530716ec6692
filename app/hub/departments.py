"""Department work at the hub: cases routed to a department, acceptance and decisions (sent to the centre)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.case_states import CaseEventType, CaseStatus, apply, parse_status
from app.domain.errors import DomainError, IllegalTransition
from app.hub.admin import HubError
from app.hub.changes import append_changes
from app.hub.facts import add_routed
from app.hub.merge import note_event, routed_part
from app.hub.models import HubCaseState, HubCentre, HubRecord, HubStaff
from app.hub.published import matter_names

DECISIONS = {
    "approved": CaseEventType.APPROVE,
    "approved_deferred": CaseEventType.APPROVE_DEFERRED,
    "denied": CaseEventType.DENY,
}
OPEN_FOR_DEPARTMENT = (CaseStatus.ROUTED.name, CaseStatus.ACCEPTED_BY_DEPARTMENT.name)


# The statuses as a department reads them (the centre's words say where the case went, not what is
# asked of the department: its 已转办 is the department's 待受理).
_DEPARTMENT_LABELS = {
    CaseStatus.ROUTED: "待受理",
    CaseStatus.ACCEPTED_BY_DEPARTMENT: "审查中",
    CaseStatus.APPROVED: "已批准",
    CaseStatus.APPROVED_DEFERRED: "容缺批准（待补材料）",
    CaseStatus.DENIED: "不予批准",
    CaseStatus.READY_FOR_COLLECTION: "已决定，待申请人领取",
    CaseStatus.DELIVERED: "已办结",
    CaseStatus.SUPPLEMENT_REQUESTED: "待申请人补正",
    CaseStatus.RECEIVED: "已退回受理中心",
    CaseStatus.WITHDRAWN: "申请人已撤回",
    CaseStatus.REJECTED_AT_INTAKE: "不予受理",
    CaseStatus.COMPLETED_ON_SPOT: "即办办结",
}
RUNNING = OPEN_FOR_DEPARTMENT  # the deadline clock runs for the department in these


def department_label(status: str | None) -> str:
    try:
        return _DEPARTMENT_LABELS[parse_status(status)] if status else ""
    except DomainError:
        return str(status)


def list_cases(
    s: Session, department: str, *, include_done: bool = False, offset: int = 0, limit: int = 100
) -> tuple[list[dict[str, Any]], int]:
    """A page of the department's cases (oldest change first) and how many there are in all."""
    where = [HubCaseState.department == department]
    if not include_done:
        where.append(HubCaseState.status.in_(OPEN_FOR_DEPARTMENT))
    total = s.scalar(select(func.count()).select_from(HubCaseState).where(*where)) or 0
    rows = s.execute(
        select(HubCaseState, HubCentre.name)
        .join(HubCentre, HubCentre.id == HubCaseState.centre_id)
        .where(*where)
        .order_by(HubCaseState.updated_at, HubCaseState.case_id)
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [st.case_id for st, _ in rows]
    data: dict[uuid.UUID, dict[str, Any]] = (
        dict(
            s.execute(
                select(HubRecord.entity_id, HubRecord.data).where(
                    HubRecord.entity == "case_file", HubRecord.entity_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    names = matter_names(s, {st.matter_code for st, _ in rows})
    views = [view(st, centre_name, data.get(st.case_id, {}), names) for st, centre_name in rows]
    return views, total


def view(
    st: HubCaseState, centre_name: str, case: dict[str, Any], names: dict[str, str]
) -> dict[str, Any]:
    return {
        "case_id": str(st.case_id),
        "case_number": st.case_number,
        "matter_code": st.matter_code,
        "matter_name": names.get(st.matter_code, ""),
        "centre": centre_name,
        "status": st.status,
        "status_label": department_label(st.status),
        "received_at": case.get("received_at"),
        "due_date": case.get("due_date"),
        "form_data": case.get("form_data") or {},
    }


def get_case(
    s: Session, staff: HubStaff, case_id: uuid.UUID, *, lock: bool = False
) -> HubCaseState:
    q = select(HubCaseState).where(HubCaseState.case_id == case_id)
    st = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if st is None or st.department != staff.department:
        raise HubError(404, "没有找到转办到本部门的这个办件")
    return st


def record_event(
    s: Session,
    staff: HubStaff,
    case_id: uuid.UUID,
    event: CaseEventType,
    note: str,
    detail: dict[str, Any],
    now: datetime,
    expected_seq: int | None = None,
) -> dict[str, Any]:
    """One department event on a case, legal given the merged history, queued for the centre.
    With `expected_seq` (the history the clerk was shown) it is refused if the case moved since."""
    st = get_case(s, staff, case_id, lock=True)
    if expected_seq is not None and st.last_seq != expected_seq:
        raise HubError(
            409, "办件在您查看之后已有新的办理记录，本次操作未执行。请查看最新情况后重新操作"
        )
    try:
        new = apply(parse_status(st.status) if st.status else None, event)
    except IllegalTransition as exc:
        raise HubError(409, exc.message) from exc
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "case_id": str(case_id),
        "seq": st.last_seq + 1,
        "event_type": event.name,
        "status_after": new.name,
        "at": now.isoformat(),
        "actor_id": None,
        "actor_name": staff.display_name[:50],
        "origin": "department",
        "centre_id": None,
        "counter_id": None,
        "note": note[:500],
        "detail": {"department": staff.department, "staff": staff.username, **detail},
    }
    before = routed_part(st)
    st.status, st.last_seq, st.last_event_id, st.updated_at = (
        new.name,
        st.last_seq + 1,
        event_id,
        now,
    )
    note_event(st, event, payload)
    add_routed(s, [(before, routed_part(st))])
    s.add(
        HubRecord(
            entity="case_event",
            entity_id=event_id,
            centre_id=st.centre_id,
            data=payload,
            updated_at=now,
        )
    )
    s.flush()
    append_changes(
        s,
        [
            {
                "centre_id": st.centre_id,
                "entity": "case_event",
                "entity_id": event_id,
                "op": "event",
                "payload": payload,
                "origin_device_id": None,
                "op_id": None,
                "device_seq": None,
                "status": "applied",
                "recorded_at": now,
            }
        ],
    )
    return payload


def accept(
    s: Session,
    staff: HubStaff,
    case_id: uuid.UUID,
    now: datetime,
    note: str = "",
    *,
    expected_seq: int | None = None,
) -> dict[str, Any]:
    return record_event(
        s, staff, case_id, CaseEventType.DEPARTMENT_ACCEPT, note, {}, now, expected_seq
    )


OUTCOME_LABELS = {"approved": "批准", "approved_deferred": "容缺批准", "denied": "不予批准"}
# Words that say the opposite of the chosen outcome. A note that reads as a refusal under 批准 (or an
# approval under 不予批准) is what a slip of the radio button looks like; the clerk must fix one of them.
_REFUSING = ("不予批准", "不批准", "不同意", "不予通过", "不予救助", "不符合条件", "驳回", "拒绝")
_APPROVING = ("同意批准", "予以批准", "准予批准", "同意发放", "予以通过", "审核通过", "符合条件")


def check_decision(decision: str, reason: str, deferred: list[str]) -> str:
    """The reason, trimmed, if outcome, reason and 容缺 list agree; HubError (422) saying what to fix
    otherwise."""
    if not decision:
        raise HubError(422, "请选择决定结果：批准、容缺批准或不予批准")
    if decision not in DECISIONS:
        raise HubError(
            422, "决定须为：approved（批准）、approved_deferred（容缺批准）或 denied（不予批准）"
        )
    reason = reason.strip()
    chosen = OUTCOME_LABELS[decision]
    if decision == "denied":
        if not reason:
            raise HubError(422, "不予批准须填写理由")
        if deferred:
            raise HubError(422, "不予批准时不填写容缺材料：请清空容缺材料，或改选“容缺批准”")
        said = next((w for w in _APPROVING if w in reason and "不" + w not in reason), None)
    else:
        said = next((w for w in _REFUSING if w in reason), None)
        if decision == "approved_deferred" and not deferred:
            raise HubError(422, "容缺批准须列明容缺的材料")
        if decision == "approved" and deferred:
            raise HubError(422, "填写了容缺材料但选择的是“批准”：请改选“容缺批准”，或清空容缺材料")
    if said:
        raise HubError(
            422,
            f"理由/说明中写有“{said}”，与所选的“{chosen}”相反，决定未提交。请核对决定结果和说明",
        )
    return reason


def decide(
    s: Session,
    staff: HubStaff,
    case_id: uuid.UUID,
    decision: str,
    reason: str,
    deferred_materials: list[str],
    now: datetime,
    *,
    expected_seq: int | None = None,
) -> dict[str, Any]:
    reason = check_decision(decision, reason, deferred_materials)
    detail = {"decision": decision, "reason": reason, "deferred_materials": deferred_materials}
    return record_event(s, staff, case_id, DECISIONS[decision], reason, detail, now, expected_seq)
