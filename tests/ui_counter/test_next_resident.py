"""Each resident starts clean: after F7/F8/F11 and the next F2 nothing of the last one is left;
the resident's recent cases refresh after F7/F8; F11 without a ticket does nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import ELDER, YOUNG, Counter
from tests.ui_counter.test_counter_flow import type_in

K = Qt.Key


def test_the_next_resident_starts_clean(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws, s, user = counter.window, counter.window.workspace, counter.services, counter.user
    assert w.overview is not None
    s.residents.register(ResidentInput(ELDER, "张秀兰"), user)
    for id_number in (ELDER, YOUNG):
        s.queue.issue_ticket(w.overview.centre.id, "jiuye_chuangye", id_number=id_number)
    qtbot.keyClick(w, K.Key_F2)
    type_in(qtbot, ws.identify.id_edit, ELDER)
    assert ws.identify.cases_model.rowCount() == 0
    type_in(qtbot, ws.picker.search, "JY-001")
    qtbot.keyClick(w, K.Key_F8)  # refused: messages on the status line and under the fields
    assert ws.status.text()
    ws.materials_model.receive_unchecked()
    qtbot.keyClick(w, K.Key_F8)
    assert any(e.text() for e in ws.form.errors.values())
    ws.form.set_value("education", "高中")
    ws.form.set_value("unemployment_date", "2026-11-01")
    ws.form.set_value("unemployment_reason", "其他")
    qtbot.keyClick(w, K.Key_F8)
    done = ws.last_result
    assert done is not None and done.kind == "completion"
    assert ws.picker.search.text() == ""  # the matter search is ready for the next matter
    rows = [ws.identify.cases_model.rows()[i].case_number for i in range(1)]
    assert rows == [done.case_number]  # the recent cases show the case just completed

    qtbot.keyClick(w, K.Key_F11)
    qtbot.keyClick(w, K.Key_F2)
    assert ws.queue.ticket is not None
    assert ws.status.text() == "" and ws.picker.search.text() == ""
    assert ws.identify.resident is None and ws.identify.cases_model.rowCount() == 0
    assert ws.spec is None and not any(e.text() for e in ws.form.errors.values())
    assert ws.identify.id_edit.text() == "" and ws.identify.message.text() == ""


def test_f11_without_a_ticket_does_nothing(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws = counter.window, counter.window.workspace
    qtbot.keyClick(w, K.Key_F11)
    assert counter.rating.requests == []
    assert "没有正在服务" in ws.status.text()
