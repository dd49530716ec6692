"""A 待补正 case can always leave 待补正: F9 records per item what is wrong and a 补正期限, and
Ctrl+B offers the materials and the form, editable (the 临时救助 case that used to be stuck)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter
from tests.ui_counter.test_counter_flow import pdf_text, type_in
from ui.counter.resume import ResumeDialog
from ui.counter.supplement_dialog import SupplementDialog

K = Qt.Key


def when_open(kind: type, answer) -> None:  # type: ignore[no-untyped-def]
    """Answer the next modal dialog of `kind` as soon as it is open (polled on the event loop)."""

    def poll(tries: int = 250) -> None:
        d = QApplication.activeModalWidget()
        if isinstance(d, kind):
            answer(d)
        elif tries:
            QTimer.singleShot(20, lambda: poll(tries - 1))

    QTimer.singleShot(0, poll)


HARDSHIP_FORM = {
    "hardship_type": "急难型",
    "hardship_description": "家中失火，衣物被褥全部烧毁",
    "amount_requested": "3000",
    "bank_name": "示范银行",
    "bank_account": "6222020012345678",
}


def test_a_case_waiting_for_its_form_can_be_completed(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws, s, user = counter.window, counter.window.workspace, counter.services, counter.user
    assert w.overview is not None
    s.residents.register(ResidentInput(YOUNG, "李小梅"), user)
    s.queue.issue_ticket(w.overview.centre.id, "minzheng_jiuzhu", id_number=YOUNG)
    qtbot.keyClick(w, K.Key_F2)
    type_in(qtbot, ws.identify.id_edit, YOUNG)
    type_in(qtbot, ws.picker.search, "MZ-002")
    assert ws.spec is not None and ws.spec.name == "临时救助"
    for row in range(len(ws.materials_model.rows)):
        ws.materials_model.set_state(row, "received")
    ws.materials_model.set_state(2, "defective")  # M03 户口簿
    ws.materials_model.set_state(3, "missing")  # M04 困难事由佐证材料
    # the form is left empty: the resident will come back with it

    seen: dict[str, object] = {}

    def answer_supplement(d: SupplementDialog) -> None:
        seen["fields"] = d.fields.text()
        d._try_accept()  # a defective material without saying how: refused
        seen["refused"] = d.message.text()
        d.table.item(0, d.COL_NOTE).setText("户口簿复印件缺少本人页")
        d.deadline_edit.setDate(d.deadline_edit.date().addDays(5))
        seen["deadline"] = d.deadline()
        d._try_accept()

    when_open(SupplementDialog, answer_supplement)
    qtbot.keyClick(w, K.Key_F9)
    assert QApplication.activeWindow() is w  # F-keys act again at once
    assert "救助类型" in str(seen["fields"]) and "银行账号" in str(seen["fields"])
    assert "户口簿" in str(seen["refused"])
    notice = ws.last_result
    assert notice is not None and notice.kind == "supplement", ws.status.text()
    assert notice.status == "SUPPLEMENT_REQUESTED"
    assert "救助类型" in notice.missing_fields
    assert notice.supplement_deadline == seen["deadline"]
    assert notice.supplement_deadline > date.today() + timedelta(days=10)
    lines = {m.code: m for m in notice.materials}
    assert lines["M03"].state == "defective" and "本人页" in lines["M03"].note
    text = pdf_text(counter.sink.files[-1])
    assert "救助类型" in text and "困难事由佐证材料" in text and "本人页" in text
    events = s.cases.detail(notice.case_id, user).events
    assert "救助类型" in events[-1].note

    # Ctrl+B: the materials and the form, editable; an incomplete form keeps the dialog open
    page = w.case_search
    w.show_case_search()
    page.set_rows(s.cases.search(user, case_number=notice.case_number))
    page.view.selectRow(0)

    def answer_resume(d: ResumeDialog) -> None:
        assert {m.code for m in d.owed} == {"M03", "M04"}
        d._try_accept()
        seen["resume_refused"] = d.message.text()
        assert d.isVisible()
        for key, value in HARDSHIP_FORM.items():
            d.form.set_value(key, value)
        d._try_accept()

    when_open(ResumeDialog, answer_resume)
    printed = len(counter.sink.files)
    qtbot.keyClick(w, K.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "已恢复办理" in page.info.text(), timeout=5000)
    assert "救助类型" in str(seen["resume_refused"])
    detail = s.cases.detail(notice.case_id, user)
    assert detail.summary.status == "ROUTED"
    assert detail.form_data["hardship_type"] == "急难型"
    assert {m.code: m.state for m in detail.materials}["M03"] == "received"
    assert len(counter.sink.files) == printed + 1
    assert notice.case_number in pdf_text(counter.sink.files[-1])


def test_nothing_to_ask_is_not_a_notice(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, ws, s, user = counter.window, counter.window.workspace, counter.services, counter.user
    s.residents.register(ResidentInput(YOUNG, "李小梅"), user)
    ws.identify.id_edit.setText(YOUNG)
    qtbot.keyClick(ws.identify.id_edit, K.Key_Return)
    type_in(qtbot, ws.picker.search, "MZ-002")
    for row in range(len(ws.materials_model.rows)):
        ws.materials_model.set_state(row, "received")
    for key, value in HARDSHIP_FORM.items():
        ws.form.set_value(key, value)
    qtbot.keyClick(w, K.Key_F9)
    assert "无需一次性告知" in ws.status.text()
    assert ws.last_result is None
