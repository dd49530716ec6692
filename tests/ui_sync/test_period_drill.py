"""统计 tab: double-clicking a row of the case tables lists its cases; a case opens from there."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableView, QTabWidget

from tests.services.test_period_figures import DAY, _build_day
from tests.ui_sync.conftest import DemoCentre
from ui.supervisor_page import SupervisorPage


def _double_click(view: QTableView, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    assert rect.isValid()
    # A real double-click: press and release, then the second press arrives as a double-click.
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_double_click_lists_the_cases_and_opens_one(qtbot, demo_centre: DemoCentre) -> None:  # type: ignore[no-untyped-def]
    _build_day(demo_centre.world())
    page = SupervisorPage(demo_centre.services, demo_centre.sign_in("supervisor")).period_page
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
