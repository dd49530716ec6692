"""Intake building blocks: form and material checks, agents, and the data printed documents need."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app.clock import business_date
from app.db.models import (
    Agent,
    Case,
    CaseMaterial,
    Centre,
    Matter,
    Resident,
)
from app.db.protected import equals
from app.db.types import new_id
from app.documents.printable import check_printable
from app.domain.case_states import FINAL_STATUSES, CaseStatus
from app.domain.catalogue import FieldKind, FormFieldSpec, MatterSpec
from app.domain.errors import ValidationError
from app.domain.identity import parse_id_number
from app.domain.masking import mask_id_number
from app.domain.phone import parse_phone
from app.services.case_numbers import (
    counter_of,
    sync_row,
)
from app.services.catalogue import matter_from_dict
from app.services.centre import centre_info
from app.services.counter_dto import (
    DUPLICATE_CASE,
    MATERIAL_STATE_LABELS,
    FieldProblem,
    IntakeInput,
    IntakeResult,
    MaterialInput,
    MaterialLine,
)
from app.services.dto import SignedInUser
from app.services.uow import UnitOfWork

MATERIAL_STATES = frozenset(MATERIAL_STATE_LABELS)
_BANK = re.compile(r"\d{8,30}")


def check_range(
    f: FormFieldSpec, value: Decimal, bad: Callable[[str, str], ValidationError]
) -> None:
    """The catalogue's range of a number field (共同生活家庭人口 ≥ 1 …)."""
    if f.minimum is not None and value < f.minimum:
        raise bad("FIELD_RANGE", f"不能小于 {f.minimum}")
    if f.maximum is not None and value > f.maximum:
        raise bad("FIELD_RANGE", f"不能大于 {f.maximum}")


def _check_field(f: FormFieldSpec, raw: Any, today: date) -> Any:
    """One form value checked and normalised (ValidationError names the field in Chinese)."""

    def bad(code: str, msg: str) -> ValidationError:
        return ValidationError(code, f"“{f.label}”{msg}", f.key)

    if f.kind is FieldKind.BOOL:
        if isinstance(raw, bool):
            return raw
        if str(raw).strip() in ("是", "true", "1", "否", "false", "0"):
            return str(raw).strip() in ("是", "true", "1")
        raise bad("FIELD_BOOL", "应为“是”或“否”")
    text = str(raw).strip()
    check_printable(text, f.label, f.key, multiline=f.kind is FieldKind.TEXTAREA)
    if len(text) > f.max_length:
        raise bad("FIELD_TOO_LONG", f"不能超过 {f.max_length} 个字（现为 {len(text)} 个）")
    if f.kind is FieldKind.INTEGER:
        if not re.fullmatch(r"\d{1,9}", text):
            raise bad("FIELD_INTEGER", f"应为不小于 {f.minimum or 0} 的整数")
        check_range(f, Decimal(text), bad)
        return int(text)
    if f.kind is FieldKind.MONEY:
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise bad("FIELD_MONEY", "应为金额，如 1234.50") from None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise bad("FIELD_MONEY", f"应为不小于 {f.minimum or 0}、最多两位小数的金额")
        check_range(f, amount, bad)
        return f"{amount:.2f}"
    if f.kind is FieldKind.DATE:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise bad("FIELD_DATE", "应为日期，格式如 2026-11-23") from None
        if f.not_future and day > today:
            raise bad("FIELD_DATE_FUTURE", f"不能晚于今天（{today.isoformat()}）")
        return day.isoformat()
    if f.kind is FieldKind.CHOICE:
        if text not in f.choices:
            raise bad("FIELD_CHOICE", "只能选择：" + "、".join(f.choices))
        return text
    if f.kind is FieldKind.PHONE:
        try:
            return parse_phone(text).number
        except ValidationError as exc:
            raise bad(exc.code, f"有误：{exc.message}") from None
    if f.kind is FieldKind.ID_NUMBER:
        try:
            return parse_id_number(text, today=today).number
        except ValidationError as exc:
            raise bad(exc.code, f"有误：{exc.message}") from None
    if f.kind is FieldKind.BANK_ACCOUNT and not _BANK.fullmatch(text.replace(" ", "")):
        raise bad("FIELD_BANK_ACCOUNT", "应为 8 至 30 位数字")
    return text.replace(" ", "") if f.kind is FieldKind.BANK_ACCOUNT else text


def check_form(
    spec: MatterSpec, data: dict[str, Any], today: date, *, partial: bool = False
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Validate form data against the matter's fields: (normalised data, every problem found)."""
    fields = {f.key: f for f in spec.form_fields}
    out: dict[str, Any] = {}
    problems = [
        FieldProblem(k, k, "FIELD_UNKNOWN", f"表单没有“{k}”这一项") for k in data if k not in fields
    ]
    for f in spec.form_fields:
        raw = data.get(f.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if f.required and not partial:
                problems.append(
                    FieldProblem(f.key, f.label, "FIELD_REQUIRED", f"请填写“{f.label}”")
                )
            continue
        try:
            out[f.key] = _check_field(f, raw, today)
        except ValidationError as exc:
            problems.append(FieldProblem(f.key, f.label, exc.code, exc.message))
    return out, problems


def missing_fields(spec: MatterSpec, form: dict[str, Any]) -> list[FormFieldSpec]:
    """Required fields of the matter's form left empty (what a 一次性告知 asks to complete)."""
    return [f for f in spec.form_fields if f.required and f.key not in form]


def refuse_unconfirmed_duplicate(
    uow: UnitOfWork, resident_id: uuid.UUID, spec: MatterSpec, today: date
) -> None:
    """An open case of the same resident and matter, or one received today, needs a confirmation."""
    rows = uow.session.execute(
        select(Case.case_number, Case.status, Case.received_at).where(
            Case.resident_id == resident_id, Case.matter_code == spec.code
        )
    )
    for number, status, received in rows:
        state = CaseStatus[status]
        if state not in FINAL_STATUSES or business_date(received) == today:
            raise ValidationError(
                DUPLICATE_CASE,
                f"该申请人已有“{spec.name}”的办件 {number}（{state.label}，"
                f"{business_date(received).isoformat()} 受理），确需再次办理请确认",
                "confirm_duplicate",
            )


def raise_first(problems: list[FieldProblem]) -> None:
    if problems:
        p = problems[0]
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        raise ValidationError(p.code, p.message + more, p.key)


def find_matter(
    uow: UnitOfWork, code: str, version: str | None = None
) -> tuple[Matter, MatterSpec]:
    stmt = select(Matter).where(Matter.code == code)
    stmt = stmt.where(Matter.version == version) if version else stmt.where(Matter.current)
    row = uow.session.scalars(stmt).one_or_none()
    if row is None:
        raise ValidationError("MATTER_UNKNOWN", f"事项目录中没有 {code}", "matter_code")
    return row, matter_from_dict(row.spec)


def check_materials(
    spec: MatterSpec, given: tuple[MaterialInput, ...], today: date
) -> list[MaterialInput]:
    by_code = {m.code: m for m in given}
    unknown = set(by_code) - {m.code for m in spec.materials}
    if unknown:
        raise ValidationError("MATERIAL_UNKNOWN", f"该事项没有材料 {sorted(unknown)[0]}")
    out = []
    for m in spec.materials:
        g = by_code.get(m.code, MaterialInput(m.code, "missing"))
        check_printable(g.note, f"{m.name}的说明", m.code)
        if g.state not in MATERIAL_STATES:
            raise ValidationError("MATERIAL_STATE", f"材料“{m.name}”的状态无效", m.code)
        if g.state == "deferred":
            if not m.deferrable:
                raise ValidationError(
                    "MATERIAL_NOT_DEFERRABLE", f"材料“{m.name}”不适用容缺受理", m.code
                )
            if g.promised_by is None or g.promised_by < today:
                raise ValidationError(
                    "MATERIAL_PROMISE", f"请填写容缺材料“{m.name}”的承诺补交日期", m.code
                )
        out.append(g)
    return out


def lacking(spec: MatterSpec, materials: list[MaterialInput]) -> list[str]:
    """Names of materials that block acceptance: required and missing, or defective."""
    return [
        m.name
        for m, g in zip(spec.materials, materials, strict=True)
        if g.state == "defective" or (g.state == "missing" and m.required)
    ]


def upsert_agent(uow: UnitOfWork, data: IntakeInput, now: datetime) -> uuid.UUID:
    assert data.agent is not None
    a = data.agent
    parsed = parse_id_number(a.id_number, today=business_date(now))
    s = uow.session
    row = s.scalars(
        select(Agent).where(equals(s, Agent.id_number, Agent.id_number_bidx, "id", parsed.number))
    ).one_or_none()
    if row is None:
        row = Agent(id=new_id(), id_number=parsed.number, created_at=now)
        s.add(row)
    row.id_kind, row.name = parsed.kind.name, a.name.strip()
    row.phone = parse_phone(a.phone).number if a.phone.strip() else ""
    sync_row(uow, "agent", row)
    return row.id


def validate_agent(data: IntakeInput, today: date) -> None:
    if data.agent is None:
        return
    parse_id_number(data.agent.id_number, today=today)
    check_printable(data.agent.name.strip(), "代办人姓名", "agent.name")
    check_printable(data.agent.relationship.strip(), "代办人与申请人的关系", "agent.relationship")
    if not data.agent.name.strip() or len(data.agent.name.strip()) > 50:
        raise ValidationError("FIELD_REQUIRED", "请填写代办人姓名（50 字以内）", "agent.name")
    if not data.agent.relationship.strip() or len(data.agent.relationship) > 20:
        raise ValidationError("FIELD_REQUIRED", "请填写代办人与申请人的关系", "agent.relationship")
    if data.agent.phone.strip():
        parse_phone(data.agent.phone)


def intake_result(
    uow: UnitOfWork, case: Case, kind: str, user: SignedInUser, **extra: Any
) -> IntakeResult:
    """Everything the printed document of `kind` needs, from the stored case."""
    s = uow.session
    matter, spec = find_matter(uow, case.matter_code, case.catalogue_version)
    resident = s.get_one(Resident, case.resident_id)
    agent = s.get(Agent, case.agent_id) if case.agent_id else None
    centre = s.get_one(Centre, case.centre_id)
    counter_name = ""
    if case.counter_id is not None:
        counter_name = counter_of(s, case.counter_id, user).name
    where = {m.code: m for m in spec.materials}
    lines = tuple(
        MaterialLine(
            code=m.material_code,
            name=m.name,
            form=m.form,
            copies=m.copies,
            required=where[m.material_code].required if m.material_code in where else True,
            state=m.state,
            state_label=MATERIAL_STATE_LABELS[m.state],
            promised_by=m.promised_by,
            note=m.note,
            where_to_get=where[m.material_code].where_to_get if m.material_code in where else "",
        )
        for m in s.scalars(
            select(CaseMaterial)
            .where(CaseMaterial.case_id == case.id)
            .order_by(CaseMaterial.position)
        )
    )
    status = CaseStatus[case.status]
    return IntakeResult(
        kind=kind,
        case_id=case.id,
        case_number=case.case_number,
        verification_code=case.verification_code,
        status=status.name,
        status_label=status.label,
        centre=centre_info(centre),
        matter_code=matter.code,
        matter_name=matter.name,
        case_type=spec.case_type.value,
        deciding_body=spec.deciding_body,
        department=spec.department,
        co_departments=tuple(case.co_departments),
        catalogue_version=case.catalogue_version,
        promised_days=spec.promised_days,
        received_at=case.received_at,
        received_date=business_date(case.received_at),
        due_date=case.due_date,
        applicant_name=resident.name,
        applicant_id_masked=mask_id_number(resident.id_number),
        agent_name=agent.name if agent else "",
        agent_id_masked=mask_id_number(agent.id_number) if agent else "",
        agent_relationship=case.agent_relationship,
        clerk_name=user.display_name,
        window=counter_name,
        materials=lines,
        form_data=dict(case.form_data),
        paused_days=case.paused_days,
        **extra,
    )


def check_reason(reason: str, legal_basis: str) -> tuple[str, str]:
    reason, legal_basis = reason.strip(), legal_basis.strip()
    check_printable(reason, "不予受理理由", "reason", multiline=True)
    check_printable(legal_basis, "法律依据", "legal_basis")
    if not reason:
        raise ValidationError("FIELD_REQUIRED", "请填写不予受理的理由", "reason")
    if len(reason) > 500:
        raise ValidationError("FIELD_TOO_LONG", "不予受理理由不能超过 500 个字", "reason")
    if len(legal_basis) > 300:
        raise ValidationError("FIELD_TOO_LONG", "法律依据不能超过 300 个字", "legal_basis")
    return reason, legal_basis
