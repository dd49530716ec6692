"""Department work at the hub: cases routed to a department, acceptance and decisions (sent to the centre)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from app.domain.case_states import CaseEventType, CaseStatus, apply, parse_status
from app.domain.errors import IllegalTransition
from app.domain.masking import mask_id_number, mask_phone
from app.hub.admin import HubError
from app.hub.changes import append_changes
from app.hub.models import HubCaseState, HubCentre, HubRecord, HubStaff

DECISIONS = {
    "approved": CaseEventType.APPROVE,
    "approved_deferred": CaseEventType.APPROVE_DEFERRED,
    "denied": CaseEventType.DENY,
}
OPEN_FOR_DEPARTMENT = (CaseStatus.ROUTED.name, CaseStatus.ACCEPTED_BY_DEPARTMENT.name)


def list_cases(s: Session, department: str, *, include_done: bool = False) -> list[dict[str, Any]]:
    q = (
        select(HubCaseState, HubCentre.name)
        .join(HubCentre, HubCentre.id == HubCaseState.centre_id)
        .where(HubCaseState.department == department)
    )
    if not include_done:
        q = q.where(HubCaseState.status.in_(OPEN_FOR_DEPARTMENT))
    rows = s.execute(q.order_by(HubCaseState.updated_at).limit(1000)).all()
    ids = [st.case_id for st, _ in rows]
    data: dict[uuid.UUID, dict[str, Any]] = (
        dict(
            s.execute(
                select(HubRecord.entity_id, HubRecord.data).where(
                    HubRecord.entity.in_(("case", "case_file")), HubRecord.entity_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    names = matter_names(s, {st.matter_code for st, _ in rows})
    return [_view(st, centre_name, data.get(st.case_id, {}), names) for st, centre_name in rows]


# The matters of the latest publication, only those asked for, extracted by the database: one query
# however many rows a page has, and only codes and names leave the database, not the whole catalogue.
# Only district records (no centre) count: a centre can push rows of any entity name, its own ones.
_LATEST = (
    "SELECT data FROM hub_record WHERE entity = 'catalogue' AND centre_id IS NULL "
    "ORDER BY updated_at DESC LIMIT 1"
)
_NAMES_SQL = {
    "postgresql": text(
        f"SELECT m->>'code', m->>'name' FROM ({_LATEST}) AS c, json_array_elements("
        "CASE WHEN json_typeof(c.data->'matters') = 'array' THEN c.data->'matters' END) AS m "
        "WHERE m->>'code' IN :codes"
    ),
    "sqlite": text(
        f"SELECT json_extract(m.value, '$.code'), json_extract(m.value, '$.name') FROM ({_LATEST}) AS c, "
        "json_each(c.data, '$.matters') AS m WHERE json_type(c.data, '$.matters') = 'array' "
        "AND m.type = 'object' AND json_extract(m.value, '$.code') IN :codes"
    ),
}


def matter_names(s: Session, codes: Collection[str]) -> dict[str, str]:
    """Chinese names by matter code from the latest published catalogue (publish_catalogue), in one
    query. A code the catalogue does not (or no longer) name is left out: callers show the code."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    sql = _NAMES_SQL.get(s.get_bind().dialect.name)
    if sql is not None:
        rows = s.execute(sql.bindparams(bindparam("codes", expanding=True)), {"codes": codes}).all()
        return {code: name for code, name in rows if isinstance(name, str) and name}
    data = (
        s.scalars(
            select(HubRecord.data)
            .where(HubRecord.entity == "catalogue", HubRecord.centre_id.is_(None))
            .order_by(HubRecord.updated_at.desc())
            .limit(1)
        ).first()
        or {}
    )
    matters = data.get("matters")
    wanted = set(codes)
    return {
        m["code"]: m["name"]
        for m in (matters if isinstance(matters, list) else ())
        if isinstance(m, dict)
        and m.get("code") in wanted
        and isinstance(m.get("name"), str)
        and m["name"]
    }


_MATTER_SQL = {
    "postgresql": text(
        f"SELECT m FROM ({_LATEST}) AS c, json_array_elements("
        "CASE WHEN json_typeof(c.data->'matters') = 'array' THEN c.data->'matters' END) AS m "
        "WHERE m->>'code' = :code LIMIT 1"
    ),
    "sqlite": text(
        f"SELECT m.value FROM ({_LATEST}) AS c, json_each(c.data, '$.matters') AS m "
        "WHERE json_type(c.data, '$.matters') = 'array' AND m.type = 'object' "
        "AND json_extract(m.value, '$.code') = :code LIMIT 1"
    ),
}


def form_labels(s: Session, code: str) -> dict[str, str]:
    """The matter's application-form labels by field key, in the form's order, from the latest
    published catalogue (empty when the matter or its form is unknown)."""
    sql = _MATTER_SQL.get(s.get_bind().dialect.name)
    if sql is None or not code:
        return {}
    found = s.execute(sql, {"code": code}).scalar()
    matter = json.loads(found) if isinstance(found, str) else found
    fields = matter.get("form_fields") if isinstance(matter, dict) else None
    return {
        f["key"]: str(f.get("label") or f["key"])
        for f in (fields if isinstance(fields, list) else ())
        if isinstance(f, dict) and isinstance(f.get("key"), str)
    }


def _applicant(s: Session, case: dict[str, Any]) -> dict[str, str]:
    """Who applied, as the department needs it to review: name, ID number masked, phone masked."""
    try:
        rid = uuid.UUID(str(case.get("resident_id")))
    except ValueError:
        return {}
    rec = s.get(HubRecord, (rid, "resident"))
    data = rec.data if rec is not None and isinstance(rec.data, dict) else {}
    return (
        {
            "name": str(data.get("name") or ""),
            "id_number": mask_id_number(data.get("id_number") or ""),
            "phone": mask_phone(data.get("phone") or ""),
        }
        if data
        else {}
    )


def _view(
    st: HubCaseState, centre_name: str, case: dict[str, Any], names: dict[str, str]
) -> dict[str, Any]:
    status = parse_status(st.status) if st.status else None
    return {
        "case_id": str(st.case_id),
        "case_number": st.case_number,
        "matter_code": st.matter_code,
        "matter_name": names.get(st.matter_code, ""),
        "centre": centre_name,
        "status": st.status,
        "status_label": status.label if status else "",
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


def case_view(s: Session, staff: HubStaff, case_id: uuid.UUID) -> dict[str, Any]:
    st = get_case(s, staff, case_id)
    centre = s.get_one(HubCentre, st.centre_id)
    rec = s.get(HubRecord, (case_id, "case_file")) or s.get(HubRecord, (case_id, "case"))
    case = rec.data if rec else {}
    view = _view(st, centre.name, case, matter_names(s, [st.matter_code]))
    labels = form_labels(s, st.matter_code)
    data = view["form_data"] if isinstance(view["form_data"], dict) else {}
    ordered = [k for k in labels if k in data] + [k for k in data if k not in labels]
    view["form_fields"] = [
        (labels.get(k, k), data[k]) for k in ordered
    ]  # the form's order and labels
    view["applicant"] = _applicant(s, case)
    return view


def record_event(
    s: Session,
    staff: HubStaff,
    case_id: uuid.UUID,
    event: CaseEventType,
    note: str,
    detail: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """One department event on a case, legal given the merged history, queued for the centre."""
    st = get_case(s, staff, case_id, lock=True)
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
    st.status, st.last_seq, st.last_event_id, st.updated_at = (
        new.name,
        st.last_seq + 1,
        event_id,
        now,
    )
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
    s: Session, staff: HubStaff, case_id: uuid.UUID, now: datetime, note: str = ""
) -> dict[str, Any]:
    return record_event(s, staff, case_id, CaseEventType.DEPARTMENT_ACCEPT, note, {}, now)


def decide(
    s: Session,
    staff: HubStaff,
    case_id: uuid.UUID,
    decision: str,
    reason: str,
    deferred_materials: list[str],
    now: datetime,
) -> dict[str, Any]:
    if decision not in DECISIONS:
        raise HubError(
            422, "决定须为：approved（批准）、approved_deferred（容缺批准）或 denied（不予批准）"
        )
    reason = reason.strip()
    if decision == "denied" and not reason:
        raise HubError(422, "不予批准须填写理由")
    if decision == "approved_deferred" and not deferred_materials:
        raise HubError(422, "容缺批准须列明容缺的材料")
    detail = {"decision": decision, "reason": reason, "deferred_materials": deferred_materials}
    return record_event(s, staff, case_id, DECISIONS[decision], reason, detail, now)
