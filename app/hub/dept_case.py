"""The department's case page: who applied (masked unless a full view is asked for, and audited), the
deadline, the form in the catalogue's order as words, materials, the timeline and the decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.case_states import CaseEventType, allowed_events, parse_event, parse_status
from app.domain.errors import DomainError
from app.domain.masking import mask_id_number, mask_phone
from app.hub import workdays
from app.hub.departments import (
    OUTCOME_LABELS,
    RUNNING,
    department_label,
    get_case,
    view,
)
from app.hub.merge import SUPERVISION_PREFIX
from app.hub.models import HubAudit, HubCaseState, HubCentre, HubChange, HubRecord, HubStaff
from app.hub.published import form_fields, matter_names

MATERIAL_STATES = {
    "received": ("已收取", ""),
    "missing": ("缺少", "overdue"),
    "deferred": ("容缺后补", "soon"),
    "defective": ("不符合要求", "overdue"),
}
_DECISION_EVENTS = {
    CaseEventType.APPROVE: "approved",
    CaseEventType.APPROVE_DEFERRED: "approved_deferred",
    CaseEventType.DENY: "denied",
}
_ORIGINS = {"department": "部门", "centre": "受理中心", "counter": "受理中心"}
_TRUE = {"true", "1", "yes", "y", "是", "有"}
_FALSE = {"false", "0", "no", "n", "否", "无", ""}


def mask_account(number: object) -> str:
    """A bank account with only its last 4 digits: 6222 0200 1234 5678 → ****5678."""
    digits = "".join(ch for ch in str(number or "") if ch.isalnum())
    return "****" + digits[-4:] if len(digits) > 4 else "****"


def as_words(value: Any, kind: str, reveal: bool) -> str:
    """A form value as a department reads it: 是/否 for yes-no fields, money with two decimals,
    a bank account masked unless revealed."""
    if value is None or value == "":
        return "（未填）"
    if kind == "bool" or isinstance(value, bool):
        text = str(value).strip().lower()
        if text in _TRUE:
            return "是"
        if text in _FALSE:
            return "否"
    if kind == "bank_account":
        return str(value) if reveal else mask_account(value)
    if kind == "money":
        try:
            return f"{Decimal(str(value)):.2f}"
        except InvalidOperation:
            return str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _resident(s: Session, case: dict[str, Any]) -> tuple[uuid.UUID | None, dict[str, Any]]:
    try:
        rid = uuid.UUID(str(case.get("resident_id")))
    except ValueError:
        return None, {}
    rec = s.get(HubRecord, (rid, "resident"))
    return rid, (rec.data if rec is not None and isinstance(rec.data, dict) else {})


def _materials(s: Session, st: HubCaseState) -> list[dict[str, Any]]:
    rows = s.scalars(
        select(HubRecord.data).where(
            HubRecord.centre_id == st.centre_id,
            HubRecord.entity == "case_material",
            HubRecord.data["case_id"].as_string() == str(st.case_id),
        )
    ).all()
    out = []
    for m in sorted((r for r in rows if isinstance(r, dict)), key=lambda r: r.get("position") or 0):
        state, css = MATERIAL_STATES.get(str(m.get("state")), (str(m.get("state") or ""), ""))
        note = str(m.get("note") or "")
        if m.get("state") == "deferred" and m.get("promised_by"):
            note = f"承诺 {m['promised_by']} 前补交" + (f"；{note}" if note else "")
        out.append(
            {
                "name": str(m.get("name") or m.get("material_code") or ""),
                "form": str(m.get("form") or ""),
                "copies": m.get("copies") or 1,
                "state": state,
                "css": css,
                "note": note,
            }
        )
    return out


def _events(s: Session, st: HubCaseState) -> list[dict[str, Any]]:
    """The case's applied events from the change log, in their order (its centre's rows only)."""
    rows = s.scalars(
        select(HubChange.payload)
        .where(
            HubChange.centre_id == st.centre_id,
            HubChange.entity == "case_event",
            HubChange.status == "applied",
            HubChange.event_case_id == st.case_id,
        )
        .order_by(HubChange.pos)
    ).all()
    events = [p for p in rows if isinstance(p, dict)]
    return sorted(events, key=lambda p: int(p.get("seq") or 0))


def _event_label(payload: dict[str, Any]) -> str:
    try:
        return parse_event(str(payload.get("event_type"))).label
    except DomainError:
        return str(payload.get("event_type") or "")


def _decision(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    for p in reversed(events):
        try:
            outcome = _DECISION_EVENTS.get(parse_event(str(p.get("event_type"))))
        except DomainError:
            continue
        if outcome:
            detail = p.get("detail") if isinstance(p.get("detail"), dict) else {}
            return {
                "label": OUTCOME_LABELS[outcome],
                "css": "denied" if outcome == "denied" else "approved",
                "reason": str(detail.get("reason") or p.get("note") or ""),
                "deferred": [str(x) for x in detail.get("deferred_materials") or []],
                "actor": str(p.get("actor_name") or ""),
                "at": workdays.local_time(p.get("at")),
            }
    return None


_REQUESTERS = {"counter": "受理窗口", "department": "部门"}


def supervision(events: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The case's 督办 marks (time, who, note) and 延期 grants (days, from and to which due date,
    why, on whose request, who approved), oldest first."""
    marks, extensions = [], []
    for p in events:
        kind = str(p.get("event_type") or "").upper()
        if kind == CaseEventType.SUPERVISE.name:
            marks.append(
                {
                    "at": workdays.local_time(p.get("at")),
                    "actor": str(p.get("actor_name") or ""),
                    "note": str(p.get("note") or "").removeprefix(SUPERVISION_PREFIX),
                }
            )
        elif kind == CaseEventType.EXTEND.name:
            raw = p.get("detail")
            d: dict[str, Any] = raw if isinstance(raw, dict) else {}
            extensions.append(
                {
                    "at": workdays.local_time(p.get("at")),
                    "days": d.get("working_days"),
                    "old_due": workdays.parse_date(d.get("old_due")),
                    "new_due": workdays.parse_date(d.get("new_due")),
                    "reason": str(d.get("reason") or p.get("note") or ""),
                    "requested_by": _REQUESTERS.get(str(d.get("requested_by")), ""),
                    "approved_by": str(d.get("approved_by") or p.get("actor_name") or ""),
                }
            )
    return marks, extensions


def case_view(
    s: Session, staff: HubStaff, case_id: uuid.UUID, now: datetime, *, reveal: bool = False
) -> dict[str, Any]:
    """Everything the department decides from. `reveal` shows the full ID number, phone and bank
    account and writes who saw them to hub_audit (the caller's transaction)."""
    st = get_case(s, staff, case_id)
    centre = s.get_one(HubCentre, st.centre_id)
    rec = s.get(HubRecord, (case_id, "case_file"))
    case = rec.data if rec is not None and isinstance(rec.data, dict) else {}
    out = view(st, centre.name, case, matter_names(s, [st.matter_code]))
    fields = form_fields(s, st.matter_code)
    raw = case.get("form_data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    ordered = [k for k in fields if k in data] + [k for k in data if k not in fields]
    kinds = {k: fields.get(k, (k, "text"))[1] for k in ordered}
    out["form_fields"] = [
        (fields.get(k, (k, ""))[0], as_words(data[k], kinds[k], reveal)) for k in ordered
    ]
    rid, person = _resident(s, case)
    out["applicant"] = (
        {
            "name": str(person.get("name") or ""),
            "id_number": str(person.get("id_number") or "")
            if reveal
            else mask_id_number(person.get("id_number") or ""),
            "phone": str(person.get("phone") or "")
            if reveal
            else mask_phone(person.get("phone") or ""),
        }
        if person
        else {}
    )
    out["maskable"] = bool(person) or "bank_account" in kinds.values()
    out["revealed"] = reveal and out["maskable"]
    if out["revealed"]:
        shown = ["id_number", "phone"] if person else []
        shown += [k for k in ordered if kinds[k] == "bank_account"]
        s.add(
            HubAudit(
                at=now,
                staff_id=staff.id,
                staff_username=staff.username,
                action="full_view",
                case_id=case_id,
                subject_id=rid,
                detail={"fields": shown, "department": staff.department},
            )
        )
    today = workdays.business_today(now)
    due = workdays.parse_date(case.get("due_date"))
    calendar = workdays.hub_calendar(s)
    out["received"] = workdays.local_date(case.get("received_at"))
    out["due_date"] = due
    out["deadline"] = workdays.deadline(calendar, today, due, st.status in RUNNING) if due else None
    out["materials"] = _materials(s, st)
    events = _events(s, st)
    out["timeline"] = [
        {
            "at": workdays.local_time(p.get("at")),
            "label": _event_label(p),
            "actor": " · ".join(
                x
                for x in (_ORIGINS.get(str(p.get("origin")), ""), str(p.get("actor_name") or ""))
                if x
            ),
            "note": str(p.get("note") or ""),
        }
        for p in events
    ]
    out["decision"] = _decision(events)
    out["supervision"], out["extensions"] = supervision(events)
    if st.due_date is not None:  # the extended due date, as the list reads it
        out["due_date"] = st.due_date
        out["deadline"] = workdays.deadline(calendar, today, st.due_date, st.status in RUNNING)
    try:
        allowed = allowed_events(parse_status(st.status)) if st.status else frozenset()
    except DomainError:
        allowed = frozenset()
    out["can_accept"] = CaseEventType.DEPARTMENT_ACCEPT in allowed
    out["can_decide"] = st.status in RUNNING and CaseEventType.DENY in allowed
    out["decided"] = out["decision"] is not None
    out["last_seq"] = st.last_seq
    out["status_label"] = department_label(st.status)
    return out
