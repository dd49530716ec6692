"""大厅实况: the live hall on the supervisor's page, refreshed every few seconds on the database lane."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import AtRiskTicket, GroupNow, LiveHall, WindowNow, local_time
from ui.background import BackgroundOp, RequestToken
from ui.i18n import tr
from ui.table_model import Column, RowTableModel, row_table_view

REFRESH_MS = 5_000


def _minutes(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


class HallPanel(QWidget):
    """Queues, windows and long waits now; a timer asks for a new LiveHall while the panel is
    shown, never twice at once (a slow database does not pile up requests)."""

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.token = RequestToken()
        self.groups: RowTableModel[GroupNow] = RowTableModel(
            [
                Column(tr("业务分组"), lambda g: f"{g.prefix} {g.name}".strip()),
                Column(tr("等候人数"), lambda g: g.waiting, True),
                Column(tr("最长等候（分）"), lambda g: _minutes(g.longest_wait_minutes), True),
                Column(tr("超时预警"), lambda g: g.at_risk, True),
            ],
            attention=lambda g: g.at_risk > 0,
        )
        self.windows: RowTableModel[WindowNow] = RowTableModel(
            [
                Column(tr("窗口"), lambda w: w.name),
                Column(tr("状态"), lambda w: w.state_label),
                Column(tr("号码"), lambda w: w.ticket_number),
                Column(tr("办事群众"), lambda w: w.resident),
                Column(tr("工作人员"), lambda w: w.clerk),
                Column(tr("已用时（分）"), lambda w: _minutes(w.minutes), True),
            ],
            attention=lambda w: w.state == "paused",
        )
        self.at_risk: RowTableModel[AtRiskTicket] = RowTableModel(
            [
                Column(tr("号码"), lambda t: t.number),
                Column(tr("业务分组"), lambda t: t.group_name),
                Column(tr("类别"), lambda t: t.priority_label),
                Column(tr("取号时间"), lambda t: local_time(t.issued_at).strftime("%H:%M")),
                Column(tr("已等候（分）"), lambda t: _minutes(t.waited_minutes), True),
            ],
            attention=lambda _t: True,
        )
        self.summary = QLabel()
        self.summary.setObjectName("hallSummary")
        self.summary.setStyleSheet("font-size: 15px; padding: 4px;")
        self.threshold = QSpinBox()
        self.threshold.setRange(5, 180)
        self.threshold.setSuffix(tr(" 分钟"))
        self.save_threshold = QPushButton(tr("设为长时等候提醒"))
        self.save_threshold.clicked.connect(self.set_threshold)
        self.risk_title = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel(tr("等候超过")))
        top.addWidget(self.threshold)
        top.addWidget(self.save_threshold)
        grid = QGridLayout()
        grid.addWidget(QLabel(tr("各分组等候")), 0, 0)
        grid.addWidget(QLabel(tr("窗口状态")), 0, 1)
        grid.addWidget(row_table_view(self.groups), 1, 0)
        grid.addWidget(row_table_view(self.windows), 1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid, 2)
        layout.addWidget(self.risk_title)
        layout.addWidget(row_table_view(self.at_risk), 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.hall: LiveHall | None = None

    def load(self) -> None:
        self.refresh()
        self.timer.start()

    def _tick(self) -> None:
        if self.isVisible() and not self.token.pending:
            self.refresh()

    def refresh(self) -> None:
        BackgroundOp(lambda: self.services.hall.live(self.user), parent=self).latest(
            self.token
        ).success(self.show_hall).failure(self._failed).run()

    def _failed(self, exc: Exception) -> None:
        # A refresh that failed (the database busy, the network share gone) must not stack up
        # message boxes every five seconds: the summary says so and the next tick tries again.
        self.summary.setText(tr("大厅实况暂时无法刷新：%s") % type(exc).__name__)

    def show_hall(self, hall: LiveHall) -> None:
        first = self.hall is None
        self.hall = hall
        self.groups.set_rows(hall.groups)
        self.windows.set_rows(hall.windows)
        self.at_risk.set_rows(hall.at_risk)
        if first or not self.threshold.hasFocus():
            self.threshold.setValue(hall.long_wait_minutes)
        serving = sum(1 for w in hall.windows if w.state in ("serving", "called"))
        longest = hall.longest_wait_minutes
        self.summary.setText(
            tr("%s　等候 %d 人 · 当前最长等候 %s · 办理中窗口 %d/%d · 超时预警 %d")
            % (
                local_time(hall.at).strftime("%H:%M:%S"),
                hall.waiting,
                tr("—") if longest is None else tr("%s 分钟") % f"{longest:g}",
                serving,
                len(hall.windows),
                hall.at_risk_count,
            )
        )
        self.risk_title.setText(
            tr("等候超过 %d 分钟的号（%d）") % (hall.long_wait_minutes, hall.at_risk_count)
        )

    def set_threshold(self) -> None:
        minutes = self.threshold.value()
        BackgroundOp(
            lambda: self.services.hall.set_long_wait_minutes(self.user, minutes), parent=self
        ).success(lambda _m: self.refresh()).run()
