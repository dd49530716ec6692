"""A material is received only when the clerk says so: rows start 未收取 and a receipt lists only
what was marked received (F7 on an untouched list used to print six 已收材料)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter
from tests.ui_counter.test_counter_flow import pdf_text, type_in

K = Qt.Key
DIBAO = {
    "household_size": "3",
    "household_monthly_income": "1800.5",
    "application_reason": "因病失去劳动能力",
    "bank_name": "示范银行",
    "bank_account": "6222020012345678",
}


def test_untouched_materials_are_not_received(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws, s, user = counter.window, counter.window.workspace, counter.services, counter.user
    s.residents.register(ResidentInput(YOUNG, "李小梅"), user)
    type_in(qtbot, ws.identify.id_edit, YOUNG)
    type_in(qtbot, ws.picker.search, "MZ-001")
    model = ws.materials_model
    assert [r.state for r in model.rows] == ["missing"] * 8
    assert {model.data(model.index(i, model.COL_STATE)) for i in range(8)} == {"未收取"}
    assert all(m.state == "missing" for m in model.inputs())
    for key, value in DIBAO.items():
        ws.form.set_value(key, value)

    qtbot.keyClick(w, K.Key_F7)  # untouched list: refused, nothing printed, the list has focus
    assert ws.last_result is None and not counter.sink.files
    assert "尚未确认收取" in ws.status.text() and ws.materials.hasFocus()

    ws.materials.selectRow(0)
    for _ in range(5):  # M01..M05 received one by one (Down moves on)
        qtbot.keyClick(ws.materials, K.Key_1)
        qtbot.keyClick(ws.materials, K.Key_Down)
    qtbot.keyClick(ws.materials, K.Key_2)  # M06 残疾人证: not provided
    qtbot.keyClick(ws.materials, K.Key_Down)
    qtbot.keyClick(ws.materials, K.Key_2)  # M07 医院诊断证明: not provided
    qtbot.keyClick(w, K.Key_F7)  # M08 still 未收取
    assert ws.last_result is None and "二寸同版彩色证件照" in ws.status.text()
    qtbot.keyClick(ws.materials, K.Key_0)  # the rest (M08) received
    qtbot.keyClick(w, K.Key_F7)
    receipt = ws.last_result
    assert receipt is not None and receipt.kind == "receipt", ws.status.text()
    received = {m.code for m in receipt.materials if m.state == "received"}
    assert received == {"M01", "M02", "M03", "M04", "M05", "M08"}
    text = pdf_text(counter.sink.files[-1])
    assert "二寸同版彩色证件照" in text and "残疾人证" not in text and "医院诊断证明" not in text
