"""Resident use cases: look up by ID number, register or update a resident, and the masked view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.db.models import Resident
from app.db.protected import equals
from app.db.types import new_id, utcnow
from app.documents.printable import check_printable
from app.domain.errors import ValidationError
from app.domain.identity import IdNumber, parse_id_number
from app.domain.masking import mask_id_number, mask_name, mask_phone
from app.domain.phone import parse_phone
from app.services.case_numbers import sync_row
from app.services.context import ServiceContext
from app.services.dto import ResidentView, SignedInUser

NAME_MAX = 50
ADDRESS_MAX = 200


@dataclass(frozen=True)
class ResidentInput:
    """A resident as the clerk typed them in."""

    id_number: str
    name: str
    phone: str = ""
    address: str = ""
    community: str = ""
    grid: str = ""


def resident_view(r: Resident) -> ResidentView:
    return ResidentView(
        id=r.id,
        id_kind=r.id_kind,
        id_number=r.id_number,
        id_number_masked=mask_id_number(r.id_number),
        name=r.name,
        name_masked=mask_name(r.name),
        sex=r.sex,
        birth_date=r.birth_date,
        phone=r.phone,
        phone_masked=mask_phone(r.phone) if r.phone else "",
        address=r.address,
        community=r.community,
        grid=r.grid,
    )


def _check_text(value: str, field: str, label: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    check_printable(value, label, field)
    if required and not value:
        raise ValidationError("FIELD_REQUIRED", f"请填写{label}", field)
    if len(value) > limit:
        raise ValidationError(
            "FIELD_TOO_LONG", f"{label}不能超过 {limit} 个字（现为 {len(value)} 个）", field
        )
    return value


class ResidentService:
    """Residents: check an ID number, look one up, register one."""

    @staticmethod
    def printable_problem(text: str, label: str) -> str:
        """As typed: the message naming a character the papers cannot print, or ""."""
        try:
            check_printable(text, label, "text", multiline=True)
        except ValidationError as exc:
            return exc.message
        return ""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def _today(self) -> date:
        from app.clock import business_date

        return business_date(self.ctx.clock())

    def check_id(self, text: str) -> IdNumber:
        """Validate an ID number as typed (raises ValidationError with a Chinese message)."""
        return parse_id_number(text, today=self._today())

    def lookup(self, id_number: str, user: SignedInUser | None = None) -> ResidentView | None:
        parsed = self.check_id(id_number)
        with self.ctx.uow() as uow:
            row = uow.session.scalars(
                select(Resident).where(
                    equals(
                        uow.session,
                        Resident.id_number,
                        Resident.id_number_bidx,
                        "id",
                        parsed.number,
                    )
                )
            ).one_or_none()
            if row is None:
                return None
            uow.audit(
                "resident_viewed",
                user_id=user.id if user else None,
                centre_id=user.centre_id if user else None,
                subject_type="resident",
                subject_id=row.id,
            )
            return resident_view(row)

    def register(self, data: ResidentInput, user: SignedInUser | None = None) -> ResidentView:
        """Create the resident, or update name/phone/address of the one with this ID number."""
        parsed = self.check_id(data.id_number)
        name = _check_text(data.name, "name", "姓名", NAME_MAX, required=True)
        phone = parse_phone(data.phone).number if data.phone.strip() else ""
        address = _check_text(data.address, "address", "住址", ADDRESS_MAX)
        community = _check_text(data.community, "community", "社区", 50)
        grid = _check_text(data.grid, "grid", "网格", 50)
        with self.ctx.uow() as uow:
            s = uow.session
            row = s.scalars(
                select(Resident).where(
                    equals(s, Resident.id_number, Resident.id_number_bidx, "id", parsed.number)
                )
            ).one_or_none()
            created = row is None
            if row is None:
                row = Resident(id=new_id(), id_number=parsed.number, created_at=utcnow())
                s.add(row)
            row.id_kind = parsed.kind.name
            row.name = name
            row.sex = parsed.sex or ""
            row.birth_date = parsed.birth_date
            row.phone = phone
            row.address = address
            row.community = community
            row.grid = grid
            row.updated_at = utcnow()
            s.flush()
            uow.audit(
                "resident_created" if created else "resident_updated",
                user_id=user.id if user else None,
                centre_id=user.centre_id if user else None,
                subject_type="resident",
                subject_id=row.id,
            )
            sync_row(uow, "resident", row)
            return resident_view(row)
