"""Plain data the services hand to the UI and the CLI (never ORM objects)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class CounterInfo:
    """A window of the centre and the queues it serves."""

    id: uuid.UUID
    number: int
    name: str
    all_groups: bool
    service_groups: tuple[str, ...]


@dataclass(frozen=True)
class ServiceGroupInfo:
    """A queue of the centre (code, ticket prefix, name)."""

    code: str
    prefix: str
    name: str


@dataclass(frozen=True)
class CentreInfo:
    """The centre's name, address and phones as papers and screens show them."""

    id: uuid.UUID
    code: str
    name: str
    district: str
    address: str
    enquiry_phone: str
    supervision_phone: str


@dataclass(frozen=True)
class MatterSummary:
    """A matter as lists show it (code, name, department, type, deadlines)."""

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
    """The centre, its windows, queues and current catalogue at a glance."""

    centre: CentreInfo
    counters: tuple[CounterInfo, ...]  # the working (active) windows, by number
    service_groups: tuple[ServiceGroupInfo, ...]
    catalogue_version: str
    matters: tuple[MatterSummary, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class SignedInUser:
    """The account acting in a use case (id, role, centre)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    centre_id: uuid.UUID | None
    must_change_password: bool = False  # a first or expired password: nothing else is allowed
    window: str = ""  # the window the desk sits at, written into audit records


@dataclass(frozen=True)
class ImportResult:
    """What importing a catalogue publication did."""

    version: str
    matters: int
    departments: int
    already_current: bool


@dataclass(frozen=True)
class ResidentView:
    """A resident as the window shows them (masked where the full value is not needed)."""

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
    """A case as lists show it (number, matter, masked applicant, status, deadline)."""

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
    """How much demo data was generated and how long it took."""

    days: int
    residents: int
    tickets: int
    cases: int
    events: int
    ratings: int
    seconds: float
    per_state: dict[str, int] = field(default_factory=dict)


# The papers of a case, which `DocumentService` composes, records and reprints (the ticket slip and
# the application form are not a case's).
CASE_KINDS = ("receipt", "supplement", "rejection", "completion", "extension")


@dataclass(frozen=True)
class ProtectionStatus:
    """The database's 等保 level and whether this desk holds its keys (`onewindow security status`)."""

    level: int  # 2, or 3 once personal fields are encrypted
    has_key: bool  # this desk can read and write them (always True at level 2)
    problem: str = ""  # what to do when it cannot


@dataclass(frozen=True)
class Level3Report:
    """What `enable_level3` did: rows encrypted per table, and how long it took."""

    already: bool
    rows: dict[str, int]
    seconds: float
    key_id: str
