"""补正后受理 from the case search: Ctrl+B resumes a 待补正 case and prints the new receipt."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import Qt

from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter
from ui.counter.resume import ResumeDialog

FORM = {
    "household_size": "3",
    "household_monthly_income": "1800.5",
    "application_reason": "家中主要劳动力因病失去工作能力",
    "bank_name": "示范银行幸福路支行",
    "bank_account": "6222 0200 1234 5678",
}


class TickAll(ResumeDialog):
    """Confirms at once what the dialog offers (every owed material ticked, the stored form)."""

    def exec(self) -> int:  # type: ignore[override]
        return 1


def test_resume_after_supplement_prints_a_receipt(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    s, user, window = counter.services, counter.user, counter.window
    resident = s.residents.register(ResidentInput(YOUNG, "李小梅", phone="13800138000"), user)
    counter_id = window.workspace.counter_id
    assert counter_id is not None
    received = [MaterialInput(c) for c in ("M01", "M02", "M03", "M05", "M08")]
    materials = (*received, MaterialInput("M04", "missing"))
    notice = s.intake.request_supplement(
        IntakeInput(counter_id, resident.id, "MZ-001", FORM, materials), user
    )
    assert notice.status == "SUPPLEMENT_REQUESTED"

    window.resume_dialog = TickAll
    page = window.case_search
    window.show_case_search()
    page.set_rows(s.cases.search(user, case_number=notice.case_number))
    page.view.selectRow(0)
    printed_before = len(counter.sink.files)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)

    assert "已恢复办理" in page.info.text(), page.info.text()
    detail = s.cases.detail(notice.case_id, user)
    assert detail.summary.status == "ROUTED"
    assert [e.event_type for e in detail.events][-2:] == ["RESUME", "ROUTE"]
    assert len(counter.sink.files) == printed_before + 1
    text = "".join(p.extract_text() for p in PdfReader(counter.sink.files[-1]).pages)
    assert notice.case_number in text


def test_only_waiting_cases_resume(counter: Counter) -> None:
    page = counter.window.case_search
    counter.window.show_case_search()
    counter.window.resume_case()  # nothing selected
    assert "请先在列表中选择办件" in page.info.text()
