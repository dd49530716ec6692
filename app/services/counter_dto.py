"""Plain frozen dataclasses in and out of the counter-day services (queue, intake, cases, ratings)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.services.dto import CaseSummary, CentreInfo

TICKET_STATUS_LABELS = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "held": "已挂起",
    "done": "已完成",
    "no_show": "过号",
}

MATERIAL_STATE_LABELS = {
    "received": "已收取",
    "missing": "缺少",
    "deferred": "容缺后补",
    "defective": "不符合要求",
}

# The error code of a second case of the same resident and matter: the counter asks to confirm.
DUPLICATE_CASE = "DUPLICATE_CASE"

RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


# --- queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketView:
    """A queue ticket as a window sees it."""

    id: uuid.UUID
    number: str  # A017
    service_group: str  # issued in
    queue_group: str  # waits in now (differs after a transfer)
    priority: str  # PriorityClass value
    priority_label: str
    appointment: bool
    status: str  # waiting / called / serving / held / done / no_show
    status_label: str
    business_date: date
    issued_at: datetime
    called_at: datetime | None
    counter_id: uuid.UUID | None
    window_number: int | None
    recall_count: int
    waiting_ahead: int  # tickets the queue would call before this one (0 unless waiting)
    front: bool
    comment: str


@dataclass(frozen=True)
class WaitingRow:
    """One line of the waiting list at a window."""

    id: uuid.UUID
    number: str
    queue_group: str
    priority_label: str
    issued_at: datetime
    front: bool
    target_window: int | None  # transferred to one window


@dataclass(frozen=True)
class BoardCall:
    """A call shown and spoken on the call board (ticket number and window only)."""

    number: str
    window_number: int
    text: str  # 请 A017 号 到 3 号窗口
    at: datetime
    recall: bool


@dataclass(frozen=True)
class GroupWaiting:
    """How many wait in one queue (kiosk and board)."""

    code: str
    prefix: str
    name: str
    waiting: int


@dataclass(frozen=True)
class BoardState:
    """What the call board shows: no names, no ID numbers."""

    calls: tuple[BoardCall, ...]  # newest first
    groups: tuple[GroupWaiting, ...]
    total_waiting: int


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialInput:
    """How the clerk marked one material: received / missing / deferred (容缺) / defective."""

    code: str
    state: str = "received"
    promised_by: date | None = None  # deferred only
    note: str = ""  # e.g. what is wrong with a defective one


@dataclass(frozen=True)
class AgentInput:
    """The person acting for the applicant (代办人), as the clerk typed it."""

    id_number: str
    name: str
    relationship: str
    phone: str = ""


@dataclass(frozen=True)
class IntakeInput:
    """Everything the clerk entered for one matter of one resident."""

    counter_id: uuid.UUID
    resident_id: uuid.UUID
    matter_code: str
    form_data: dict[str, Any] = field(default_factory=dict)
    materials: tuple[MaterialInput, ...] = ()
    ticket_id: uuid.UUID | None = None
    agent: AgentInput | None = None
    confirm_duplicate: bool = False  # the clerk confirmed a second case of the same matter


@dataclass(frozen=True)
class FieldProblem:
    """A form field that cannot be accepted, with a message for the clerk."""

    key: str
    label: str
    code: str
    message: str


@dataclass(frozen=True)
class MaterialLine:
    """A material of a case and what the clerk recorded about it."""

    code: str
    name: str
    form: str
    copies: int
    required: bool
    state: str
    state_label: str
    promised_by: date | None
    note: str
    where_to_get: str


@dataclass(frozen=True)
class IntakeResult:
    """All a printed receipt / completion / 一次性告知 / 不予受理 notice needs (kind says which)."""

    kind: str  # receipt / completion / supplement / rejection
    case_id: uuid.UUID
    case_number: str
    verification_code: str
    status: str  # CaseStatus name
    status_label: str
    centre: CentreInfo
    matter_code: str
    matter_name: str
    case_type: str
    deciding_body: str
    department: str
    co_departments: tuple[str, ...]
    catalogue_version: str
    promised_days: int
    received_at: datetime
    received_date: date
    due_date: date | None
    applicant_name: str
    applicant_id_masked: str
    agent_name: str
    agent_id_masked: str
    agent_relationship: str
    clerk_name: str
    window: str  # 3号窗口
    materials: tuple[MaterialLine, ...]
    form_data: dict[str, Any]
    document_number: str = ""  # 不予受理: 〔2026〕第12号
    reason: str = ""
    legal_basis: str = ""
    supplement_deadline: date | None = None
    missing_fields: tuple[str, ...] = ()  # 一次性告知: labels of required fields left empty
    paused_days: int = 0


@dataclass(frozen=True)
class ConsultationView:
    """A consultation recorded at a window (no case made)."""

    id: uuid.UUID
    at: datetime
    matter_code: str
    note: str


# --- cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseEventView:
    """One entry of a case's timeline as the clerk reads it."""

    seq: int
    event_type: str  # CaseEventType name
    label: str
    status_after: str
    status_label: str
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    origin: str  # centre / department / district
    note: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case page shows about one case."""

    summary: CaseSummary
    verification_code: str
    case_type: str
    routed_department: str
    co_departments: tuple[str, ...]
    paused_days: int
    decision_note: str
    form_data: dict[str, Any]
    materials: tuple[MaterialLine, ...]
    events: tuple[CaseEventView, ...]


# --- ratings and prints ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingView:
    """A resident's rating of a service."""

    id: uuid.UUID
    level: int
    label: str
    comment: str
    ticket_id: uuid.UUID | None
    case_id: uuid.UUID | None
    rated_at: datetime
    follow_up_id: uuid.UUID | None


@dataclass(frozen=True)
class FollowUpView:
    """差评整改: a bad rating's follow-up with its deadline, call back and rectification."""

    id: uuid.UUID
    rating_id: uuid.UUID
    level: int
    label: str
    comment: str
    ticket_number: str
    case_number: str
    window_number: int | None
    clerk_name: str
    opened_at: datetime
    status: str
    resolution: str
    assigned_to: uuid.UUID | None = None
    assignee_name: str = ""
    due_date: date | None = None
    overdue: bool = False  # still open after its due date (working-day deadline)
    call_back_at: datetime | None = None
    call_back_by_name: str = ""
    call_back_note: str = ""
    resident_satisfied: bool | None = None
    rectification: str = ""
    rectified_at: datetime | None = None

    @property
    def called_back(self) -> bool:
        return self.call_back_at is not None

    @property
    def rectified(self) -> bool:
        return self.rectified_at is not None


@dataclass(frozen=True)
class PrintView:
    """One recorded print of a document (kind, number, when, who)."""

    id: uuid.UUID
    kind: str
    document_number: str
    case_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    printed_at: datetime
    printed_by: uuid.UUID | None
    reprint_of: uuid.UUID | None
    reason: str
    sha256: str
    size: int


@dataclass(frozen=True)
class IssuedTicket:
    """A ticket just issued at the kiosk with its slip rendered for the receipt printer."""

    ticket: TicketView
    group_name: str
    slip_pdf: bytes
