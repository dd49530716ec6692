"""The queue bar of the window: the ticket being served, call next / recall / skip / hold / transfer."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QHeaderView, QLabel, QTableView, QVBoxLayout

from app.services.bootstrap import Services
from app.services.counter_dto import TicketView, WaitingRow
from app.services.dto import SignedInUser
from app.services.types import local_time
from ui.background import BackgroundOp
from ui.counter.common import error_text, plain_label, show_error, tr
from ui.table_model import Column, RowTableModel

REFRESH_MS = 5000


class QueuePanel(QGroupBox):
    """Emits `called(TicketView)` after a successful call-next, `message(str)` for the status bar."""

    called = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        services: Services,
        user: SignedInUser | None,
        counter_id: uuid.UUID | None,
        centre_id: uuid.UUID | None,
    ) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.counter_id = counter_id
        self.centre_id = centre_id
        self.ticket: TicketView | None = None
        self.skipped: TicketView | None = None
        self.current = plain_label()
        self.current.setObjectName("currentTicket")
        self.current.setStyleSheet("font-size: 26px; font-weight: bold; color: #0d47a1;")
        self.detail = plain_label()
        self.detail.setWordWrap(True)
        self.error = plain_label()
        self.error.setWordWrap(True)
        self.model: RowTableModel[WaitingRow] = RowTableModel(
            [
                Column("", lambda w: w.number),
                Column("", lambda w: w.priority_label),
                Column("", lambda w: local_time(w.issued_at).strftime("%H:%M")),
            ]
        )
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.waiting_title = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addWidget(self.detail)
        layout.addWidget(self.error)
        layout.addWidget(self.waiting_title)
        layout.addWidget(self.view, 1)
        self._refreshing = False
        # Tickets issued at the kiosk appear without the clerk doing anything.
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.translateUI()

    def translateUI(self) -> None:
        self.setTitle(tr("叫号"))
        self.model.set_columns_titles([tr("号码"), tr("类别"), tr("取号")])
        self._show()

    def _show(self) -> None:
        t = self.ticket
        if t is None:
            self.current.setText(tr("—"))
            self.detail.setText(tr("按 F2 呼叫下一位"))
        else:
            self.current.setText(t.number)
            extra = f" · {t.comment}" if t.comment else ""
            self.detail.setText(f"{t.status_label} · {t.priority_label}{extra}")
        self.waiting_title.setText(tr("等候 %d 人") % self.model.rowCount())

    def refresh(self) -> None:
        centre = self.centre_id
        if centre is None or self._refreshing:
            return
        self._refreshing = True
        BackgroundOp(lambda: self.services.queue.waiting_list(centre)).success(
            self._waiting
        ).failure(self._refresh_failed).run()

    def _waiting(self, rows: list[WaitingRow]) -> None:
        self._refreshing = False
        self.model.set_rows(rows)
        self._show()

    def _refresh_failed(self, _exc: Exception) -> None:
        self._refreshing = False

    def _run(
        self, fn: Callable[[], TicketView | None], done: Callable[[TicketView | None], None]
    ) -> None:
        if self.user is None or self.counter_id is None:
            self._not_ready()
            return
        self.error.clear()
        BackgroundOp(fn).success(done).failure(self._failed).run()

    def _not_ready(self) -> None:
        show_error(
            self.error,
            tr("尚未登录")
            if self.user is None
            else tr("本机尚未设置窗口，无法叫号：请在“设置 → 本机设置”中选择本窗口"),
        )

    def _failed(self, exc: Exception) -> None:
        show_error(self.error, error_text(exc))
        self.message.emit(error_text(exc))

    def call_next(self) -> None:
        user, counter = self.user, self.counter_id
        if user is None or counter is None:
            self._not_ready()
            return
        self._run(lambda: self.services.queue.call_next(counter, user), self._called)

    def pick_up_open(self) -> None:
        """At start: a ticket this window left called or in service (a restart, the clerk before
        signing out) becomes the current one again, to be finished or skipped, not stranded."""
        user, counter = self.user, self.counter_id
        if user is None or counter is None or self.ticket is not None:
            return
        BackgroundOp(lambda: self.services.queue.open_at_window(counter, user)).success(
            self._picked_up
        ).failure(self._failed).run()

    def _picked_up(self, t: TicketView | None) -> None:
        if t is None or self.ticket is not None:  # nothing left, or the clerk called already
            return
        self.ticket = t
        self._show()
        self.message.emit(tr("接续本窗口未结束的号 %s（%s）") % (t.number, t.status_label))
        self.called.emit(t)

    def _called(self, t: TicketView | None) -> None:
        self.ticket = t
        self.refresh()
        self._show()
        if t is None:
            self.message.emit(tr("目前没有等候的群众"))
            return
        self.message.emit(tr("已呼叫 %s") % t.number)
        self.called.emit(t)

    def _ticket_op(
        self,
        op: Callable[[uuid.UUID, SignedInUser], TicketView],
        after: Callable[[TicketView | None], None] | None = None,
    ) -> None:
        t, user = self.ticket, self.user
        if t is None or user is None:
            show_error(self.error, tr("当前没有号码"))
            return
        self._run(lambda: op(t.id, user), after or self._changed)

    def _changed(self, t: TicketView | None) -> None:
        self.ticket = t
        self.refresh()
        self._show()

    def recall(self) -> None:
        self._ticket_op(self.services.queue.recall)

    def skip(self) -> None:
        def skipped(t: TicketView | None) -> None:
            self.skipped = t
            self._changed(None)
            self.message.emit(tr("已过号"))

        self._ticket_op(self.services.queue.skip, skipped)

    def requeue(self) -> None:
        t, user = self.skipped, self.user
        if t is None or user is None:
            show_error(self.error, tr("没有过号的号码"))
            return
        self._run(lambda: self.services.queue.requeue(t.id, user), lambda _t: self.refresh())
        self.skipped = None

    def hold(self) -> None:
        self._ticket_op(self.services.queue.hold, lambda _t: self._changed(None))

    def start_serving(self) -> None:
        if self.ticket is not None and self.ticket.status == "called":
            self._ticket_op(self.services.queue.start_serving)

    def transfer(self, to_group: str, comment: str) -> None:
        q = self.services.queue
        self._ticket_op(
            lambda tid, u: q.transfer(tid, u, comment=comment, to_group=to_group),
            lambda _t: self._changed(None),
        )

    def finish(self, after: Callable[[TicketView | None], None]) -> None:
        def done(t: TicketView | None) -> None:
            self._changed(None)
            after(t)

        if self.ticket is None:
            after(None)
            return
        self._ticket_op(self.services.queue.finish, done)
