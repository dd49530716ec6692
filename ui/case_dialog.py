"""A case opened from a supervisor's list: its facts and its timeline (督办 and 延期 included)."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.services.bootstrap import Services
from app.services.counter_dto import CaseDetail
from app.services.dto import SignedInUser
from ui.background import BackgroundOp
from ui.counter.case_models import EventTableModel
from ui.i18n import tr
from ui.table_model import row_table_view


class CaseDialog(QDialog):
    """Read-only; loads the case off the GUI thread (the service audits the viewing)."""

    def __init__(
        self, services: Services, user: SignedInUser, case_id: uuid.UUID, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("办件详情"))
        self.resize(820, 480)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.events = EventTableModel(self)
        self.timeline = row_table_view(self.events)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.facts)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(buttons)
        BackgroundOp(lambda: services.cases.detail(case_id, user)).success(self._show).run()

    def _show(self, d: CaseDetail) -> None:
        s = d.summary
        due = s.due_date.isoformat() if s.due_date else tr("无")
        self.facts.setText(
            tr("办件编号 %s · %s · %s · 办结期限 %s · 申请人 %s")
            % (s.case_number, s.matter_name, s.status_label, due, s.applicant_name_masked)
        )
        self.events.set_rows(list(d.events))
