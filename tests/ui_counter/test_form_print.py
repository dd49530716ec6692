"""Ctrl+E prints the matter's application form, pre-filled, with the full ID number for signing."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import Qt

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter


def test_application_form_prints_prefilled(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, ws = counter.window, counter.window.workspace
    counter.services.residents.register(
        ResidentInput(YOUNG, "李小梅", phone="13800138000", address="幸福路1号"), counter.user
    )
    ws.identify.id_edit.setText(YOUNG)
    ws.identify.look_up()
    assert ws.identify.resident is not None
    ws.load_matter("MZ-001")
    ws.form.set_value("household_size", "3")
    ws.form.set_value("bank_name", "示范银行幸福路支行")
    before = len(counter.sink.files)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(counter.sink.files) == before + 1
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(counter.sink.files[-1].read_bytes())).pages
    )
    assert "最低生活保障" in text and "李小梅" in text and YOUNG in text
    assert "示范银行幸福路支行" in text

    ws.load_matter("YB-001")  # a matter without a printed form
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert "没有统一的申请表" in ws.status.text()
