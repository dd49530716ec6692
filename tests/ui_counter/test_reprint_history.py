"""Ctrl+P: the selected case's print history from the database (not the desk's memory), its stored
bytes sent again with a reason; the case page lists the prints."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.residents import ResidentInput
from tests.ui_counter.conftest import ELDER, YOUNG, Counter
from ui.counter import case_actions
from ui.counter.print_history import ReprintDialog

FORM = {
    "household_size": "3",
    "household_monthly_income": "1800.5",
    "application_reason": "家中主要劳动力因病失去工作能力",
    "bank_name": "示范银行幸福路支行",
    "bank_account": "6222 0200 1234 5678",
}


def _case(counter: Counter, id_number: str, name: str):  # type: ignore[no-untyped-def]
    s, user = counter.services, counter.user
    resident = s.residents.register(ResidentInput(id_number, name), user)
    counter_id = counter.window.workspace.counter_id
    assert counter_id is not None
    mats = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
    return s.intake.accept(IntakeInput(counter_id, resident.id, "MZ-001", FORM, mats), user)


def test_ctrl_p_reprints_the_selected_cases_own_paper(counter: Counter, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    s, user, window = counter.services, counter.user, counter.window
    mine, other = _case(counter, YOUNG, "李小梅"), _case(counter, ELDER, "王秀英")
    # Printed "before a restart": by the service, never through this window's desk.
    first = s.documents.print_case(user, mine.case_id, "receipt")
    s.documents.print_case(user, other.case_id, "receipt")  # the desk's "last print" would be this

    chosen: list[list[str]] = []

    class Answer(ReprintDialog):
        def exec(self) -> int:  # type: ignore[override]
            chosen.append([r.kind_label for r in self.model.rows()])
            self.reason.setText("")
            self._try_accept()  # an empty reason is refused in Chinese, the dialog stays
            assert "补打原因" in self.error.text(), self.error.text()
            self.reason.setText("申请人遗失回执")
            return 1

    monkeypatch.setattr(case_actions, "ReprintDialog", Answer)
    page = window.case_search
    window.show_case_search()
    page.set_rows(s.cases.search(user, case_number=mine.case_number))
    page.view.selectRow(0)
    assert [p.id for p in page.prints.rows()] == [first.record.id]  # shown on the case page
    before = len(counter.sink.files)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    assert chosen == [["受理回执"]]
    assert len(counter.sink.files) == before + 1
    assert counter.sink.files[-1].read_bytes() == first.pdf
    assert mine.case_number in counter.sink.files[-1].name
    history = s.documents.history(user, mine.case_id)
    assert history[0].reprint and history[0].reason == "申请人遗失回执"
    assert len(s.documents.history(user, other.case_id)) == 1
