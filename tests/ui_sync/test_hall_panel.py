"""大厅实况 offscreen: the supervisor's live hall fills its three tables off the GUI thread and refreshes."""

from __future__ import annotations

from tests.ui_sync.conftest import DemoCentre
from ui.background import BackgroundOp
from ui.supervisor_page import SupervisorPage


def _cells(model, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_live_hall_in_the_background(qtbot, demo_centre: DemoCentre) -> None:  # type: ignore[no-untyped-def]
    services, clock, centre_id = demo_centre.services, demo_centre.clock, demo_centre.centre_id
    BackgroundOp.run_inline(False)  # the page's real lanes first
    clerk, boss = demo_centre.sign_in("clerk1"), demo_centre.sign_in("supervisor")
    window1 = demo_centre.window(1)
    for _ in range(3):
        services.queue.issue_ticket(centre_id, "shebao_yibao")
        clock.advance(minutes=5)
    called = services.queue.call_next(window1, clerk)
    assert called is not None
    clock.advance(minutes=10)  # A002 has waited 20 minutes, A003 15

    page = SupervisorPage(services, boss)
    qtbot.addWidget(page)
    panel = page.hall_panel
    assert page.sections.tabText(0) == "大厅实况"
    page.load()  # real background lanes: the result arrives through the event loop
    qtbot.waitUntil(lambda: panel.hall is not None, timeout=10_000)
    BackgroundOp.wait_all()
    qtbot.waitUntil(lambda: not panel.token.pending, timeout=10_000)
    assert panel.timer.isActive() and panel.timer.interval() <= 10_000
    groups = dict(zip(_cells(panel.groups, 0), _cells(panel.groups, 1), strict=True))
    assert groups["A 社保医保"] == "2"
    assert _cells(panel.windows, 1)[0] == "已叫号"
    assert _cells(panel.windows, 4)[0] == clerk.display_name
    assert _cells(panel.at_risk, 0) == ["A002"]  # 20 minutes: the default threshold
    assert "等候 2 人" in panel.summary.text() and "超时预警 1" in panel.summary.text()

    # The threshold is the centre's setting, saved from the panel; the hall is read again.
    BackgroundOp.run_inline(True)
    panel.threshold.setValue(15)
    panel.set_threshold()
    assert services.hall.long_wait_minutes(boss) == 15
    assert _cells(panel.at_risk, 0) == ["A002", "A003"]
    assert panel.risk_title.text() == "等候超过 15 分钟的号（2）"
    clock.advance(minutes=1)
    panel.refresh()
    assert _cells(panel.at_risk, 4) == ["21", "16"]
