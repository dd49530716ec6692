"""统计 tab: double-clicking a row of the case tables lists its cases; a case opens from there."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableView, QTabWidget
from sqlalchemy import select

from app.db.models import Centre, Counter, User
from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.setup import DEMO_PASSWORD, initialise
from tests.services.conftest import START, Centre990101, MovableClock
from tests.services.test_period_figures import DAY, _build_day
from ui.background import BackgroundOp
from ui.supervisor_page import SupervisorPage


def _double_click(view: QTableView, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    assert rect.isValid()
    # A real double-click: press and release, then the second press arrives as a double-click.
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_double_click_lists_the_cases_and_opens_one(qtbot, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    clock = MovableClock(START)
    services = Services.for_url(sqlite_url, clock=clock)
    try:
        initialise(services.ctx)
        boss = services.centre.sign_in("supervisor", DEMO_PASSWORD)
        with services.ctx.uow(read_only=True) as uow:
            s = uow.session
            world = Centre990101(
                services.ctx,
                clock,
                s.scalars(select(Centre.id)).one(),
                {c.number: c.id for c in s.scalars(select(Counter))},
                {
                    u.username: SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
                    for u in s.scalars(select(User))
                },
            )
        _build_day(world)
        page = SupervisorPage(services, boss).period_page
        qtbot.addWidget(page)
        page.kind.setCurrentIndex(0)  # a day
        page.first.setDate(QDate(DAY.year, DAY.month, DAY.day))
        page.load()
        page.show()
        view = page.case_views["department"]
        tabs = page.findChild(QTabWidget)
        assert tabs is not None
        tabs.setCurrentWidget(view)
        model = page.case_models["department"]
        keys = [model.row(i).key for i in range(model.rowCount())]
        assert keys == ["民政", "人社"]

        _double_click(view, 0)  # 民政: four cases received that day
        [dialog] = page.drilled
        assert dialog.dimension == "department" and dialog.key == "民政"
        assert (dialog.first, dialog.last) == (DAY, DAY)
        numbers = [dialog.model.row(i).case_number for i in range(dialog.model.rowCount())]
        assert numbers == [f"9901012026112{i:05d}" for i in (1, 2, 4, 5)]
        assert "共 4 件" in dialog.title.text()
        assert dialog.model.data(dialog.model.index(0, 4)) == "张*"

        dialog.show()
        _double_click(dialog.view, 2)
        [case_dialog] = dialog.opened
        assert "990101202611200004" in case_dialog.facts.text()
        case_dialog.reject()
        assert dialog.opened == []
        dialog.view.setCurrentIndex(dialog.model.index(0, 0))  # Enter opens the current row
        QTest.keyClick(dialog.view, Qt.Key.Key_Return)
        [case_dialog] = dialog.opened
        assert "990101202611200001" in case_dialog.facts.text()
        assert dialog.isVisible()  # Enter did not close the list
        case_dialog.reject()
        dialog.reject()
        assert page.drilled == []
    finally:
        BackgroundOp.run_inline(False)
        services.ctx.close()
