"""The cases behind one row of the 统计 tab's matter, department or case-type table."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import PeriodCase, PeriodCases
from ui.background import BackgroundOp
from ui.case_dialog import CaseDialog
from ui.i18n import tr
from ui.table_model import Column, RowTableModel, row_table_view


def _dimension_title(dimension: str) -> str:
    titles = {"matter": tr("事项"), "department": tr("部门"), "case_type": tr("办件类型")}
    return titles.get(dimension, dimension)


def _model() -> RowTableModel[PeriodCase]:
    return RowTableModel(
        [
            Column(tr("办件编号"), lambda c: c.case_number),
            Column(tr("受理日期"), lambda c: c.received_on.isoformat()),
            Column(tr("事项"), lambda c: c.matter_name),
            Column(tr("状态"), lambda c: c.status_label),
            Column(tr("申请人"), lambda c: c.applicant_masked),
        ]
    )


class PeriodCasesDialog(QDialog):
    """Loads the cell's cases off the GUI thread; double-click or Enter opens a case."""

    def __init__(
        self,
        services: Services,
        user: SignedInUser,
        period: tuple[date, date],
        dimension: str,
        key: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.user = services, user
        self.first, self.last = period
        self.dimension, self.key = dimension, key
        what = _dimension_title(dimension)
        self.setWindowTitle(tr("%s：%s 的办件") % (what, key))
        self.resize(760, 420)
        self.title = QLabel(tr("正在加载…"))
        self.model = _model()
        self.view = row_table_view(self.model)
        # `activated`: a double-click. Enter is taken here (the filter below), as the view would
        # pass it on to this dialog, which would press a default button of the case dialog.
        self.view.activated.connect(self.open_case)
        self.view.installEventFilter(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)  # Enter on a case opens it, it does not close the list
        close.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.opened: list[CaseDialog] = []
        self.result_: PeriodCases | None = None

    def load(self) -> None:
        first, last, dim, key = self.first, self.last, self.dimension, self.key
        BackgroundOp(
            lambda: self.services.period_figures.cases(self.user, first, last, dim, key),
            parent=self,
        ).success(self._show).run()

    def _show(self, result: PeriodCases) -> None:
        self.result_ = result
        self.model.set_rows(list(result.cases))
        period = f"{result.first.isoformat()} — {result.last.isoformat()}"
        if result.truncated:
            self.title.setText(
                tr("%s　共 %d 件，按受理时间列出前 %d 件")
                % (period, result.total, len(result.cases))
            )
        else:
            self.title.setText(tr("%s　共 %d 件") % (period, result.total))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.open_case(self.view.currentIndex())
            return True
        return super().eventFilter(watched, event)

    def open_case(self, index: QModelIndex | QPersistentModelIndex) -> None:
        row = index.row()
        if not 0 <= row < self.model.rowCount():
            return
        item = self.model.row(row)
        dialog = CaseDialog(self.services, self.user, item.id, self)
        self.opened.append(dialog)
        dialog.finished.connect(lambda _r: self.opened.remove(dialog))
        dialog.open()
