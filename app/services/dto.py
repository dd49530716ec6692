"""Plain data the services hand to the UI and the CLI (never ORM objects)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class CounterInfo:
    id: uuid.UUID
    number: int
    name: str
    all_groups: bool
    service_groups: tuple[str, ...]


@dataclass(frozen=True)
class ServiceGroupInfo:
    code: str
    prefix: str
    name: str


@dataclass(frozen=True)
class CentreInfo:
    id: uuid.UUID
    code: str
    name: str
    district: str
    address: str
    enquiry_phone: str
    supervision_phone: str


@dataclass(frozen=True)
class MatterSummary:
    code: str
    name: str
    department: str
    case_type: str
    promised_days: int
    legal_days: int | None
    service_group: str
    version: str


@dataclass(frozen=True)
class CentreOverview:
    centre: CentreInfo
    counters: tuple[CounterInfo, ...]  # the working (active) windows, by number
    service_groups: tuple[ServiceGroupInfo, ...]
    catalogue_version: str
    matters: tuple[MatterSummary, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class SignedInUser:
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    centre_id: uuid.UUID | None
    must_change_password: bool = False  # a first or expired password: nothing else is allowed
    window: str = ""  # the window the desk sits at, written into audit records


@dataclass(frozen=True)
class ImportResult:
    version: str
    matters: int
    departments: int
    already_current: bool


@dataclass(frozen=True)
class ResidentView:
    id: uuid.UUID
    id_kind: str
    id_number: str
    id_number_masked: str
    name: str
    name_masked: str
    sex: str
    birth_date: date | None
    phone: str
    phone_masked: str
    address: str
    community: str
    grid: str


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    case_number: str
    matter_code: str
    matter_name: str
    applicant_name_masked: str
    applicant_id_masked: str
    status: str
    status_label: str
    received_at: datetime
    due_date: date | None
    deadline: str  # normal / warning / overdue / none


@dataclass(frozen=True)
class DemoDataReport:
    days: int
    residents: int
    tickets: int
    cases: int
    events: int
    ratings: int
    seconds: float
    per_state: dict[str, int] = field(default_factory=dict)
