"""The sync agent in the background of the GUI: rounds on a timer or on Ctrl+S, state in the status bar."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from app.services.types import SyncReport, SyncStatus, local_time
from ui.background import BackgroundOp, Lane
from ui.i18n import tr


class SyncRounds(Protocol):
    """What the controller needs of the sync service (Services.sync)."""

    def status(self) -> SyncStatus: ...

    def run_round(self) -> SyncReport: ...


def _when(moment: datetime | None) -> str:
    return local_time(moment).strftime("%m-%d %H:%M") if moment else tr("从未")


def describe(status: SyncStatus) -> tuple[str, str]:
    """(short status-bar text, tooltip) for a status; plain strings so it is testable without a screen."""
    if not status.enrolled:
        return tr("区级平台：未注册"), tr(
            "本中心尚未注册，运行 onewindow enrol --hub 地址 --code 注册码"
        )
    state = {None: tr("连接中"), True: tr("在线"), False: tr("离线")}[status.online]
    text = tr("区级平台：%s · 待发送 %d") % (state, status.waiting)
    if status.open_conflicts:
        text += tr(" · 冲突 %d") % status.open_conflicts
    if status.skew_warning and status.skew_seconds is not None:
        text += tr(" · 时钟偏差 %d 秒") % round(status.skew_seconds)
    tip = [
        tr("平台地址：%s") % status.hub_url,
        tr("上次成功：%s") % _when(status.last_success_at),
        tr("最早待发送：%s") % _when(status.oldest_unsent_at),
    ]
    if status.last_error:
        tip.append(tr("上次错误：%s") % status.last_error)
    return text, "\n".join(tip)


class SyncController(QObject):
    """Runs `SyncService.run_round` through the background helper on a timer and on demand; never two
    rounds at once; refreshes the status label after each round. The next round is due when the
    round's report says (`next_round_in`: the service's back-off after failures, the normal
    interval after a success); `interval_ms` only when a report does not say."""

    report = Signal(object)

    def __init__(
        self, sync: SyncRounds, label: QLabel, parent: QWidget, interval_ms: int = 60_000
    ) -> None:
        super().__init__(parent)
        self.sync = sync
        self.label = label
        self._running = False
        self._last: SyncStatus | None = None
        self.interval_ms = interval_ms
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.sync_now)

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        BackgroundOp(self.sync.status).success(self._show).run()

    def sync_now(self) -> None:
        if self._running:
            return
        if self._last is not None and not self._last.enrolled:
            self.refresh()  # enrolment may have happened from the command line meanwhile
            return
        self._running = True
        BackgroundOp(self.sync.run_round, lane=Lane.NETWORK).success(self._done).failure(
            self._failed
        ).run()

    def _done(self, result: SyncReport) -> None:
        self._running = False
        self._schedule(result.next_round_in)
        self.report.emit(result)
        self.refresh()

    def _failed(self, _exc: Exception) -> None:
        self._running = False
        self._schedule(None)
        self.refresh()

    def _schedule(self, seconds: float | None) -> None:
        """The next scheduled round, as the service said (also after a Ctrl+S round)."""
        ms = self.interval_ms if seconds is None else max(0, int(seconds * 1000))
        self.timer.start(ms)

    def _show(self, status: SyncStatus) -> None:
        self._last = status
        text, tip = describe(status)
        self.label.setText(text)
        self.label.setToolTip(tip)
        self.label.setStyleSheet(
            "color: #b00020;" if status.online is False or status.last_error else ""
        )
