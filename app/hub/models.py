"""The hub's own tables, on their own MetaData (never mixed with a centre database)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.base import NAMING
from app.db.types import UTCDateTime, new_id, utcnow


class HubBase(DeclarativeBase):
    """Declarative base of the hub's own tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
    }


class HubCentre(HubBase):
    """A centre known to the hub (code, name)."""

    __tablename__ = "hub_centre"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubDevice(HubBase):
    """An enrolled centre installation; only a hash of its token is kept, and it can be revoked."""

    __tablename__ = "hub_device"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub_centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_device_time: Mapped[datetime | None]
    skew_seconds: Mapped[float] = mapped_column(default=0.0)
    app_version: Mapped[str] = mapped_column(String(20), default="")
    catalogue_version: Mapped[str] = mapped_column(String(30), default="")
    queue_depth: Mapped[int] = mapped_column(default=0)
    oldest_unsent_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class HubEnrolCode(HubBase):
    """A one-time, expiring enrolment code (only its hash is stored)."""

    __tablename__ = "hub_enrol_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub_centre.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    device_id: Mapped[uuid.UUID | None]


class HubStaff(HubBase):
    """Department staff (role department) and district administrators (role admin)."""

    __tablename__ = "hub_staff"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubStaffSession(HubBase):
    """A signed-in department staff member's session (token hash, expiry)."""

    __tablename__ = "hub_staff_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub_staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class HubLoginThrottle(HubBase):
    """Failed staff sign-ins, one row per user name and one per client address, in the database so
    every hub process behind the load balancer sees the same counts (see admin.staff_login).
    Keys are hashes: a password typed into the user-name field is never stored."""

    __tablename__ = "hub_login_throttle"

    key: Mapped[str] = mapped_column(
        String(80), primary_key=True
    )  # "user:<sha256>" / "client:<sha256>"
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(
        index=True
    )  # first failure of the current window
    locked_until: Mapped[datetime | None]


class HubCounter(HubBase):
    """Single-row counters; `change_log` hands out change-log positions (see app/hub/changes.py)."""

    __tablename__ = "hub_counter"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class HubChange(HubBase):
    """The change log: every op applied at the hub, in position order; also the (centre, op id) record
    that makes a repeated batch a no-op, even when resent by a re-enrolled device of the same centre.
    centre_id NULL means every centre (catalogue, calendar)."""

    __tablename__ = "hub_change"
    __table_args__ = (
        UniqueConstraint("centre_id", "op_id"),
        Index("ix_hub_change_centre_pos", "centre_id", "pos"),
    )

    pos: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    centre_id: Mapped[uuid.UUID | None]
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID]
    op: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]]
    origin_device_id: Mapped[uuid.UUID | None]
    op_id: Mapped[uuid.UUID | None]
    device_seq: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="applied")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A case event's case (its payload's case_id), filled at ingest (h0012): the department's case
    # page finds the events by it. NULL for every other kind.
    event_case_id: Mapped[uuid.UUID | None]


class HubRecord(HubBase):
    """The latest content of every mutable synced row, by id and entity, with the centre that owns it.
    Case events are immutable and are kept in the change log only (conflicting ones too)."""

    __tablename__ = "hub_record"
    __table_args__ = (PrimaryKeyConstraint("entity_id", "entity"),)

    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID]
    centre_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubCaseState(HubBase):
    """A case's merged status across the centre's and the department's events (for routing and conflicts)."""

    __tablename__ = "hub_case_state"
    __table_args__ = (
        Index("ix_hub_case_state_dept_status_due", "department", "status", "due_date"),
        Index("ix_hub_case_state_dept_due", "department", "due_date"),
        Index("ix_hub_case_state_dept_received", "department", "received_at", "case_number"),
        Index("ix_hub_case_state_dept_supervised", "department", "supervised_at"),
        # the district's figures: overdue cases now, by centre and department, from the index alone
        Index("ix_hub_case_state_status_due", "status", "due_date", "centre_id", "department"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    centre_id: Mapped[uuid.UUID] = mapped_column(index=True)
    case_number: Mapped[str] = mapped_column(String(30), default="")
    matter_code: Mapped[str] = mapped_column(String(20), default="")
    department: Mapped[str] = mapped_column(String(100), default="", index=True)
    resident_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    status: Mapped[str] = mapped_column(String(30), default="")
    last_seq: Mapped[int] = mapped_column(default=0)
    last_event_id: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Filled at ingest from the case record, its resident and its events (migration h0005), so the
    # department's list filters, sorts and searches on indexed columns instead of JSON.
    resident_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    applicant_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    received_at: Mapped[datetime | None]
    due_date: Mapped[date | None]  # as extended by any 延期
    extended_days: Mapped[int] = mapped_column(default=0, server_default="0")
    supervised_at: Mapped[datetime | None]  # the latest 督办 (None: never supervised)
    supervision_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    responded_at: Mapped[datetime | None]  # the department's first acceptance or decision
    decided_at: Mapped[datetime | None]  # the department's decision


class HubRating(HubBase):
    """A resident's rating as the district counts it: the synced `rating` row's centre, time and
    level, kept at ingest (migration h0006); what the daily counts were made of."""

    __tablename__ = "hub_rating"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    centre_id: Mapped[uuid.UUID]
    rated_at: Mapped[datetime]
    level: Mapped[int]  # 5 非常满意 … 1 非常不满意


class HubRatingDay(HubBase):
    """Ratings per centre, business day and level (migration h0007), kept at ingest by adding each
    rating's change: a year's figures read 365 rows a centre instead of every rating."""

    __tablename__ = "hub_rating_day"
    __table_args__ = (PrimaryKeyConstraint("day", "centre_id", "level"),)

    day: Mapped[date]
    centre_id: Mapped[uuid.UUID]
    level: Mapped[int]
    n: Mapped[int] = mapped_column(default=0)


class HubRoutedDay(HubBase):
    """Cases routed to a department per received business day and centre, with how many the
    department has responded to and decided (migration h0007), kept at ingest and on department
    events by adding each case's change (merge.routed_part)."""

    __tablename__ = "hub_routed_day"
    __table_args__ = (PrimaryKeyConstraint("day", "department", "centre_id"),)

    day: Mapped[date]
    department: Mapped[str] = mapped_column(String(100))
    centre_id: Mapped[uuid.UUID]
    routed: Mapped[int] = mapped_column(default=0)
    responded: Mapped[int] = mapped_column(default=0)
    decided: Mapped[int] = mapped_column(default=0)


class HubFollowUp(HubBase):
    """A 差评整改 follow-up as the district counts it (from the synced `follow_up` row): its state
    and deadline, when it was opened and closed."""

    __tablename__ = "hub_follow_up"
    __table_args__ = (
        Index("ix_hub_follow_up_status_due", "status", "due_date", "centre_id"),
        Index("ix_hub_follow_up_opened", "opened_at", "centre_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    centre_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(20))  # open / closed
    due_date: Mapped[date | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class HubConflict(HubBase):
    """Something a person must look at: an event illegal given the merged history, a likely duplicate,
    or an op the hub could not interpret. Kept, acknowledged, never dropped."""

    __tablename__ = "hub_conflict"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    centre_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))  # illegal_event / duplicate / invalid_op
    case_id: Mapped[uuid.UUID | None]
    subject_id: Mapped[uuid.UUID | None]
    other_id: Mapped[uuid.UUID | None]
    message: Mapped[str] = mapped_column(String(500))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str] = mapped_column(String(500), default="")


class HubAudit(HubBase):
    """Who saw a resident's full personal data at the hub (and other acts worth answering for later).
    Names the person by record id only: the values themselves are never copied here."""

    __tablename__ = "hub_audit"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(index=True)
    staff_username: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))  # e.g. full_view
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    subject_id: Mapped[uuid.UUID | None]  # the resident record whose data was shown
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# A case's events and materials are found by their case (the department's case page); without these
# the look-up scans the centre's whole history. Events by a column filled at ingest: an index on
# the JSON expression made PostgreSQL parse every event's payload at the COPY (~9 µs an event).
Index(
    "ix_hub_change_event_case",
    HubChange.event_case_id,
    postgresql_where=HubChange.entity == "case_event",
    sqlite_where=HubChange.entity == "case_event",
)
Index(
    "ix_hub_record_case_material",
    HubRecord.data["case_id"].as_string(),
    postgresql_where=HubRecord.entity == "case_material",
    sqlite_where=HubRecord.entity == "case_material",
)


# A print's bytes (one op, or its slices) are owned by the centre that first sent their id: found by
# id among the prints only (app/hub/print_chunks.py).
Index(
    "ix_hub_change_print",
    HubChange.entity_id,
    postgresql_where=HubChange.entity.in_(("print_blob", "print_chunk")),
    sqlite_where=HubChange.entity.in_(("print_blob", "print_chunk")),
)


class HubAuditChain(HubBase):
    """How far the hub has verified one centre's audit chain (app/hub/audit_trail.py)."""

    __tablename__ = "hub_audit_chain"

    centre_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    breaks: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # records that arrived while the master secret was unavailable: their MACs are checked from this
    # number on once it is back (app/hub/audit_trail.py)
    mac_pending_from: Mapped[int | None] = mapped_column(BigInteger)


class HubPrintChunk(HubBase):
    """One slice of a large print a centre sent (kind `print_chunk`): what the hub checks the next
    slices against; the bytes themselves stay in the change log (app/hub/print_chunks.py)."""

    __tablename__ = "hub_print_chunk"

    centre_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    idx: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int]
    size: Mapped[int] = mapped_column(BigInteger)
    packed_size: Mapped[int] = mapped_column(BigInteger)
    chunk_size: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of this slice's bytes
    op_id: Mapped[uuid.UUID]  # the change-log row holding the slice: (centre_id, op_id) is unique
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubAuditKey(HubBase):
    """A centre's audit-chain key (app/hub/audit_keys.py): the MAC of each of its records numbered
    from `from_seq` on is checked with it. Kept sealed with the hub's master secret (a file outside
    the database, app/hub/secret.py); never logged, never listed; served only to a new device of
    the same centre (a restore). A district administrator's reset retires it (audited)."""

    __tablename__ = "hub_audit_key"
    __table_args__ = (UniqueConstraint("centre_id", "from_seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub_centre.id"), index=True)
    from_seq: Mapped[int] = mapped_column(BigInteger)
    key_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # app/hub/secret.py: never in clear
    sealed_with: Mapped[str] = mapped_column(String(16))  # which master secret sealed it
    key_check: Mapped[str] = mapped_column(String(64))  # compares keys without reading them out
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    device_id: Mapped[uuid.UUID | None]  # the device that registered it
    retired_at: Mapped[datetime | None]
    retired_by: Mapped[str] = mapped_column(String(50), default="")
