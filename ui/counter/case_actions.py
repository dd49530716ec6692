"""Case actions outside intake: supervisor-recorded decisions, hand-over with the collection note, reprint."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QLabel, QWidget

from app.services.bootstrap import Services
from app.services.counter_dto import CaseDetail
from app.services.dto import CaseSummary, CentreInfo, SignedInUser
from app.services.types import PrintHistoryRow
from ui.background import BackgroundOp
from ui.counter.cases_page import CaseList
from ui.counter.common import error_text, show_error, show_ok, tr
from ui.counter.dialogs import DecisionDialog, HandOverDialog
from ui.counter.documents_glue import DocumentDesk
from ui.counter.print_history import ReprintDialog

READY_AFTER = ("approve", "approve_deferred", "deny")


def case_text(c: CaseSummary) -> str:
    return f"{c.case_number} · {c.matter_name} · {c.applicant_name_masked}"


class CaseActions:
    """Ctrl+D (值班长代录部门决定), Ctrl+L (结果领取), Ctrl+P (补打) on the selected case."""

    def __init__(
        self, parent: QWidget, services: Services, user: SignedInUser | None, desk: DocumentDesk
    ) -> None:
        self.parent, self.services, self.user, self.desk = parent, services, user, desk
        self.centre: CentreInfo | None = None
        self.window_name = ""

    def record_decision(self, page: CaseList, after: object = None) -> None:
        c, user = page.current(), self.user
        if c is None or user is None:
            show_error(page.info, tr("请先在列表中选择办件"))
            return
        if user.role not in ("supervisor", "admin"):
            show_error(page.info, tr("只有值班长或管理员可以代录部门决定"))
            return
        dialog = DecisionDialog(case_text(c), self.parent)
        if not dialog.exec():
            return
        code, reason = dialog.code(), dialog.reason.toPlainText()
        department = dialog.department.text()
        cases = self.services.cases

        def work() -> CaseSummary:
            done = cases.record_department_decision(
                c.id, user, code, reason=reason, department=department
            )
            if code in READY_AFTER:
                done = cases.notify_ready(c.id, user, tr("部门决定已录入，通知领取"))
            return done

        def ok(s: CaseSummary) -> None:
            show_ok(page.info, tr("已录入部门决定：%s（%s）") % (s.case_number, s.status_label))
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()

        BackgroundOp(work).success(ok).failure(lambda e: show_error(page.info, error_text(e))).run()

    def hand_over(self, page: CaseList) -> None:
        c, user, centre = page.current(), self.user, self.centre
        if c is None or user is None or centre is None:
            show_error(page.info, tr("请先在列表中选择办件"))
            return
        dialog = HandOverDialog(case_text(c), self.parent)
        if not dialog.exec():
            return
        who, note = dialog.collected_by(), dialog.note.text()
        cases = self.services.cases

        def work() -> CaseDetail:
            cases.deliver(c.id, user, collected_by=who, note=note)
            return cases.detail(c.id, user)

        def ok(d: CaseDetail) -> None:
            self.desk.print_case(d.summary.id, "completion")
            show_ok(page.info, tr("已登记领取：%s，正在打印领取凭证") % d.summary.case_number)
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()

        BackgroundOp(work).success(ok).failure(lambda e: show_error(page.info, error_text(e))).run()

    def reprint(self, case_id: uuid.UUID | None, case_label: str, info: QLabel) -> None:
        """Ctrl+P: the print history of the selected case (works after a restart: it is in the
        database); the clerk picks a print and says why, and its stored bytes are sent again."""
        user = self.user
        if case_id is None or user is None:
            show_error(info, tr("请先选择办件，再补打它的文书"))
            return
        docs = self.services.documents

        def chosen(rows: list[PrintHistoryRow]) -> None:
            if not rows:
                show_error(info, tr("该办件还没有打印过文书"))
                return
            dialog = ReprintDialog(case_label, rows, self.parent)
            picked = dialog.chosen() if dialog.exec() else None
            if picked is not None:
                self.desk.reprint(picked.id, dialog.reason.text())
                show_ok(info, tr("正在补打：%s") % picked.kind_label)

        BackgroundOp(lambda: docs.history(user, case_id)).success(chosen).failure(
            lambda e: show_error(info, error_text(e))
        ).run()
