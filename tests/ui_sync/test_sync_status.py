"""The GUI's sync controller: status text, rounds on demand, never two at once."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel, QWidget

from app.services.types import SyncReport, SyncStatus
from ui.background import BackgroundOp
from ui.sync_status import SyncController, describe

BASE = SyncStatus(
    enrolled=True,
    online=True,
    waiting=3,
    oldest_unsent_at=datetime(2026, 11, 23, 1, tzinfo=UTC),
    last_success_at=datetime(2026, 11, 23, 2, tzinfo=UTC),
    last_error="",
    skew_seconds=2.0,
    skew_warning=False,
    open_conflicts=0,
    hub_url="https://hub.example",
    device_id=uuid.uuid4(),
)


def test_describe_says_what_a_clerk_needs() -> None:
    assert describe(replace(BASE, enrolled=False))[0] == "区级平台：未注册"
    text, tip = describe(BASE)
    assert text == "区级平台：在线 · 待发送 3" and "11-23 10:00" in tip  # shown in China time
    text, tip = describe(
        replace(
            BASE,
            online=False,
            open_conflicts=2,
            skew_warning=True,
            skew_seconds=-400.0,
            last_error="区级平台无法连接",
        )
    )
    assert "离线" in text and "冲突 2" in text and "时钟偏差 -400 秒" in text
    assert "上次错误：区级平台无法连接" in tip


class FakeAgent:
    def __init__(self) -> None:
        self.rounds = 0
        self.state = BASE

    def status(self) -> SyncStatus:
        return self.state

    def run_round(self) -> SyncReport:
        self.rounds += 1
        self.state = replace(self.state, waiting=0)
        return SyncReport(ok=True, pushed=3, pulled=1)


def test_sync_now_runs_a_round_and_refreshes(qtbot) -> None:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    try:
        parent = QWidget()
        qtbot.addWidget(parent)
        label = QLabel(parent)
        agent = FakeAgent()
        controller = SyncController(agent, label, parent)
        reports: list[SyncReport] = []
        controller.report.connect(reports.append)
        controller.start()
        assert label.text() == "区级平台：在线 · 待发送 3"
        controller.sync_now()
        assert agent.rounds == 1 and reports[0].pushed == 3
        assert label.text() == "区级平台：在线 · 待发送 0"
        controller._running = True  # a round still under way: a second request is ignored
        controller.sync_now()
        assert agent.rounds == 1
    finally:
        BackgroundOp.run_inline(False)


class FailingAgent(FakeAgent):
    """A hub that is down: every round fails; the service says when to try again."""

    def __init__(self, waits: list[float]) -> None:
        super().__init__()
        self.waits = waits

    def run_round(self) -> SyncReport:
        self.rounds += 1
        return SyncReport(
            ok=False, error="区级平台暂时出错（503）", next_round_in=self.waits.pop(0)
        )


def test_the_timer_follows_the_services_back_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The next scheduled round comes when the round's report says (the service's back-off after
    failures), not on a fixed minute."""
    BackgroundOp.run_inline(True)
    try:
        parent = QWidget()
        qtbot.addWidget(parent)
        agent = FailingAgent([3.25, 41.5])
        controller = SyncController(agent, QLabel(parent), parent)
        controller.start()
        assert controller.timer.isSingleShot() and controller.timer.interval() == 60_000
        controller.sync_now()
        assert controller.timer.isActive() and controller.timer.interval() == 3_250
        controller.sync_now()  # Ctrl+S while backing off: the schedule moves on as the service says
        assert controller.timer.interval() == 41_500
        ok = FakeAgent()
        controller.sync = ok
        controller.sync_now()  # a report that does not say: the normal interval
        assert controller.timer.interval() == 60_000 and controller.timer.isActive()
    finally:
        BackgroundOp.run_inline(False)
