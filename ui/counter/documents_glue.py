"""From intake results and case details to printed documents; print them and keep the exact bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from app.documents.model import (
    AgentInfo,
    CompletionNoticeData,
    DeferredItem,
    MissingMaterial,
    ReceiptData,
    ReceivedMaterial,
    RejectionNoticeData,
    SupplementNoticeData,
)
from app.documents.model import CentreInfo as DocCentre
from app.documents.render import render
from app.services.bootstrap import Services
from app.services.counter_dto import CaseDetail, IntakeResult, PrintView
from app.services.dto import CentreInfo, SignedInUser
from ui.background import BackgroundOp
from ui.counter.common import error_text, tr
from ui.printing import A4, ROLL, PdfPrinter

FILE_NAMES = {
    "receipt": "受理回执",
    "completion": "办结通知书",
    "supplement": "一次性告知书",
    "rejection": "不予受理通知书",
    "form": "申请表",
}


def doc_centre(c: CentreInfo) -> DocCentre:
    return DocCentre(
        name=c.name,
        address=c.address,
        enquiry_phone=c.enquiry_phone,
        supervision_phone=c.supervision_phone,
        office_hours="工作日 9:00—12:00，13:30—17:00",
    )


def receipt_data(r: IntakeResult) -> ReceiptData:
    received = tuple(
        ReceivedMaterial(m.name, m.form, m.copies) for m in r.materials if m.state == "received"
    )
    deferred = tuple(
        DeferredItem(m.name, m.promised_by, m.note)
        for m in r.materials
        if m.state == "deferred" and m.promised_by is not None
    )
    agent = (
        AgentInfo(r.agent_name, r.agent_id_masked, r.agent_relationship) if r.agent_name else None
    )
    return ReceiptData(
        centre=doc_centre(r.centre),
        case_number=r.case_number,
        verification_code=r.verification_code,
        applicant_name=r.applicant_name,
        applicant_id_masked=r.applicant_id_masked,
        matter_name=r.matter_name,
        matter_code=r.matter_code,
        materials=received,
        received_date=r.received_date,
        promised_completion_date=r.due_date if r.promised_days else None,
        promised_working_days=r.promised_days,
        clerk_name=r.clerk_name,
        window=r.window,
        agent=agent,
        deferred=deferred,
        case_type=r.case_type,
        deciding_body=r.deciding_body,
    )


def supplement_data(r: IntakeResult) -> SupplementNoticeData:
    items = tuple(
        MissingMaterial(
            m.name,
            m.state_label if m.state == "defective" else "缺少",
            f"{m.form}×{m.copies}" + (f"（{m.note}）" if m.note else ""),
            m.where_to_get,
        )
        for m in r.materials
        if m.state == "defective" or (m.state == "missing" and m.required)
    ) + tuple(
        MissingMaterial(f"申请表“{label}”", "未填写", "补填申请表") for label in r.missing_fields
    )
    return SupplementNoticeData(
        centre=doc_centre(r.centre),
        reference=r.case_number,
        applicant_name=r.applicant_name,
        applicant_id_masked=r.applicant_id_masked,
        matter_name=r.matter_name,
        matter_code=r.matter_code,
        application_date=r.received_date,
        issued_date=r.received_date,
        items=items,
        clerk_name=r.clerk_name,
        window=r.window,
        supplement_deadline=r.supplement_deadline,
        document_number=r.document_number,
    )


def rejection_data(r: IntakeResult) -> RejectionNoticeData:
    district = r.centre.district
    return RejectionNoticeData(
        centre=doc_centre(r.centre),
        document_number=r.document_number,
        reference=r.case_number,
        applicant_name=r.applicant_name,
        applicant_id_masked=r.applicant_id_masked,
        matter_name=r.matter_name,
        matter_code=r.matter_code,
        application_date=r.received_date,
        issued_date=r.received_date,
        reason=r.reason,
        legal_basis=r.legal_basis or "—",
        clerk_name=r.clerk_name,
        window=r.window,
        review_body=f"{district}人民政府",
        court=f"{district}人民法院",
    )


def completion_on_spot(r: IntakeResult) -> CompletionNoticeData:
    return CompletionNoticeData(
        centre=doc_centre(r.centre),
        case_number=r.case_number,
        verification_code=r.verification_code,
        applicant_name=r.applicant_name,
        applicant_id_masked=r.applicant_id_masked,
        matter_name=r.matter_name,
        matter_code=r.matter_code,
        received_date=r.received_date,
        completed_date=r.received_date,
        decision="准予办理",
        decision_detail="经审核，您的申请符合规定，已当场办结。",
        deciding_body=r.deciding_body,
        collect_place=f"{r.centre.name} {r.window}",
        collect_time="当场办结",
        clerk_name=r.clerk_name,
        window=r.window,
    )


def collection_note(
    d: CaseDetail, centre: CentreInfo, clerk: str, window: str, today: date
) -> CompletionNoticeData:
    """The collection note handed over with a decided case (领取凭证)."""
    s = d.summary
    denied = s.status in ("DENIED",)
    return CompletionNoticeData(
        centre=doc_centre(centre),
        case_number=s.case_number,
        verification_code=d.verification_code,
        applicant_name=s.applicant_name_masked,
        applicant_id_masked=s.applicant_id_masked,
        matter_name=s.matter_name,
        matter_code=s.matter_code,
        received_date=s.received_at.date(),
        completed_date=today,
        decision="不予批准" if denied else "准予办理",
        decision_detail=d.decision_note or ("经审核，准予办理。" if not denied else "—"),
        deciding_body=d.routed_department or centre.name,
        collect_place=f"{centre.name} {window}",
        collect_time=f"{today.isoformat()} 已领取",
        clerk_name=clerk,
        window=window,
    )


def data_for(r: IntakeResult) -> tuple[str, Any]:
    """(document kind, data) for an intake result."""
    if r.kind == "receipt":
        return "receipt", receipt_data(r)
    if r.kind == "supplement":
        return "supplement", supplement_data(r)
    if r.kind == "rejection":
        return "rejection", rejection_data(r)
    return "completion", completion_on_spot(r)


class DocumentSink(Protocol):
    """Where rendered bytes go: a printer (the app) or a folder of PDF files (tests)."""

    def emit(self, kind: str, pdf: bytes, paper: str, name: str) -> str: ...


class PrinterSink:
    """The configured receipt/A4 printer; save-as-PDF when none is installed; optional preview."""

    def __init__(self, printer: PdfPrinter, preview: bool = False) -> None:
        self.printer = printer
        self.preview = preview

    def emit(self, kind: str, pdf: bytes, paper: str, name: str) -> str:
        if self.preview:
            self.printer.preview(pdf, paper)
            return "previewed"
        return self.printer.print_pdf(pdf, paper, suggested_name=name, title=name)


class FileSink:
    """Writes the exact bytes into a folder (tests and archiving)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []

    def emit(self, kind: str, pdf: bytes, paper: str, name: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        out = self.folder / f"{len(self.files) + 1:02d}-{name}"
        out.write_bytes(pdf)
        self.files.append(out)
        return "saved"


@dataclass(frozen=True)
class Printed:
    """A document rendered for printing, with its print record."""

    kind: str
    pdf: bytes
    paper: str
    name: str
    record: PrintView


class DocumentDesk(QObject):
    """Render off the GUI thread, keep the exact bytes as a print record, then send to the sink."""

    printed = Signal(object)  # Printed
    failed = Signal(str)

    def __init__(
        self,
        services: Services,
        user: SignedInUser | None,
        sink: DocumentSink,
        receipt_paper: str = ROLL,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.user = user
        self.sink = sink
        self.receipt_paper = receipt_paper
        self.last: Printed | None = None

    def paper_for(self, kind: str) -> str:
        return self.receipt_paper if kind == "receipt" else A4

    def print_data(self, kind: str, data: Any, case_id: Any, number: str = "") -> None:
        user = self.user
        if user is None:
            self.failed.emit(tr("未登录，不能打印"))
            return
        paper = self.paper_for(kind)
        name = f"{FILE_NAMES.get(kind, kind)}-{getattr(data, 'case_number', '') or number}.pdf"

        def work() -> Printed:
            pdf = render(kind, data, paper)
            record = self.services.prints.record_print(
                user, kind, pdf, case_id=case_id, document_number=number
            )
            return Printed(kind, pdf, paper, name, record)

        BackgroundOp(work).success(self._send).failure(
            lambda e: self.failed.emit(error_text(e))
        ).run()

    def print_result(self, r: IntakeResult) -> None:
        kind, data = data_for(r)
        self.print_data(kind, data, r.case_id, r.document_number)

    def _send(self, p: Printed) -> None:
        self.last = p
        self.sink.emit(p.kind, p.pdf, p.paper, p.name)
        self.printed.emit(p)
