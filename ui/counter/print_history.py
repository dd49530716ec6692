"""A case's print history (kind, time, who, why) on the case pages, and Ctrl+P: reprint one of them."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.types import PrintHistoryRow
from ui.counter.common import show_error, tr
from ui.table_model import Column, RowTableModel, row_table_view


class PrintHistoryModel(RowTableModel[PrintHistoryRow]):
    """The prints of one case, newest first; times are in the centre's zone (the service says so)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("", lambda p: p.printed_at.strftime("%Y-%m-%d %H:%M")),
                Column("", lambda p: p.kind_label),
                Column("", lambda p: p.document_number),
                Column("", lambda p: p.printed_by),
                Column("", lambda p: tr("补打：%s") % p.reason if p.reprint else tr("首次打印")),
            ],
            parent,
        )
        self.translateUI()

    def translateUI(self) -> None:
        self.set_columns_titles([tr("打印时间"), tr("文书"), tr("文号"), tr("经办人"), tr("说明")])


class ReprintDialog(QDialog):
    """补打: choose a print of THIS case and say why; the stored bytes are sent again."""

    def __init__(self, case_text: str, rows: list[PrintHistoryRow], parent: QWidget | None = None):
        super().__init__(parent)
        self.model = PrintHistoryModel(self)
        self.model.set_rows(rows)
        self.view = row_table_view(self.model)
        self.case_label = QLabel(case_text)
        self.reason_label = QLabel()
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.returnPressed.connect(self._try_accept)
        lay = QVBoxLayout(self)
        for w in (self.case_label, self.view, self.reason_label, self.reason, self.error):
            lay.addWidget(w)
        lay.addWidget(self.buttons)
        self.resize(720, 360)
        if rows:
            self.view.selectRow(0)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("补打文书"))
        self.reason_label.setText(tr("补打原因（必填）："))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("补打"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.model.translateUI()

    def chosen(self) -> PrintHistoryRow | None:
        row = self.view.currentIndex().row()
        return self.model.row(row) if row >= 0 else None

    def _try_accept(self) -> None:
        c = self.chosen()
        if c is None:
            show_error(self.error, tr("请选择要补打的文书"))
            return
        if not c.kept:
            show_error(self.error, tr("本机没有这份文书的原件，不能补打"))
            return
        if not self.reason.text().strip():
            show_error(self.error, tr("请填写补打原因"))
            self.reason.setFocus()
            return
        self.accept()
