"""At the counter: a second case of the same matter is asked about first, an empty 咨询 and a decision
without department or reason are refused in their dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter
from tests.ui_counter.test_counter_flow import type_in
from ui.counter.dialogs import ConsultDialog, DecisionDialog

K = Qt.Key


def _jobless(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    ws = counter.window.workspace
    type_in(qtbot, ws.picker.search, "JY-001")
    ws.form.set_value("education", "高中")
    ws.form.set_value("unemployment_date", "2026-11-01")
    ws.form.set_value("unemployment_reason", "其他")
    ws.materials_model.receive_unchecked()


def test_the_same_matter_twice_is_asked_first(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws, s, user = counter.window, counter.window.workspace, counter.services, counter.user
    s.residents.register(ResidentInput(YOUNG, "李小梅"), user)
    type_in(qtbot, ws.identify.id_edit, YOUNG)
    _jobless(counter, qtbot)
    qtbot.keyClick(w, K.Key_F8)
    first = ws.last_result
    assert first is not None and counter.confirmations == []

    _jobless(counter, qtbot)
    counter.confirm_answer.append(False)  # the clerk says no: nothing is saved
    qtbot.keyClick(w, K.Key_F8)
    assert ws.last_result is first and first.case_number in counter.confirmations[-1]
    assert len(s.cases.search(user, id_number=YOUNG)) == 1

    counter.confirm_answer.append(True)
    qtbot.keyClick(w, K.Key_F8)
    assert ws.last_result is not first and ws.last_result is not None
    assert len(s.cases.search(user, id_number=YOUNG)) == 2


def test_dialogs_refuse_what_the_service_refuses() -> None:
    consult = ConsultDialog()
    assert "咨询" in consult.check()
    consult.note.setPlainText("问低保条件，已告知")
    assert consult.check() == ""
    decision = DecisionDialog("990101202611230001 · 最低生活保障 · 李*")
    decision.reason.setPlainText("符合条件")
    assert "部门" in decision.check()
    decision.department.setText("区民政局")
    decision.reason.setPlainText(" ")
    assert "理由" in decision.check()
