"""Print records: every printed document kept with its exact bytes and hash; reprints need a reason."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import select

from app.db.models import Case, PrintedDocument, Ticket
from app.db.types import new_id
from app.domain.errors import ValidationError
from app.domain.print_blobs import blob_ops
from app.services.case_numbers import NotFound, get_or_404, require_centre, sync_row
from app.services.context import ServiceContext
from app.services.counter_dto import PrintView
from app.services.dto import SignedInUser
from app.services.uow import UnitOfWork

KINDS = frozenset(
    {"ticket", "receipt", "supplement", "rejection", "completion", "extension", "form", "report"}
)
NOT_KEPT_MESSAGE = (
    "原件未随数据恢复，本机仅存打印记录（文号、打印时间、经办人和校验值）；"
    "如需再次出具，请按原内容重新生成后打印，并登记为补打（须填写原因）"
)


def _view(d: PrintedDocument) -> PrintView:
    return PrintView(
        id=d.id,
        kind=d.kind,
        document_number=d.document_number,
        case_id=d.case_id,
        ticket_id=d.ticket_id,
        printed_at=d.printed_at,
        printed_by=d.printed_by,
        reprint_of=d.reprint_of,
        reason=d.reason,
        sha256=d.sha256,
        size=len(d.content),
    )


def store_print(
    uow: UnitOfWork,
    user: SignedInUser,
    kind: str,
    pdf: bytes,
    *,
    centre_id: uuid.UUID,
    case_id: uuid.UUID | None = None,
    ticket_id: uuid.UUID | None = None,
    document_number: str = "",
    reprint_of: uuid.UUID | None = None,
    reason: str = "",
    now: datetime,
) -> PrintView:
    """Keep the exact bytes printed, in the caller's transaction (queued for the hub without them)."""
    if kind not in KINDS:
        raise ValidationError("PRINT_KIND", "打印文书类型无效", "kind")
    if not pdf:
        raise ValidationError("PRINT_EMPTY", "打印内容为空", "pdf")
    if reprint_of is not None and not reason.strip():
        raise ValidationError("FIELD_REQUIRED", "补打须填写原因", "reason")
    require_centre(user, centre_id)
    doc = PrintedDocument(
        id=new_id(),
        centre_id=centre_id,
        case_id=case_id,
        ticket_id=ticket_id,
        kind=kind,
        document_number=document_number[:40],
        printed_at=now,
        printed_by=user.id,
        reprint_of=reprint_of,
        reason=reason.strip(),
        sha256=hashlib.sha256(pdf).hexdigest(),
        content=bytes(pdf),
    )
    uow.session.add(doc)
    sync_row(uow, "printed_document", doc, skip=("content",))
    queue_blob(uow, centre_id, doc.id, doc.sha256, doc.content)
    uow.audit(
        "document_reprinted" if reprint_of else "document_printed",
        user_id=user.id,
        centre_id=centre_id,
        subject_type="printed_document",
        subject_id=doc.id,
        kind=kind,
    )
    return _view(doc)


def queue_blob(
    uow: UnitOfWork,
    centre_id: uuid.UUID,
    doc_id: uuid.UUID,
    sha256: str,
    pdf: bytes,
    *,
    force: bool = False,
) -> bool:
    """Send the print's bytes to the hub unless this centre sent the same bytes before (a reprint,
    the same paper again): content-addressed by centre and SHA-256, compressed. False when not
    sent. A print too large for one op goes in slices (`print_chunk`); one over MAX_PRINT_BYTES
    stays on this PC. `force`: the caller knows they were not sent (the one-time send of older
    prints)."""
    earlier = (
        None
        if force
        else uow.session.scalar(
            select(PrintedDocument.id)
            .where(
                PrintedDocument.centre_id == centre_id,
                PrintedDocument.sha256 == sha256,
                PrintedDocument.id != doc_id,
            )
            .limit(1)
        )
    )
    ops = [] if earlier is not None else blob_ops(centre_id, pdf)
    for kind, op_id, payload in ops:
        uow.record_change(kind, op_id, payload)
    return bool(ops)


class PrintService:
    """The print history of documents: record, list and fetch stored prints."""

    view = staticmethod(_view)

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def record_print(
        self,
        user: SignedInUser,
        kind: str,
        pdf: bytes,
        *,
        case_id: uuid.UUID | None = None,
        ticket_id: uuid.UUID | None = None,
        document_number: str = "",
        reprint_of: uuid.UUID | None = None,
        reason: str = "",
    ) -> PrintView:
        """Keep the exact bytes printed; a reprint names the original and says why."""
        reason = reason.strip()
        if kind not in KINDS:
            raise ValidationError("PRINT_KIND", "打印文书类型无效", "kind")
        if not pdf:
            raise ValidationError("PRINT_EMPTY", "打印内容为空", "pdf")
        if reprint_of is not None and not reason:
            raise ValidationError("FIELD_REQUIRED", "补打须填写原因", "reason")
        if len(reason) > 200:
            raise ValidationError("FIELD_TOO_LONG", "补打原因不能超过 200 个字", "reason")
        with self.ctx.uow() as uow:
            s = uow.session
            case = get_or_404(s, Case, case_id, "办件") if case_id else None
            ticket = get_or_404(s, Ticket, ticket_id, "排队号") if ticket_id else None
            if reprint_of is not None:
                original = get_or_404(s, PrintedDocument, reprint_of, "原打印记录")
                case = case or (s.get(Case, original.case_id) if original.case_id else None)
                document_number = document_number or original.document_number
            centre_id = (case.centre_id if case else None) or (
                ticket.centre_id if ticket else user.centre_id
            )
            if centre_id is None:
                raise ValidationError("PRINT_CENTRE", "无法确定打印所属的服务中心")
            return store_print(
                uow,
                user,
                kind,
                pdf,
                centre_id=centre_id,
                case_id=case.id if case else None,
                ticket_id=ticket.id if ticket else None,
                document_number=document_number,
                reprint_of=reprint_of,
                reason=reason,
                now=self.ctx.clock(),
            )

    def list_prints(self, case_id: uuid.UUID, user: SignedInUser) -> list[PrintView]:
        with self.ctx.uow(read_only=True) as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            rows = uow.session.scalars(
                select(PrintedDocument)
                .where(PrintedDocument.case_id == case_id)
                .order_by(PrintedDocument.printed_at, PrintedDocument.id)
            )
            return [_view(d) for d in rows]

    def get_print(self, print_id: uuid.UUID, user: SignedInUser) -> bytes:
        """The bytes exactly as first printed (checked against the stored hash). A record restored
        from the district hub has no bytes (the PDF never left the PC it was printed on): NotFound
        PRINT_NOT_KEPT, not a failed check — nothing was altered, the original is just not here."""
        with self.ctx.uow() as uow:
            d = get_or_404(uow.session, PrintedDocument, print_id, "打印记录")
            require_centre(user, d.centre_id)
            content = bytes(d.content)
            if (
                not content
            ):  # record_print never keeps an empty document: this one came back without it
                raise NotFound("PRINT_NOT_KEPT", NOT_KEPT_MESSAGE)
            if hashlib.sha256(content).hexdigest() != d.sha256:
                raise ValidationError("PRINT_CORRUPT", "打印存档校验失败，内容可能已被改动")
            uow.audit(
                "document_viewed",
                user_id=user.id,
                centre_id=d.centre_id,
                subject_type="printed_document",
                subject_id=d.id,
            )
            return content
