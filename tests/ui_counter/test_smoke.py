"""Smoke: F2 calls the next ticket on the counter window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui_counter.conftest import ELDER, Counter


def test_f2_calls_next(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    ov = counter.window.overview
    assert ov is not None
    counter.services.queue.issue_ticket(ov.centre.id, "jiuye_chuangye", id_number=ELDER)
    ws = counter.window.workspace
    ws.queue.refresh()
    qtbot.keyClick(counter.window, Qt.Key.Key_F2)
    assert ws.queue.ticket is not None and ws.queue.ticket.number == "B001"
    assert ws.identify.id_edit.hasFocus()
