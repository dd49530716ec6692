"""A counter day driven by F-keys: call, identify (typed and by card), 即办件, 承诺件, 告知, 不予受理, hand-over."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.domain.masking import mask_id_number
from tests.ui_counter.conftest import ELDER, YOUNG, Counter, open_counter
from ui.counter.dialogs import DecisionDialog, HandOverDialog, HelpOverlay, RejectDialog
from ui.counter.hardware import CardKind, IdCardRead
from ui.counter.supplement_dialog import SupplementDialog

K = Qt.Key


def pdf_text(path: Path) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def with_dialog(kind: type[QDialog], fill: Callable[[QDialog], None]) -> None:
    """Answer the next modal dialog of `kind` once it is open."""

    def answer() -> None:
        d = QApplication.activeModalWidget()
        assert isinstance(d, kind), d
        fill(d)
        d._try_accept() if hasattr(d, "_try_accept") else d.accept()  # type: ignore[attr-defined]

    QTimer.singleShot(0, answer)


def activate(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Shortcuts reach the active window only."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def type_in(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type (QTest cannot type Chinese: that is inserted, as an IME would) and press Enter."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        widget.insert(text)
    qtbot.keyClick(widget, K.Key_Return)


def test_counter_day_by_keyboard(counter: Counter, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w, ws = counter.window, counter.window.workspace
    ov = w.overview
    assert ov is not None
    queue = counter.services.queue
    queue.issue_ticket(ov.centre.id, "jiuye_chuangye")
    queue.issue_ticket(ov.centre.id, "minzheng_jiuzhu")
    assert "王晓燕" in w.status_user.text() and "3 号窗口" in w.status_window.text()

    # 1. call next, identify a new resident by typing (full-width digits are folded)
    qtbot.keyClick(w, K.Key_F2)
    assert ws.queue.ticket is not None
    ws.identify.id_edit.setText(ELDER[:6])
    assert ws.identify.id_info.text() != "" and "b00020" in ws.identify.id_info.styleSheet()
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in ELDER)
    ws.identify.id_edit.clear()
    type_in(qtbot, ws.identify.id_edit, full_width)
    assert "1958-03-07" in ws.identify.id_info.text() and "68 岁" in ws.identify.id_info.text()
    assert ws.identify.name_edit.hasFocus()
    type_in(qtbot, ws.identify.name_edit, "张秀兰")
    type_in(qtbot, ws.identify.phone_edit, "13800138000")
    type_in(qtbot, ws.identify.address_edit, "幸福路1号")
    assert ws.identify.resident is not None and ws.picker.search.hasFocus()

    # 2. 即办件 JY-001 失业登记, completed on the spot with F8
    type_in(qtbot, ws.picker.search, "sydj")
    assert ws.spec is not None and ws.spec.code == "JY-001"
    ws.form.set_value("education", "高中")
    ws.form.set_value("unemployment_date", "2026-11-01")
    ws.form.set_value("unemployment_reason", "解除或终止劳动合同")
    qtbot.keyClick(w, K.Key_F8)  # nobody said the materials were handed in: refused
    assert ws.last_result is None and "尚未确认收取" in ws.status.text()
    assert ws.materials.hasFocus()
    qtbot.keyClick(ws.materials, K.Key_0)  # the clerk has them all
    qtbot.keyClick(w, K.Key_F8)
    done = ws.last_result
    assert done is not None and done.kind == "completion", ws.status.text()
    text = pdf_text(counter.sink.files[-1])
    assert done.case_number in text and mask_id_number(ELDER) in text
    assert ELDER not in text

    # 3. F11 ends the service and asks for a rating
    qtbot.keyClick(w, K.Key_F11)
    assert counter.rating.requests[-1][1] == (done.case_id,)
    assert ws.identify.resident is None

    # 4. next resident read from an ID card; 承诺件 MZ-001 低保 with one 容缺 material, F7
    qtbot.keyClick(w, K.Key_F2)
    counter.reader.put(IdCardRead(CardKind.RESIDENT, YOUNG, "\\u674e\\u56db", address="和平路2号"))
    assert ws.poller is not None
    ws.poller.poll_once()
    assert ws.identify.resident is not None and ws.identify.resident.name_masked == "李*"
    assert ws.picker.search.hasFocus()
    type_in(qtbot, ws.picker.search, "dbsq")
    assert ws.spec is not None and ws.spec.code == "MZ-001"
    for key, value in {
        "household_size": "3",
        "household_monthly_income": "1800.5",
        "application_reason": "因病失去劳动能力",
        "bank_name": "示范银行",
        "bank_account": "6222020012345678",
    }.items():
        ws.form.set_value(key, value)
    ws.materials.setFocus()
    ws.materials.selectRow(4)  # M05 家庭成员收入证明: 容缺 allowed
    qtbot.keyClick(ws.materials, K.Key_3)
    assert ws.materials_model.rows[4].state == "deferred"
    qtbot.keyClick(ws.materials, K.Key_0)
    qtbot.keyClick(w, K.Key_F7)
    receipt = ws.last_result
    assert receipt is not None and receipt.kind == "receipt" and receipt.status == "ROUTED"
    text = pdf_text(counter.sink.files[-1])
    assert receipt.case_number in text and mask_id_number(YOUNG) in text

    # 5. 一次性告知 for a missing material (F9), 不予受理 with a reason (F10)
    type_in(qtbot, ws.picker.search, "dbsq")
    for key, value in {
        "household_size": "2",
        "household_monthly_income": "900",
        "application_reason": "无收入",
        "bank_name": "示范银行",
        "bank_account": "6222020012345678",
    }.items():
        ws.form.set_value(key, value)
    ws.materials.selectRow(2)
    qtbot.keyClick(ws.materials, K.Key_2)
    qtbot.keyClick(ws.materials, K.Key_0)
    with_dialog(SupplementDialog, lambda d: None)
    qtbot.keyClick(w, K.Key_F9)
    assert ws.last_result is not None and ws.last_result.kind == "supplement"
    assert receipt.case_number in counter.confirmations[-1]  # the same matter again: asked first
    assert "家庭成员居民身份证" in pdf_text(counter.sink.files[-1])

    type_in(qtbot, ws.picker.search, "sydj")
    with_dialog(RejectDialog, lambda d: d.reason.setPlainText("申请人已按月领取基本养老金"))
    qtbot.keyClick(w, K.Key_F10)
    assert ws.last_result is not None and ws.last_result.kind == "rejection"
    assert "基本养老金" in pdf_text(counter.sink.files[-1])
    qtbot.keyClick(w, K.Key_F11)

    # 6. 已转办 lists the 承诺件; the supervisor records the decision (Ctrl+D) in their window
    w.tabs.setCurrentWidget(w.routed)
    assert [c.case_number for c in w.routed.model.rows()] == [receipt.case_number]
    boss = open_counter(str(counter.services.ctx.engine.url), tmp_path / "boss", "supervisor")
    qtbot.addWidget(boss.window)
    boss.window.show()
    boss.window.load()
    activate(qtbot, boss.window)
    boss.window.tabs.setCurrentWidget(boss.window.routed)

    def decide(d: DecisionDialog) -> None:
        d.department.setText("区民政局")
        d.reason.setPlainText("符合低保条件")

    with_dialog(DecisionDialog, decide)
    qtbot.keyClick(boss.window, K.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert boss.window.routed.model.rowCount() == 0

    # 7. the clerk hands the result over (Ctrl+L) and the collection note is printed
    activate(qtbot, w)
    w.tabs.setCurrentWidget(w.ready)
    assert [c.case_number for c in w.ready.model.rows()] == [receipt.case_number]
    with_dialog(HandOverDialog, lambda d: None)
    qtbot.keyClick(w, K.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.ready.model.rowCount() == 0
    assert receipt.case_number in pdf_text(counter.sink.files[-1])

    # 8. case search by the scanned case number, with the timeline
    activate(qtbot, w)
    qtbot.keyClick(w, K.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.case_search.query.hasFocus()
    type_in(qtbot, w.case_search.query, receipt.case_number)
    assert [c.case_number for c in w.case_search.model.rows()] == [receipt.case_number]
    labels = [e.event_type for e in w.case_search.events.rows()]
    assert labels[:2] == ["RECEIVE", "ROUTE"] and labels[-1] == "DELIVER"
    assert len(counter.services.prints.list_prints(receipt.case_id, counter.user)) == 2

    # 9. F1 lists every action of the registry
    with_dialog(HelpOverlay, lambda d: None)
    qtbot.keyClick(w, K.Key_F1)
    boss.services.ctx.close()
