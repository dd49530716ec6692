"""Organisation and catalogue tables: centres, windows, users, service groups, matters, calendar."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedMixin, IdMixin
from app.db.protected import ProtectedText
from app.db.types import utcnow


class Centre(IdMixin, CreatedMixin, Base):
    """The service centre this database belongs to (code, name, district, address, phones)."""

    __tablename__ = "centre"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    enquiry_phone: Mapped[str] = mapped_column(String(30), default="")
    supervision_phone: Mapped[str] = mapped_column(String(30), default="")
    # 差评整改: working days from a bad rating to its follow-up's deadline (local rules: 5 to 15).
    follow_up_working_days: Mapped[int] = mapped_column(default=10, server_default="10")
    # Live hall: a waiting ticket is flagged at risk of a long wait after this many minutes.
    long_wait_minutes: Mapped[int] = mapped_column(default=20, server_default="20")


class Counter(IdMixin, CreatedMixin, Base):
    """A service window (窗口) of a centre; a 全科 window serves every group."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("centre_id", "number"),)

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    all_groups: Mapped[bool] = mapped_column(default=False)
    service_groups: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)


class User(IdMixin, CreatedMixin, Base):
    """A local account: clerk, supervisor or administrator of one centre."""

    __tablename__ = "app_user"

    centre_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("centre.id"), index=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    # One role per account (app/services/permissions.py): clerk, supervisor, system_admin,
    # audit_admin, security_admin - so no account can hold two administrator roles.
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Sign-in protection, kept in the centre's database so it holds offline too.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Level 3's second factor (TOTP): the secret (encrypted at level 3), when the account confirmed
    # it with a first code (None: enrolment pending), and the last step used (no replay).
    totp_secret: Mapped[str | None] = mapped_column(ProtectedText("app_user.totp_secret"))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]


class ServiceGroup(IdMixin, Base):
    """A queue of the centre (prefix A, B...) and the departments whose matters it takes."""

    __tablename__ = "service_group"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    prefix: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(50))
    departments: Mapped[list[Any]] = mapped_column(default=list)


class CataloguePublicationRow(IdMixin, Base):
    """One imported catalogue publication; `current` marks the one in use."""

    __tablename__ = "catalogue_publication"

    version: Mapped[str] = mapped_column(String(30), unique=True)
    published_on: Mapped[date]
    publisher: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    current: Mapped[bool] = mapped_column(default=False)


class Matter(IdMixin, Base):
    """One matter as published in one catalogue version; cases point at the version they were taken under."""

    __tablename__ = "matter"
    __table_args__ = (UniqueConstraint("code", "version"),)

    code: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[str] = mapped_column(String(30))
    current: Mapped[bool] = mapped_column(default=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(50), default="")
    case_type: Mapped[str] = mapped_column(String(10))
    legal_days: Mapped[int | None]
    promised_days: Mapped[int]
    service_group: Mapped[str] = mapped_column(String(20))
    deciding_body: Mapped[str] = mapped_column(String(300))
    fee: Mapped[str] = mapped_column(String(100), default="")
    search_text: Mapped[str] = mapped_column(String(500), default="")
    # The name's segments with their pinyin, computed at import (app.domain.pinyin_search.name_keys)
    name_keys: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)

    materials: Mapped[list[MatterMaterial]] = relationship(
        order_by="MatterMaterial.position", cascade="all, delete-orphan"
    )
    form_fields: Mapped[list[MatterFormField]] = relationship(
        order_by="MatterFormField.position", cascade="all, delete-orphan"
    )


class MatterMaterial(IdMixin, Base):
    """One material a matter needs, in the catalogue's order."""

    __tablename__ = "matter_material"

    matter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matter.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(20))
    copies: Mapped[int] = mapped_column(default=1)
    required: Mapped[bool] = mapped_column(default=True)
    deferrable: Mapped[bool] = mapped_column(default=False)
    where_to_get: Mapped[str] = mapped_column(String(300), default="")


class MatterFormField(IdMixin, Base):
    """One field of a matter's application form, in the catalogue's order."""

    __tablename__ = "matter_form_field"

    matter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matter.id"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(default=False)
    max_length: Mapped[int] = mapped_column(default=100)
    choices: Mapped[list[Any]] = mapped_column(default=list)


class CalendarDay(IdMixin, Base):
    """A day that differs from Monday–Friday: a statutory holiday or a make-up workday (调休)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(unique=True)
    working: Mapped[bool]
    name: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(String(100), default="")


class SequenceCounter(IdMixin, Base):
    """A named counter (ticket numbers per group and day, case numbers, document numbers, outbox)."""

    __tablename__ = "sequence_counter"

    scope: Mapped[str] = mapped_column(String(120), unique=True)
    value: Mapped[int] = mapped_column(default=0)


class CentreSettings(Base):
    """Centre-wide rules printed on papers and used by the queue, one row per centre: set by an
    administrator or published by the district (`source` says which; the district's copy wins)."""

    __tablename__ = "centre_settings"

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), primary_key=True)
    max_recalls: Mapped[int] = mapped_column(default=2)
    office_hours: Mapped[str] = mapped_column(String(100), default="")
    review_body: Mapped[str] = mapped_column(String(100), default="")  # 行政复议机关
    court: Mapped[str] = mapped_column(String(100), default="")  # 行政诉讼的管辖法院
    rejection_prefix: Mapped[str] = mapped_column(String(30), default="")  # 秣便不受字
    supplement_prefix: Mapped[str] = mapped_column(String(30), default="")  # 秣便补字
    time_zone: Mapped[str] = mapped_column(String(50), default="Asia/Shanghai")
    source: Mapped[str] = mapped_column(String(20), default="centre")  # centre / district
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(50), default="")
