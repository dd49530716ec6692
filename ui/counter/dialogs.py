"""Small keyboard dialogs of the counter: refusal reason, consultation, transfer, decision, hand-over, help."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.dto import ServiceGroupInfo
from ui.counter.common import ERROR_STYLE, tr
from ui.i18n import QT_TR_NOOP


def give_focus_back(dialog: QDialog) -> None:
    """After a dialog closes, its window is active again, so F-keys act at once.

    Without this the main window stays inactive on some platforms (offscreen, bare X11, and
    under a window manager when the dialog was the last active window) and shortcuts go nowhere.
    """
    owner = dialog.parentWidget()
    if owner is not None:
        top = owner.window()
        top.raise_()
        top.activateWindow()


class FocusReturn(QObject):
    """Whichever dialog of `window` closes — ours, a message box, Qt's own — the window is made
    active again, so the F-keys act at once (a dialog without its own give_focus_back, or one
    closed by the window manager, used to leave nothing with the keyboard)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide and isinstance(watched, QDialog):
            owner = watched.parentWidget()
            if owner is not None and owner.window() is self.window:
                QTimer.singleShot(0, self._activate)
        return super().eventFilter(watched, event)

    def _activate(self) -> None:
        """Only where nothing else has the keyboard (never taken from another window)."""
        active = QApplication.activeWindow()
        if active is not None and active.isVisible():
            return
        if self.window.isVisible() and QApplication.activeModalWidget() is None:
            self.window.raise_()
            self.window.activateWindow()


class _FormDialog(QDialog):
    """A form with OK/Cancel; Ctrl+Enter accepts from anywhere; `check()` may refuse with a message."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self._try_accept)

    def check(self) -> str:
        return ""

    def showEvent(self, event: QShowEvent) -> None:
        """Typing goes into the first field at once (a window manager gives focus to the dialog,
        not to a widget in it)."""
        super().showEvent(event)
        item = self.form.itemAt(0, QFormLayout.ItemRole.FieldRole)
        first = item.widget() if item is not None else None
        if first is not None:
            first.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def done(self, result: int) -> None:
        super().done(result)
        give_focus_back(self)

    def _try_accept(self) -> None:
        problem = self.check()
        if problem:
            self.message.setText(problem)
            return
        self.accept()


def _area() -> QPlainTextEdit:
    area = QPlainTextEdit()
    area.setTabChangesFocus(True)
    area.setFixedHeight(80)
    return area


class RejectDialog(_FormDialog):
    """不予受理: the reason is required; the legal basis defaults to the matter's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason = _area()
        self.basis = QLineEdit()
        self.reason_label, self.basis_label = QLabel(), QLabel()
        self.form.addRow(self.reason_label, self.reason)
        self.form.addRow(self.basis_label, self.basis)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("不予受理"))
        self.reason_label.setText(tr("不予受理理由 *"))
        self.basis_label.setText(tr("法律依据"))
        self.basis.setPlaceholderText(tr("留空则使用事项目录中的依据"))

    def check(self) -> str:
        return "" if self.reason.toPlainText().strip() else tr("请填写不予受理的理由")


class ConsultDialog(_FormDialog):
    """咨询登记: what was asked and answered."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = _area()
        self.note_label = QLabel()
        self.form.addRow(self.note_label, self.note)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("咨询登记"))
        self.note_label.setText(tr("咨询内容 *"))

    def check(self) -> str:
        return "" if self.note.toPlainText().strip() else tr("请填写咨询的内容和答复")


class TransferDialog(_FormDialog):
    """转窗: to another service group, with a comment (the ticket returns at the front)."""

    def __init__(self, groups: tuple[ServiceGroupInfo, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QComboBox()
        for g in groups:
            self.group.addItem(f"{g.prefix} {g.name}", g.code)
        self.comment = QLineEdit()
        self.group_label, self.comment_label = QLabel(), QLabel()
        self.form.addRow(self.group_label, self.group)
        self.form.addRow(self.comment_label, self.comment)
        self.comment.returnPressed.connect(self._try_accept)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("转窗"))
        self.group_label.setText(tr("转往业务分组"))
        self.comment_label.setText(tr("转办说明 *"))

    def check(self) -> str:
        return "" if self.comment.text().strip() else tr("请填写转办说明")


DECISIONS = (
    ("approve", QT_TR_NOOP("批准")),
    ("approve_deferred", QT_TR_NOOP("容缺批准")),
    ("deny", QT_TR_NOOP("不予批准")),
    ("accept", QT_TR_NOOP("部门已受理（未决定）")),
)


class DecisionDialog(_FormDialog):
    """值班长代录部门决定: kept as a decision event; an approval or denial may notify the resident."""

    def __init__(self, case_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_label = QLabel(case_text)
        self.decision = QComboBox()
        self.department = QLineEdit()
        self.reason = _area()
        self.labels = [QLabel() for _ in range(4)]
        self.form.addRow(self.labels[0], self.case_label)
        self.form.addRow(self.labels[1], self.decision)
        self.form.addRow(self.labels[2], self.department)
        self.form.addRow(self.labels[3], self.reason)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("录入部门决定（值班长）"))
        for label, text in zip(
            self.labels,
            (
                QT_TR_NOOP("办件"),
                QT_TR_NOOP("决定"),
                QT_TR_NOOP("决定部门 *"),
                QT_TR_NOOP("意见或理由 *"),
            ),
            strict=True,
        ):
            label.setText(tr(text))
        self.decision.clear()
        for code, text in DECISIONS:
            self.decision.addItem(tr(text), code)

    def code(self) -> str:
        return str(self.decision.currentData())

    def check(self) -> str:
        if not self.department.text().strip():
            return tr("请填写作出决定的部门")
        if not self.reason.toPlainText().strip():
            return tr("请填写部门决定的意见或理由")
        return ""


class HandOverDialog(_FormDialog):
    """结果领取: who collects (the applicant or the registered agent)."""

    def __init__(self, case_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_label = QLabel(case_text)
        self.collector = QComboBox()
        self.note = QLineEdit()
        self.labels = [QLabel() for _ in range(3)]
        self.form.addRow(self.labels[0], self.case_label)
        self.form.addRow(self.labels[1], self.collector)
        self.form.addRow(self.labels[2], self.note)
        self.note.returnPressed.connect(self._try_accept)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("结果领取"))
        for label, text in zip(
            self.labels, (QT_TR_NOOP("办件"), QT_TR_NOOP("领取人"), QT_TR_NOOP("备注")), strict=True
        ):
            label.setText(tr(text))
        self.collector.clear()
        self.collector.addItem(tr("申请人本人"), "applicant")
        self.collector.addItem(tr("代办人"), "agent")

    def collected_by(self) -> str:
        return str(self.collector.currentData())


class HelpOverlay(QDialog):
    """F1: every action of the registry with its key; Esc or F1 closes."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(len(rows), 3)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.hint = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.hint)
        QShortcut(QKeySequence("F1"), self, self.accept)
        self.resize(560, 640)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.translateUI()

    def done(self, result: int) -> None:
        super().done(result)
        give_focus_back(self)

    def translateUI(self) -> None:
        self.setWindowTitle(tr("快捷键帮助"))
        self.table.setHorizontalHeaderLabels([tr("按键"), tr("操作"), tr("说明")])
        self.hint.setText(tr("回车移到下一项；Esc 或 F1 关闭本窗口。"))
