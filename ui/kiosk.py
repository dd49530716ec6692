"""The touch-screen ticket kiosk: pick a service group, optional priority and ID, get a printed slip."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import BoardState, GroupWaiting, IssuedTicket
from app.services.dto import CentreInfo
from app.services.types import DomainError, PriorityClass
from ui.background import BackgroundOp
from ui.board import named
from ui.i18n import tr
from ui.kiosk_style import PRIORITIES, STYLE
from ui.printing import ROLL, PdfPrinter, PrintRequest

log = logging.getLogger(__name__)

IDLE_CLEAR_MS = 15000  # an ID number or an error left on the kiosk is wiped after this long


Issued = IssuedTicket


class KioskWindow(QWidget):
    """Touch buttons per service group; number keys 1–9 pick a group; a reader's burst fills the ID.

    slip_dir: print slips into PDF files there (tests, demo) instead of the receipt printer."""

    burst_ms = 120  # keys closer than this come from a keyboard-wedge ID reader, not a person

    def __init__(
        self,
        services: Services,
        *,
        printer: PdfPrinter | None = None,
        slip_dir: Path | None = None,
        refresh_ms: int = 5000,
        result_ms: int = 8000,
        idle_ms: int = IDLE_CLEAR_MS,
    ) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.services = services
        self.queue = services.queue
        self.centres = services.centre
        self.printer = printer or PdfPrinter(self)
        self.slip_dir = slip_dir
        self.centre: CentreInfo | None = None
        self.groups: list[GroupWaiting] = []
        self.group_buttons: list[QPushButton] = []
        self.last_issued: Issued | None = None
        self.busy = False
        self._keys = ""
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.pages = QStackedWidget(self)
        root = QVBoxLayout(self)
        root.setContentsMargins(48, 32, 48, 32)
        root.addWidget(self.pages)

        choose = QWidget()
        col = QVBoxLayout(choose)
        col.setSpacing(18)
        self.title = named(QLabel(), "title")
        self.centre_label = named(QLabel(), "centre")
        col.addWidget(self.title, alignment=Qt.AlignmentFlag.AlignHCenter)
        col.addWidget(self.centre_label, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        col.addLayout(self.grid, 1)

        prio_row = QHBoxLayout()
        self.priority_label = named(QLabel(), "hint")
        prio_row.addWidget(self.priority_label)
        self.priority_buttons: dict[PriorityClass, QPushButton] = {}
        for p in PRIORITIES:
            b = named(QPushButton(), "priority", checkable=True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.toggled.connect(lambda on, p=p: self._priority_toggled(p, on))
            self.priority_buttons[p] = b
            prio_row.addWidget(b)
        prio_row.addStretch(1)
        col.addLayout(prio_row)

        id_row = QHBoxLayout()
        self.id_label = named(QLabel(), "hint")
        self.id_edit = QLineEdit()
        self.id_edit.setMaxLength(18)
        self.id_edit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.id_edit.textChanged.connect(self._id_changed)
        self.id_edit.returnPressed.connect(self.setFocus)
        self.id_edit.installEventFilter(self)  # its keys go through the kiosk's key routing
        self.id_hint = named(QLabel(), "hint")
        id_row.addWidget(self.id_label)
        id_row.addWidget(self.id_edit, 3)
        id_row.addWidget(self.id_hint, 2)
        col.addLayout(id_row)
        self.status = named(QLabel(), "status")
        col.addWidget(self.status, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.pages.addWidget(choose)

        result = QWidget()
        rcol = QVBoxLayout(result)
        rcol.addStretch(1)
        self.result_head = named(QLabel(), "resultHead")
        self.result_number = named(QLabel(), "resultNumber")
        self.result_ahead = named(QLabel(), "resultAhead")
        self.result_hint = named(QLabel(), "hint")
        for w in (self.result_head, self.result_number, self.result_ahead, self.result_hint):
            rcol.addWidget(w, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.again = named(QPushButton(), "again")
        self.again.clicked.connect(self.back_to_choice)
        rcol.addSpacing(24)
        rcol.addWidget(self.again, alignment=Qt.AlignmentFlag.AlignHCenter)
        rcol.addStretch(1)
        self.pages.addWidget(result)

        self.result_timer = QTimer(self, interval=result_ms)
        self.result_timer.setSingleShot(True)
        self.result_timer.timeout.connect(self.back_to_choice)
        self.key_timer = QTimer(self, singleShot=True, interval=self.burst_ms)
        self.key_timer.timeout.connect(self._flush_keys)
        self.refresh_timer = QTimer(self, interval=refresh_ms)
        self.refresh_timer.timeout.connect(self.refresh)
        self.idle_timer = QTimer(self, singleShot=True, interval=idle_ms)
        self.idle_timer.timeout.connect(self.clear_personal)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("自助取号"))
        self.title.setText(tr("请选择要办理的业务"))
        self.centre_label.setText(self.centre.name if self.centre else "")
        self.priority_label.setText(tr("优先取号："))
        names = {
            PriorityClass.ELDERLY: tr("老年人优先"),
            PriorityClass.DISABLED: tr("残疾人优先"),
            PriorityClass.PREGNANT: tr("孕妇优先"),
            PriorityClass.SERVICEMAN: tr("军人优先"),
        }
        for p, b in self.priority_buttons.items():
            b.setText(names[p])
        self.id_label.setText(tr("身份证号（可不填）："))
        self.id_edit.setPlaceholderText(tr("请刷身份证，60岁以上自动优先"))
        self.again.setText(tr("继续取号"))
        self.result_hint.setText(tr("请取走号票，留意叫号屏和语音提示"))
        self._update_buttons()

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the centre and the groups, then keep the waiting counts fresh."""

        def fetch() -> tuple[CentreInfo, BoardState]:
            centre = self.centres.overview().centre
            return centre, self.queue.board_state(centre.id, recent=0)

        BackgroundOp(fetch).success(self._loaded).failure(self._failed).run()
        self.refresh_timer.start()

    def _loaded(self, result: tuple[CentreInfo, BoardState]) -> None:
        self.centre, board = result
        self.centre_label.setText(self.centre.name)
        self._set_groups(board)

    def refresh(self) -> None:
        if self.centre is None:
            self.load()
            return
        centre_id = self.centre.id
        BackgroundOp(lambda: self.queue.board_state(centre_id, recent=0)).success(
            self._set_groups
        ).run()

    def _set_groups(self, board: BoardState) -> None:
        if [g.code for g in board.groups] != [g.code for g in self.groups]:
            for b in self.group_buttons:
                b.deleteLater()
            self.group_buttons = []
            columns = 3 if len(board.groups) > 4 else 2
            for i, g in enumerate(board.groups):
                b = named(QPushButton(), "group")
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
                b.clicked.connect(lambda _=False, code=g.code: self.issue(code))
                self.grid.addWidget(b, i // columns, i % columns)
                self.group_buttons.append(b)
        self.groups = list(board.groups)
        self._update_buttons()

    def _update_buttons(self) -> None:
        for i, (g, b) in enumerate(zip(self.groups, self.group_buttons, strict=True)):
            key = f"{i + 1}  " if i < 9 else ""
            b.setText(f"{key}{g.prefix}  {g.name}\n" + tr("正在等候 {n} 人").format(n=g.waiting))

    # --- priority and ID ----------------------------------------------------------------------

    def _priority_toggled(self, p: PriorityClass, on: bool) -> None:
        self._touched()
        if on:  # one class at a time; pressing the lit one again turns it off
            for other, b in self.priority_buttons.items():
                if other is not p:
                    b.setChecked(False)

    def priority(self) -> PriorityClass:
        for p, b in self.priority_buttons.items():
            if b.isChecked():
                return p
        return PriorityClass.NORMAL

    def _id_changed(self, text: str) -> None:
        self._touched()
        text = text.strip().upper()
        if len(text) < 15:
            self.id_hint.setText("")
            return
        try:
            earned = self.queue.priority_for_id(text)
        except DomainError:
            self.id_hint.setText(tr("号码有误，请核对"))
            return
        if earned is PriorityClass.ELDERLY:
            self.id_hint.setText(tr("已识别为老年人，自动优先"))
            self.priority_buttons[PriorityClass.ELDERLY].setChecked(True)
        else:
            self.id_hint.setText(tr("已读取"))

    # --- keys: 1–9 pick a group; a fast burst is an ID reader --------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys typed while the ID field has focus: number keys still pick a group."""
        if (
            watched is self.id_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and self._route_key(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._route_key(event):
            super().keyPressEvent(event)

    def _route_key(self, event: QKeyEvent) -> bool:
        """True when the key was a group choice, part of a reader's burst, or closed the result."""
        self._touched()
        text = event.text().upper()
        if self.pages.currentIndex() == 1 and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Escape,
            Qt.Key.Key_Space,
        ):
            self.back_to_choice()
            return True
        if text and (text.isdigit() or text == "X"):
            self._keys += text
            self.key_timer.start()
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and len(self._keys) > 1:
            self.key_timer.stop()
            self._flush_keys()
            return True
        return False

    def _flush_keys(self) -> None:
        keys, self._keys = self._keys, ""
        if len(keys) > 1:  # a reader typed a whole number
            self.id_edit.setText(keys)
        elif keys.isdigit() and keys != "0" and self.pages.currentIndex() == 0:
            index = int(keys) - 1
            if index < len(self.groups):
                self.issue(self.groups[index].code)

    # --- issuing ------------------------------------------------------------------------------

    def issue(self, group_code: str) -> None:
        if self.busy or self.centre is None:
            return
        self.busy = True
        for b in self.group_buttons:
            b.setEnabled(False)
        centre = self.centre
        priority = self.priority()
        id_number = self.id_edit.text().strip().upper() or None
        self._clear_id()  # the number leaves the screen with the ticket
        self._set_status(tr("正在取号，请稍候…"))

        def work() -> Issued:
            return self.queue.issue_ticket_with_slip(
                centre.id, group_code, priority, id_number=id_number
            )

        BackgroundOp(work).success(self._issued).failure(self._failed).run()

    def _issued(self, issued: Issued) -> None:
        self.busy = False
        self.last_issued = issued
        t = issued.ticket
        self._print(issued)
        self.result_head.setText(tr("您的号码"))
        self.result_number.setText(t.number)
        self.result_ahead.setText(tr("前面还有 {n} 人").format(n=t.waiting_ahead))
        self.pages.setCurrentIndex(1)
        self.setFocus()
        self.result_timer.start()
        self.refresh()

    def result_message(self) -> str:
        """The sentence the result page shows, e.g. 您的号码 A017，前面还有 3 人."""
        if self.last_issued is None:
            return ""
        t = self.last_issued.ticket
        return tr("您的号码 {number}，前面还有 {n} 人").format(number=t.number, n=t.waiting_ahead)

    def _print(self, issued: Issued) -> None:
        number = issued.ticket.number
        if self.slip_dir is not None:
            self.printer.print_to_file(issued.slip_pdf, self.slip_dir / f"{number}.pdf", ROLL)
            return
        name = self.printer.printer_for(ROLL)
        if not name:  # never a save dialog on a kiosk: the number is on the screen
            log.warning("kiosk: no receipt printer, slip %s not printed", number)
            self.result_hint.setText(tr("打印机暂时无法出票，请记住您的号码"))
            return
        self.printer.start(PrintRequest(issued.slip_pdf, ROLL, printer_name=name, title=number))

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        for b in self.group_buttons:
            b.setEnabled(True)
        if isinstance(exc, DomainError | LookupError):  # a message written for people
            self._set_status(getattr(exc, "message", str(exc)), error=True)
        else:
            log.error("kiosk: %s", exc)
            self._set_status(tr("暂时无法取号，请到服务台咨询"), error=True)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    # --- nothing personal stays on the screen ----------------------------------------------

    def _touched(self) -> None:
        """Someone is at the kiosk: the idle clock starts again."""
        self.idle_timer.start()

    def _clear_id(self) -> None:
        self.id_edit.blockSignals(True)
        self.id_edit.clear()
        self.id_edit.blockSignals(False)
        self.id_hint.setText("")

    def clear_personal(self) -> None:
        """After a while untouched: no ID, no hint, no red message, no priority left behind."""
        self._clear_id()
        if self.pages.currentIndex() == 0 and not self.busy:
            self._set_status("")
        for b in self.priority_buttons.values():
            b.blockSignals(True)
            b.setChecked(False)
            b.blockSignals(False)

    def back_to_choice(self) -> None:
        """Ready for the next resident: no priority, no ID left on the screen."""
        self.result_timer.stop()
        self.id_edit.clear()
        for b in self.priority_buttons.values():
            b.setChecked(False)
        for b in self.group_buttons:
            b.setEnabled(True)
        self.result_hint.setText(tr("请取走号票，留意叫号屏和语音提示"))
        self._set_status("")
        self.pages.setCurrentIndex(0)
        self.setFocus()
