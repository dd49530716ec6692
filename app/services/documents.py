"""Printed papers of a case: composed from the stored case, its matter, the centre's settings and the
catalogue, rendered and recorded (bytes + SHA-256, who, when, why) in one transaction; reprints send
the stored bytes of a print chosen from that case's history."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from app.clock import local_time
from app.db.models import Case, PrintedDocument, User
from app.documents.model import (
    ApplicationFormData,
    Paper,
)
from app.documents.wording import (
    FILE_TITLES,
    file_name,
)
from app.domain.errors import ValidationError
from app.services.case_numbers import NotFound, get_or_404, require_centre
from app.services.centre_settings import load_settings
from app.services.context import ServiceContext
from app.services.counter_dto import IntakeResult, PrintView
from app.services.document_data import compose, paper_centre
from app.services.dto import CASE_KINDS, SignedInUser
from app.services.prints import PrintService, store_print

KIND_LABELS = {k: FILE_TITLES[k] for k in (*CASE_KINDS, "form", "ticket")}


@dataclass(frozen=True)
class PrintedPaper:
    """A paper ready to send to a printer or a file: the exact bytes that were recorded."""

    kind: str
    kind_label: str
    pdf: bytes
    paper: str  # A4 / 80mm
    file_name: str  # 受理回执-990101202611300001.pdf
    record: PrintView


@dataclass(frozen=True)
class PrintHistoryRow:
    """One print of a case, as the case page and Ctrl+P list it (time in the centre's zone)."""

    id: uuid.UUID
    kind: str
    kind_label: str
    printed_at: datetime  # aware, in the centre's zone
    printed_by: str  # display name
    reprint: bool
    reason: str
    document_number: str
    kept: bool  # the bytes are on this PC (a record restored from the hub has none)


class DocumentService:
    """The papers of a case: print (compose, render, record), history, reprint."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def account(self, username: str) -> SignedInUser:
        """An active account by user name (the CLI acts as one); NotFound otherwise."""
        with self.ctx.uow(read_only=True) as uow:
            u = uow.session.scalars(select(User).where(User.username == username.strip())).first()
            if u is None or not u.active:
                raise NotFound("NOT_FOUND", f"没有可用的账号 {username}")
            return SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)

    # --- use cases --------------------------------------------------------------------------

    def print_case(
        self, user: SignedInUser, case_id: uuid.UUID, kind: str, *, paper: str | None = None
    ) -> PrintedPaper:
        """Compose the case's paper of `kind` from what is stored, render it and record the print,
        all in one transaction (the bytes handed back are the bytes kept)."""
        if kind not in CASE_KINDS:
            raise ValidationError("PRINT_KIND", "打印文书类型无效", "kind")
        chosen = paper or (Paper.ROLL_80MM.value if kind == "receipt" else Paper.A4.value)
        if kind != "receipt" and chosen != Paper.A4.value:
            raise ValidationError("PRINT_PAPER", f"{KIND_LABELS[kind]}只能用 A4 纸打印", "paper")
        with self.ctx.uow() as uow:
            case = get_or_404(uow.session, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            data, number = compose(uow, case, kind, user)
            from app.documents.render import render  # reportlab: loaded at the first print

            pdf = render(kind, data, chosen)
            view = store_print(
                uow,
                user,
                kind,
                pdf,
                centre_id=case.centre_id,
                case_id=case.id,
                document_number=number,
                now=self.ctx.clock(),
            )
            return PrintedPaper(
                kind, KIND_LABELS[kind], pdf, chosen, file_name(kind, case.case_number), view
            )

    def print_for_intake(
        self, user: SignedInUser, result: IntakeResult, *, paper: str | None = None
    ) -> PrintedPaper:
        """The paper an intake use case calls for (its `kind`), for the case it opened."""
        return self.print_case(user, result.case_id, result.kind, paper=paper)

    def print_form(self, user: SignedInUser, data: ApplicationFormData) -> PrintedPaper:
        """An application form to sign (no case yet): headed with the centre, rendered, recorded."""
        if user.centre_id is None:
            raise ValidationError("PRINT_CENTRE", "无法确定打印所属的服务中心")
        with self.ctx.uow() as uow:
            data = replace(data, centre=paper_centre(load_settings(uow.session, user.centre_id)))
            from app.documents.render import render

            pdf = render("form", data, Paper.A4.value)
            view = store_print(
                uow,
                user,
                "form",
                pdf,
                centre_id=user.centre_id,
                document_number=data.matter_code,
                now=self.ctx.clock(),
            )
            return PrintedPaper(
                "form",
                KIND_LABELS["form"],
                pdf,
                Paper.A4.value,
                file_name("form", data.matter_code),
                view,
            )

    def history(self, user: SignedInUser, case_id: uuid.UUID) -> list[PrintHistoryRow]:
        """Every print of the case, newest first: kind, time, who, and why for a reprint."""
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            case = get_or_404(s, Case, case_id, "办件")
            require_centre(user, case.centre_id)
            rows = s.execute(
                select(PrintedDocument, User.display_name)
                .outerjoin(User, User.id == PrintedDocument.printed_by)
                .where(PrintedDocument.case_id == case_id)
                .order_by(PrintedDocument.printed_at.desc(), PrintedDocument.id.desc())
            ).all()
            return [
                PrintHistoryRow(
                    id=d.id,
                    kind=d.kind,
                    kind_label=FILE_TITLES.get(d.kind, d.kind),
                    printed_at=local_time(d.printed_at),
                    printed_by=name or "—",
                    reprint=d.reprint_of is not None,
                    reason=d.reason,
                    document_number=d.document_number,
                    kept=bool(d.sha256) and d.content is not None and len(d.content) > 0,
                )
                for d, name in rows
            ]

    def reprint(self, user: SignedInUser, print_id: uuid.UUID, reason: str) -> PrintedPaper:
        """Send again the exact bytes of a print of a case, recorded as a reprint with its reason."""
        reason = reason.strip()
        if not reason:
            raise ValidationError("FIELD_REQUIRED", "补打须填写原因", "reason")
        if len(reason) > 200:
            raise ValidationError("FIELD_TOO_LONG", "补打原因不能超过 200 个字", "reason")
        with self.ctx.uow() as uow:
            s = uow.session
            original = get_or_404(s, PrintedDocument, print_id, "打印记录")
            require_centre(user, original.centre_id)
            pdf = bytes(original.content or b"")
            if not pdf:
                raise NotFound("PRINT_NOT_KEPT", "本机没有这份文书的原件，不能补打")
            if hashlib.sha256(pdf).hexdigest() != original.sha256:
                raise ValidationError("PRINT_CORRUPT", "打印存档校验失败，内容可能已被改动")
            case = s.get(Case, original.case_id) if original.case_id else None
            view = store_print(
                uow,
                user,
                original.kind,
                pdf,
                centre_id=original.centre_id,
                case_id=original.case_id,
                ticket_id=original.ticket_id,
                document_number=original.document_number,
                reprint_of=original.id,
                reason=reason,
                now=self.ctx.clock(),
            )
            paper = _paper_of(pdf)
            return PrintedPaper(
                original.kind,
                FILE_TITLES.get(original.kind, original.kind),
                pdf,
                paper,
                file_name(original.kind, case.case_number if case else ""),
                view,
            )

    def paper_for_case_number(
        self, user: SignedInUser, case_number: str, kind: str
    ) -> tuple[PrintedPaper, bool]:
        """The CLI's `print KIND --case N`: (paper, was already recorded). The latest recorded first
        print of that kind when there is one (its bytes, not recorded again), else composed and recorded."""
        case_number = case_number.strip()
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            case = s.scalars(select(Case).where(Case.case_number == case_number)).first()
            if case is None:
                raise NotFound("NOT_FOUND", f"找不到办件 {case_number}")
            require_centre(user, case.centre_id)
            last = s.scalars(
                select(PrintedDocument)
                .where(
                    PrintedDocument.case_id == case.id,
                    PrintedDocument.kind == kind,
                    PrintedDocument.reprint_of.is_(None),
                )
                .order_by(PrintedDocument.printed_at.desc())
                .limit(1)
            ).first()
            case_id = case.id
            kept = last is not None and bool(last.content)
        if last is not None and kept:
            pdf = PrintService(self.ctx).get_print(last.id, user)
            return (
                PrintedPaper(
                    kind,
                    KIND_LABELS.get(kind, kind),
                    pdf,
                    _paper_of(pdf),
                    file_name(kind, case_number),
                    PrintService.view(last),
                ),
                True,
            )
        return self.print_case(user, case_id, kind, paper=Paper.A4.value), False


def _paper_of(pdf: bytes) -> str:
    """A4 or 80mm, from the first page's MediaBox width (an 80 mm roll is ~227 pt wide)."""
    import re

    m = re.search(rb"/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+([\d.]+)", pdf)
    return Paper.ROLL_80MM.value if m and float(m.group(1)) < 300 else Paper.A4.value
