"""Fixtures for the counter screens: a signed-in main window over a seeded database, PDFs to files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.setup import initialise
from tests.services.conftest import make_id
from ui.background import BackgroundOp
from ui.counter.documents_glue import FileSink
from ui.counter.hardware import FakeIdCardReader
from ui.counter.rating import NoRating
from ui.main_window import MainWindow
from ui.settings import COUNTER_NUMBER

ELDER = make_id("11010119580307123")  # 68 in 2026
YOUNG = make_id("11010119900307109")


@dataclass
class Counter:
    window: MainWindow
    services: Services
    user: SignedInUser
    sink: FileSink
    rating: NoRating
    reader: FakeIdCardReader
    settings: QSettings
    confirmations: list[str]  # the "same matter again?" questions, answered by `confirm_answer`
    confirm_answer: list[bool]


def open_counter(url: str, tmp_path: Path, username: str = "clerk1") -> Counter:
    services = Services.for_url(url)
    initialise(services.ctx)
    user = services.centre.sign_in(username, "onewindow")
    settings = QSettings(str(tmp_path / f"{username}.ini"), QSettings.Format.IniFormat)
    COUNTER_NUMBER.set(settings, 3)
    sink, rating, reader = FileSink(tmp_path / "prints"), NoRating(), FakeIdCardReader()
    window = MainWindow(services, user, sink=sink, rating=rating, reader=reader, settings=settings)
    c = Counter(window, services, user, sink, rating, reader, settings, [], [True])

    def confirm(text: str) -> bool:  # a test never blocks on the question box
        c.confirmations.append(text)
        return c.confirm_answer[-1]

    window.workspace.confirm_duplicate = confirm  # type: ignore[method-assign]
    return c


@pytest.fixture
def counter(qtbot, sqlite_url: str, tmp_path: Path) -> Iterator[Counter]:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    c = open_counter(sqlite_url, tmp_path)
    qtbot.addWidget(c.window)
    c.window.show()
    c.window.load()
    qtbot.waitExposed(c.window)
    c.window.activateWindow()
    yield c
    c.workspace_poller_stop = None
    if c.window.workspace.poller is not None:
        c.window.workspace.poller.timer.stop()
    BackgroundOp.run_inline(False)
    c.services.ctx.close()
