"""The common path of a 即办件 is short: a digit picks a choice and moves on, the catalogue's
default choice is there to start with, Ctrl+M (from any field) says the required materials are in
hand — an explicit mark; optional ones left unmarked are recorded as not provided — and F8
completes without an Enter after the last field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import ELDER, Counter
from tests.ui_counter.test_counter_flow import type_in

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def test_a_digit_picks_a_choice_and_moves_on(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    ws, s = counter.window.workspace, counter.services
    s.residents.register(ResidentInput(ELDER, "张秀兰"), counter.user)
    type_in(qtbot, ws.identify.id_edit, ELDER)
    type_in(qtbot, ws.picker.search, "sydj")
    education = ws.form.widgets["education"]
    reason = ws.form.widgets["unemployment_reason"]
    assert isinstance(education, QComboBox) and isinstance(reason, QComboBox)
    assert education.hasFocus() and education.itemText(1) == "1  初中及以下"
    assert ws.form.values() == {"unemployment_reason": "解除或终止劳动合同"}  # the default
    qtbot.keyClick(education, K.Key_3)
    assert ws.form.values()["education"] == "中专"
    assert QApplication.focusWidget() is ws.form.widgets["unemployment_date"]
    qtbot.keyClick(reason, K.Key_9)  # no ninth choice: nothing changes
    assert ws.form.values()["unemployment_reason"] == "解除或终止劳动合同"
    ws.form.set_value("unemployment_reason", "其他")
    assert ws.form.values()["unemployment_reason"] == "其他"


def test_ctrl_m_receives_the_required_and_f8_completes(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws, s = counter.window, counter.window.workspace, counter.services
    s.residents.register(ResidentInput(ELDER, "张秀兰"), counter.user)
    type_in(qtbot, ws.identify.id_edit, ELDER)
    type_in(qtbot, ws.picker.search, "sydj")
    qtbot.keyClick(ws.form.widgets["education"], K.Key_1)
    date = ws.form.widgets["unemployment_date"]
    assert date.hasFocus()
    qtbot.keyClicks(date, "2026-11-01")

    qtbot.keyClick(w, K.Key_F8)  # nothing marked: refused
    assert ws.last_result is None and "尚未确认收取" in ws.status.text()
    date.setFocus()
    qtbot.keyClick(date, K.Key_M, CTRL)  # from the text field
    assert date.hasFocus() and date.text() == "2026-11-01"
    rows = {r.spec.code: (r.state, r.checked) for r in ws.materials_model.rows}
    assert rows == {
        "M01": ("received", True),
        "M02": ("received", True),
        "M03": ("missing", True),
        "M04": ("missing", True),
    }
    assert "未提供：解除或终止劳动合同证明、《就业创业证》" in ws.status.text()
    model = ws.materials_model
    shown = [model.data(model.index(i, model.COL_STATE)) for i in range(4)]
    assert shown == ["已收取", "已收取", "未提供", "未提供"], shown
    qtbot.keyClick(date, K.Key_F8)
    done = ws.last_result
    assert done is not None and done.kind == "completion", ws.status.text()
    assert {m.code for m in done.materials if m.state == "received"} == {"M01", "M02"}
    (case,) = s.cases.search(counter.user, id_number=ELDER)
    assert case.status == "COMPLETED_ON_SPOT"


def test_ctrl_m_keeps_what_the_clerk_marked(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    ws, s = counter.window.workspace, counter.services
    s.residents.register(ResidentInput(ELDER, "张秀兰"), counter.user)
    type_in(qtbot, ws.identify.id_edit, ELDER)
    type_in(qtbot, ws.picker.search, "sydj")
    ws.materials.selectRow(1)
    qtbot.keyClick(ws.materials, K.Key_4)  # M02 defective
    ws.materials.selectRow(2)
    qtbot.keyClick(ws.materials, K.Key_1)  # M03, optional, brought
    qtbot.keyClick(ws.materials, K.Key_M, CTRL)
    states = [r.state for r in ws.materials_model.rows]
    assert states == ["received", "defective", "received", "missing"]
    assert all(r.checked for r in ws.materials_model.rows)
