"""The desk's printing: ask the document service for a case's paper (composed, rendered and recorded
there, in one transaction) off the GUI thread, then send the exact bytes to the printer or a folder."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from app.services.bootstrap import Services
from app.services.counter_dto import IntakeResult
from app.services.dto import SignedInUser
from app.services.types import ApplicationFormData, PrintedPaper
from ui.background import BackgroundOp
from ui.counter.common import error_text, tr
from ui.printing import A4, ROLL, PdfPrinter

Printed = PrintedPaper  # what `printed` carries


class DocumentSink(Protocol):
    """Where rendered bytes go: a printer (the app) or a folder of PDF files (tests)."""

    def emit(self, kind: str, pdf: bytes, paper: str, name: str) -> str: ...


class PrinterSink:
    """The configured receipt/A4 printer; the configured folder when none is installed; optional preview."""

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


class DocumentDesk(QObject):
    """Papers of cases through the document service; nothing about a print is kept in memory."""

    printed = Signal(object)  # PrintedPaper
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

    def paper_for(self, kind: str) -> str:
        return self.receipt_paper if kind == "receipt" else A4

    def _run(self, work: Callable[[SignedInUser], PrintedPaper]) -> None:
        user = self.user
        if user is None:
            self.failed.emit(tr("未登录，不能打印"))
            return
        BackgroundOp(lambda: work(user)).success(self._send).failure(
            lambda e: self.failed.emit(error_text(e))
        ).run()

    def print_case(self, case_id: uuid.UUID, kind: str) -> None:
        """Compose, record and print the case's paper of `kind` (受理回执, 办结通知书 …)."""
        docs, paper = self.services.documents, self.paper_for(kind)
        self._run(lambda u: docs.print_case(u, case_id, kind, paper=paper))

    def print_result(self, r: IntakeResult) -> None:
        self.print_case(r.case_id, r.kind)

    def print_form(self, data: ApplicationFormData) -> None:
        docs = self.services.documents
        self._run(lambda u: docs.print_form(u, data))

    def reprint(self, print_id: uuid.UUID, reason: str) -> None:
        """Send again the stored bytes of a print chosen from the case's history."""
        docs = self.services.documents
        self._run(lambda u: docs.reprint(u, print_id, reason))

    def _send(self, p: PrintedPaper) -> None:
        self.sink.emit(p.kind, p.pdf, p.paper, p.file_name)
        self.printed.emit(p)
