"""Background lanes: the newest search wins, results for a deleted widget are dropped (a signed-out
window waits for its own), and any unhandled exception reaches the user as a Chinese message and the
log, not stderr."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from app.services.bootstrap import Services
from app.services.dto import MatterSummary
from app.services.types import ValidationError
from ui.background import (
    REPORTER,
    BackgroundOp,
    Lane,
    RequestToken,
    install_excepthook,
    retire_window,
)
from ui.counter.cases_page import CaseSearchPage
from ui.counter.matter_picker import MatterPicker, UsageCounter


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Services]:
    s = Services.for_url(sqlite_url)
    s.initialise()
    yield s
    BackgroundOp.wait_all()
    s.close()


@pytest.fixture(autouse=True)
def threaded() -> Iterator[None]:
    BackgroundOp.run_inline(False)
    REPORTER.shown.clear()
    yield
    BackgroundOp.wait_all()


class SlowFirstSearch:
    """The real catalogue service, but the first search waits until the test lets it finish:
    the clerk typed "d", then "dbsq", and the search for "d" was the slow one."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate = threading.Event()
        self.calls: list[str] = []

    def search_matters(
        self, query: str, usage: dict[str, int] | None = None
    ) -> list[MatterSummary]:
        self.calls.append(query)
        if len(self.calls) == 1:
            assert self.gate.wait(30)
        return self.real.search_matters(query, usage)


def test_an_older_search_never_replaces_a_newer_one(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    slow = SlowFirstSearch(services.catalogue)
    usage = UsageCounter("clerk1", QSettings(str(tmp_path / "u.ini"), QSettings.Format.IniFormat))
    picker = MatterPicker(SimpleNamespace(catalogue=slow), usage)  # type: ignore[arg-type]
    qtbot.addWidget(picker)
    assert services.catalogue.search_matters("d")[0].code != "MZ-001"  # the cases differ
    picker.run_search("d")
    picker.run_search("dbsq")
    picked: list[str] = []
    picker.picked.connect(picked.append)
    picker.pick_current()  # Enter, before either search has come back
    assert picked == []
    slow.gate.set()
    qtbot.waitUntil(lambda: picked == ["MZ-001"], timeout=10_000)
    assert BackgroundOp.wait_all()
    qtbot.wait(50)  # let any late delivery through: none may replace the rows
    assert picker.model.row(0).code == "MZ-001"
    assert [m.code for m in picker.model.rows()] == [
        m.code for m in services.catalogue.search_matters("dbsq")
    ]


def test_the_token_drops_an_older_result_that_arrives_last(qtbot) -> None:  # type: ignore[no-untyped-def]
    """On the network lane operations overlap; the slower, older one finishes last."""
    token, gate, got = RequestToken(), threading.Event(), []
    BackgroundOp(lambda: gate.wait(30) and "older", lane=Lane.NETWORK).latest(token).success(
        got.append
    ).run()
    BackgroundOp(lambda: "newer", lane=Lane.NETWORK).latest(token).success(got.append).run()
    qtbot.waitUntil(lambda: got == ["newer"], timeout=10_000)
    assert not token.pending
    gate.set()
    assert BackgroundOp.wait_all()
    qtbot.wait(50)
    assert got == ["newer"]


def test_the_database_lane_runs_one_operation_at_a_time(qtbot) -> None:  # type: ignore[no-untyped-def]
    running, most, done = [0], [0], []
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.01)
        with lock:
            running[0] -= 1
        return n

    for n in range(6):
        BackgroundOp(lambda n=n: work(n)).success(done.append).run()
    qtbot.waitUntil(lambda: len(done) == 6, timeout=10_000)
    assert most[0] == 1 and done == list(range(6))


@pytest.mark.parametrize("tie", ["parent", "bound method", "lambda"])
def test_a_result_for_a_deleted_widget_is_dropped(qtbot, tie: str) -> None:  # type: ignore[no-untyped-def]
    label = QLabel("before")
    gate, calls = threading.Event(), []
    op = BackgroundOp(lambda: gate.wait(30) and "after", parent=label if tie == "parent" else None)
    if tie == "parent":
        op.success(lambda text: calls.append(text)).run()
    elif tie == "bound method":
        op.success(label.setText).run()
    else:
        op.success(lambda text: label.setText(text) or calls.append(text)).run()
    shiboken6.delete(label)  # the page was closed while the query ran
    gate.set()
    assert BackgroundOp.wait_all()
    qtbot.wait(50)
    assert calls == []  # and no RuntimeError about a deleted C++ object reached the hook
    assert REPORTER.shown == []


def test_a_signed_out_window_goes_once_what_it_started_has_delivered(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    label = QLabel("受理中")
    window.setCentralWidget(label)
    window.show()
    gate, printed = threading.Event(), []
    BackgroundOp(lambda: gate.wait(30) and "受理回执").success(
        lambda paper: printed.append(paper) or label.setText(paper)
    ).run()
    retire_window(window)  # 退出登录 while the receipt was being made
    assert not window.isVisible()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert shiboken6.isValid(window)  # kept (hidden) for the outcome
    gate.set()
    qtbot.waitUntil(lambda: printed == ["受理回执"], timeout=10_000)  # delivered, not dropped
    qtbot.waitUntil(lambda: not shiboken6.isValid(window), timeout=10_000)  # then deleted
    retired = QLabel()
    retire_window(retired)  # nothing pending: deleted at the next turn of the event loop
    qtbot.waitUntil(lambda: not shiboken6.isValid(retired), timeout=10_000)


def test_a_failure_without_a_handler_is_told_and_logged(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise ZeroDivisionError("11010519491231002X")

    with caplog.at_level(logging.ERROR):
        BackgroundOp(broken).run()
        qtbot.waitUntil(lambda: bool(REPORTER.shown), timeout=10_000)
    assert "操作没有完成" in REPORTER.shown[0] and "ZeroDivisionError" in REPORTER.shown[0]
    assert "unhandled ZeroDivisionError" in caplog.text
    box = REPORTER.box
    assert box is not None and box.isVisible() and box.text() == REPORTER.shown[0]
    box.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_reaches_the_user_and_the_log_not_stderr(
    qtbot, capsys, caplog, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Only pytest's log capture: handlers other tests left on the root logger stay out of stderr.
    monkeypatch.setattr(logging.getLogger(), "handlers", [caplog.handler])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_excepthook()

    def slot_with_a_bug() -> None:
        raise KeyError("no such window")

    def refused() -> None:
        raise ValidationError("DATE_INVALID", "日期不存在：2026年2月30日")

    with caplog.at_level(logging.INFO):
        QTimer.singleShot(0, slot_with_a_bug)
        qtbot.waitUntil(lambda: len(REPORTER.shown) == 1, timeout=10_000)
        QTimer.singleShot(0, refused)
        qtbot.waitUntil(lambda: len(REPORTER.shown) == 2, timeout=10_000)
    assert "KeyError" in REPORTER.shown[0]
    assert REPORTER.shown[1] == "日期不存在：2026年2月30日"
    assert "unhandled KeyError" in caplog.text and "refused: DATE_INVALID" in caplog.text
    assert capsys.readouterr().err == ""
    if REPORTER.box is not None and shiboken6.isValid(REPORTER.box):
        REPORTER.box.close()


def test_a_date_that_does_not_exist_is_a_message_in_case_search(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    clerk = services.centre.sign_in("clerk1", "onewindow")
    page = CaseSearchPage(services, clerk)
    qtbot.addWidget(page)
    page.query.setText("2026-02-30")
    page.search()
    qtbot.waitUntil(lambda: "日期不存在" in page.info.text(), timeout=10_000)
    assert page.info.text() == "日期不存在：2026年2月30日，请检查后重新输入"
    assert REPORTER.shown == []
