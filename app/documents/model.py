"""Plain frozen dataclasses describing the data of every printed document; the services layer fills them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DocumentKind(StrEnum):
    """The kinds of printed documents."""

    TICKET = "ticket"  # 排队号票 (80 mm roll)
    RECEIPT = "receipt"  # 受理通知书 (A4) / 受理回执 (80 mm)
    SUPPLEMENT = "supplement"  # 一次性告知书 (补正材料通知书)
    REJECTION = "rejection"  # 不予受理通知书
    COMPLETION = "completion"  # 办结通知书 / 领取凭证
    FORM = "form"  # 申请表
    EXTENSION = "extension"  # 延期告知书

    @property
    def label(self) -> str:
        return _KIND_TITLES[self]


_KIND_TITLES = {
    DocumentKind.TICKET: "排队号票",
    DocumentKind.RECEIPT: "受理通知书",
    DocumentKind.SUPPLEMENT: "一次性告知书",
    DocumentKind.REJECTION: "不予受理通知书",
    DocumentKind.COMPLETION: "办结通知书",
    DocumentKind.FORM: "申请表",
    DocumentKind.EXTENSION: "延期告知书",
}


class Paper(StrEnum):
    """Paper a document is rendered for."""

    A4 = "A4"
    ROLL_80MM = "80mm"


def format_date_cn(d: date) -> str:
    """A date the way Chinese official documents write it: 2026年11月23日 (no zero padding)."""
    return f"{d.year}年{d.month}月{d.day}日"


def format_datetime_cn(t: datetime) -> str:
    """A date and minute: 2026年11月23日 09:05."""
    return f"{format_date_cn(t.date())} {t.hour:02d}:{t.minute:02d}"


def format_document_number(year: int, seq: int, prefix: str = "") -> str:
    """A per-centre, per-year document number: format_document_number(2026, 12) == '〔2026〕第12号'."""
    if seq < 1:
        raise ValueError("document sequence numbers start at 1")
    return f"{prefix}〔{year}〕第{seq}号"


@dataclass(frozen=True)
class CentreInfo:
    """The centre printing the document: its name, address, phone numbers and seal text."""

    name: str
    address: str
    enquiry_phone: str
    supervision_phone: str
    seal_text: str = ""  # text around the seal placeholder; defaults to the name
    office_hours: str = ""

    @property
    def seal(self) -> str:
        return self.seal_text or self.name


@dataclass(frozen=True)
class AgentInfo:
    """A person acting for the applicant (代办人): name, masked ID number and relationship."""

    name: str
    id_masked: str
    relationship: str  # 子女、配偶、社区工作人员 …


@dataclass(frozen=True)
class TicketSlipData:
    """A queue ticket slip."""

    centre: CentreInfo
    ticket_number: str  # A017
    service_group: str  # 综合受理
    waiting_ahead: int
    issued_at: datetime
    priority: str = ""  # 优先 reason, e.g. 老年人; empty for an ordinary ticket
    barcode_value: str = ""  # defaults to the ticket number
    guidance: str = "请留意叫号屏和语音提示，过号请到服务台重新取号。"

    @property
    def code(self) -> str:
        return self.barcode_value or self.ticket_number


@dataclass(frozen=True)
class ReceivedMaterial:
    """One material taken in: name, form (原件/复印件 …) and number of copies."""

    name: str
    form: str
    copies: int = 1


@dataclass(frozen=True)
class DeferredItem:
    """A 容缺 material accepted as missing, with the date the applicant promised to bring it by."""

    name: str
    promised_by: date
    note: str = ""


def qr_payload(case_number: str, verification_code: str) -> str:
    """What the QR code on a receipt or collection slip carries: OW:<case number>:<code>."""
    return f"OW:{case_number}:{verification_code}"


@dataclass(frozen=True)
class ReceiptData:
    """受理通知书 / 受理回执: proof of what was taken in and when it will be finished."""

    centre: CentreInfo
    case_number: str
    verification_code: str
    applicant_name: str
    applicant_id_masked: str
    matter_name: str
    matter_code: str
    materials: tuple[ReceivedMaterial, ...]
    received_date: date
    promised_completion_date: date | None  # None for 即办件 finished on the spot
    promised_working_days: int
    clerk_name: str
    window: str  # 3号窗口
    agent: AgentInfo | None = None
    deferred: tuple[DeferredItem, ...] = ()
    case_type: str = ""  # 承诺件 …
    deciding_body: str = ""
    # 延期 granted since intake (a receipt printed again says so): see wording.extension_line.
    extensions: tuple[str, ...] = ()

    @property
    def qr_payload(self) -> str:
        return qr_payload(self.case_number, self.verification_code)


@dataclass(frozen=True)
class MissingMaterial:
    """A material missing or defective: what is wrong, what is needed, where to get it."""

    name: str
    problem: str  # 缺少 / 复印件不清晰 / 已过有效期 …
    requirement: str  # what exactly to bring
    where_to_get: str = ""


@dataclass(frozen=True)
class SupplementNoticeData:
    """一次性告知书: all that is missing or defective, told once, with deadline, number and legal basis."""

    centre: CentreInfo
    reference: str  # case number, or the intake reference when no case was opened
    applicant_name: str
    applicant_id_masked: str
    matter_name: str
    matter_code: str
    application_date: date
    issued_date: date
    items: tuple[MissingMaterial, ...]
    clerk_name: str
    window: str
    supplement_deadline: date | None = None
    document_number: str = ""
    legal_basis: str = (
        ""  # from the catalogue: the matter's own law, the licensing law only for a licence
    )


@dataclass(frozen=True)
class RejectionNoticeData:
    """不予受理通知书: the reason, its legal basis and the applicant's remedies."""

    centre: CentreInfo
    document_number: str  # format_document_number(2026, 12, prefix=…)
    reference: str
    applicant_name: str
    applicant_id_masked: str
    matter_name: str
    matter_code: str
    application_date: date
    issued_date: date
    reason: str
    legal_basis: str
    clerk_name: str
    window: str
    review_body: str  # 行政复议机关, e.g. 某区人民政府
    court: str  # 有管辖权的人民法院, e.g. 某区人民法院


@dataclass(frozen=True)
class CompletionNoticeData:
    """办结通知书 / 领取凭证: the decision and where and when to collect the result."""

    centre: CentreInfo
    case_number: str
    verification_code: str
    applicant_name: str
    applicant_id_masked: str
    matter_name: str
    matter_code: str
    received_date: date
    completed_date: date
    decision: str  # 准予 / 不予批准 … one line
    decision_detail: str
    deciding_body: str
    collect_place: str
    collect_time: str  # free text: 2026年11月30日起，工作日9:00—17:00
    clerk_name: str
    window: str
    collect_items: tuple[str, ...] = ()
    bring_items: tuple[str, ...] = ()
    collect_deadline: date | None = None

    @property
    def qr_payload(self) -> str:
        return qr_payload(self.case_number, self.verification_code)


@dataclass(frozen=True)
class ExtensionNoticeData:
    """延期告知书: a 延期 granted on a case — by how many working days, why, the due date before
    and after, who approved it and when."""

    centre: CentreInfo
    case_number: str
    verification_code: str
    applicant_name: str
    applicant_id_masked: str
    matter_name: str
    matter_code: str
    received_date: date
    granted_date: date
    working_days: int
    old_due: date
    new_due: date
    reason: str
    requested_by: str  # 窗口 / 部门
    approved_by: str
    deciding_body: str
    clerk_name: str
    window: str

    @property
    def qr_payload(self) -> str:
        return qr_payload(self.case_number, self.verification_code)


@dataclass(frozen=True)
class ApplicantFields:
    """The applicant as printed on an application form; the full ID number, since the resident signs it."""

    name: str
    id_number: str
    sex: str = ""
    birth_date: date | None = None
    phone: str = ""
    address: str = ""
    community: str = ""

    def value(self, key: str) -> str:
        raw = getattr(self, key)
        if raw is None:
            return ""
        if isinstance(raw, date):
            return format_date_cn(raw)
        return str(raw)


APPLICANT_FIELD_KEYS = ("name", "id_number", "sex", "birth_date", "phone", "address", "community")


@dataclass(frozen=True)
class ApplicationFormData:
    """An application form pre-filled from a case: layout name, matter, applicant and form values."""

    layout: str  # name of a layout in resources/forms, e.g. "dibao"
    matter_name: str
    matter_code: str
    applicant: ApplicantFields
    values: Mapping[str, str] = field(default_factory=dict)
    centre: CentreInfo | None = None
    case_number: str = ""
    printed_date: date | None = None
