"""The main window shows the centre, its windows and the catalogue, and searches by pinyin."""

from __future__ import annotations

import pytest

from app.services.bootstrap import Services
from app.services.setup import initialise
from ui.background import BackgroundOp
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, sqlite_url: str):  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    services = Services.for_url(sqlite_url)
    initialise(services.ctx)
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.load()
    yield w
    BackgroundOp.run_inline(False)
    services.ctx.close()


def test_overview_fills_the_tables(window: MainWindow) -> None:
    assert window.centre_label.text() == "示范区幸福街道便民服务中心"
    assert window.counter_model.rowCount() == 6
    assert window.matter_model.rowCount() >= 40
    assert "目录版本" in window.status_catalogue.text()


def test_search_and_detail(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.search.setText("dbsq")
    codes = [m.code for m in window.matter_model.rows()]
    assert "MZ-001" in codes
    window.matter_view.selectRow(codes.index("MZ-001"))
    assert "最低生活保障" in window.matter_detail.toPlainText()
    assert "申请材料" in window.matter_detail.toPlainText()


def test_background_op_delivers_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(False)
    results: list[int] = []
    errors: list[Exception] = []
    BackgroundOp(lambda: 6 * 7).success(results.append).run()
    BackgroundOp(lambda: 1 / 0).success(results.append).failure(errors.append).run()
    qtbot.waitUntil(lambda: results == [42] and len(errors) == 1, timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)
