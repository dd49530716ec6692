"""One entry point for every printed document: render(kind, data, paper) -> PDF bytes."""

from __future__ import annotations

from typing import Any

from app.documents.extension import render_extension_notice
from app.documents.form_render import render_application_form
from app.documents.model import (
    ApplicationFormData,
    CompletionNoticeData,
    DocumentKind,
    ExtensionNoticeData,
    Paper,
    ReceiptData,
    RejectionNoticeData,
    SupplementNoticeData,
    TicketSlipData,
)
from app.documents.notices import (
    render_completion_notice,
    render_rejection_notice,
    render_supplement_notice,
)
from app.documents.receipt import render_receipt
from app.documents.slip import render_ticket_slip

DATA_TYPES: dict[DocumentKind, type] = {
    DocumentKind.TICKET: TicketSlipData,
    DocumentKind.RECEIPT: ReceiptData,
    DocumentKind.SUPPLEMENT: SupplementNoticeData,
    DocumentKind.REJECTION: RejectionNoticeData,
    DocumentKind.COMPLETION: CompletionNoticeData,
    DocumentKind.FORM: ApplicationFormData,
    DocumentKind.EXTENSION: ExtensionNoticeData,
}

# Papers each kind can be printed on; the first is the default.
PAPERS: dict[DocumentKind, tuple[Paper, ...]] = {
    DocumentKind.TICKET: (Paper.ROLL_80MM,),
    DocumentKind.RECEIPT: (Paper.A4, Paper.ROLL_80MM),
    DocumentKind.SUPPLEMENT: (Paper.A4,),
    DocumentKind.REJECTION: (Paper.A4,),
    DocumentKind.COMPLETION: (Paper.A4,),
    DocumentKind.FORM: (Paper.A4,),
    DocumentKind.EXTENSION: (Paper.A4,),
}


def default_paper(kind: DocumentKind | str) -> Paper:
    """The paper a kind is printed on unless asked otherwise."""
    return PAPERS[DocumentKind(kind)][0]


def render(kind: DocumentKind | str, data: Any, paper: str | None = None) -> bytes:
    """Render `data` as document `kind` on `paper` (None = the kind's default); raise on a mismatch."""
    k = DocumentKind(kind)
    if not isinstance(data, DATA_TYPES[k]):
        raise TypeError(f"{k.value} needs {DATA_TYPES[k].__name__}, got {type(data).__name__}")
    p = Paper(paper) if paper else default_paper(k)
    if p not in PAPERS[k]:
        allowed = ", ".join(x.value for x in PAPERS[k])
        raise ValueError(f"{k.value} cannot be printed on {p.value} (only {allowed})")
    if isinstance(data, TicketSlipData):
        return render_ticket_slip(data)
    if isinstance(data, ReceiptData):
        return render_receipt(data, p.value)
    if isinstance(data, SupplementNoticeData):
        return render_supplement_notice(data)
    if isinstance(data, RejectionNoticeData):
        return render_rejection_notice(data)
    if isinstance(data, CompletionNoticeData):
        return render_completion_notice(data)
    if isinstance(data, ExtensionNoticeData):
        return render_extension_notice(data)
    assert isinstance(data, ApplicationFormData)
    return render_application_form(data.layout, data)
