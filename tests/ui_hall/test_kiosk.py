"""The kiosk issues tickets by touch and by number key, prints the slip, and honours an elderly ID."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt

from app.services.queue import QueueService
from tests.ui_hall.conftest import Hall, make_id
from ui.kiosk import KioskWindow

ELDERLY = make_id("11010119580307123")  # 68 in 2026
YOUNG = make_id("11010119950612002")


def _kiosk(qtbot, hall: Hall, tmp_path: Path) -> KioskWindow:
    kiosk = KioskWindow(hall.services, slip_dir=tmp_path)
    qtbot.addWidget(kiosk)
    kiosk.load()
    kiosk.show()
    return kiosk


def test_touch_a_group_issues_and_prints_the_slip(qtbot, hall: Hall, tmp_path: Path) -> None:
    kiosk = _kiosk(qtbot, hall, tmp_path)
    assert kiosk.centre is not None and len(kiosk.group_buttons) == len(kiosk.groups) >= 2
    assert "正在等候 0 人" in kiosk.group_buttons[0].text()
    with qtbot.waitSignal(kiosk.printer.finished, timeout=30000) as printed:
        qtbot.mouseClick(kiosk.group_buttons[0], Qt.MouseButton.LeftButton)
    assert printed.args[0] is True, printed.args
    issued = kiosk.last_issued
    assert issued is not None
    number = issued.ticket.number
    assert number.startswith(kiosk.groups[0].prefix)
    assert kiosk.pages.currentIndex() == 1 and kiosk.result_number.text() == number
    assert kiosk.result_message() == f"您的号码 {number}，前面还有 0 人"
    # The slip as rendered carries the number as text; the printed file (80 mm) exists.
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(issued.slip_pdf)).pages)
    assert number in text
    slip = tmp_path / f"{number}.pdf"
    assert slip.exists() and slip.stat().st_size > 1000
    page = PdfReader(slip).pages[0]
    assert abs(float(page.mediabox.width) - 80 * 72 / 25.4) < 2
    # Back to the choice; the counts now show the waiting ticket.
    kiosk.back_to_choice()
    assert "正在等候 1 人" in kiosk.group_buttons[0].text()


def test_number_key_picks_the_group(qtbot, hall: Hall, tmp_path: Path) -> None:
    kiosk = _kiosk(qtbot, hall, tmp_path)
    kiosk.setFocus()
    first = QueueService(hall.ctx).issue_ticket(hall.centre_id, kiosk.groups[1].code)
    qtbot.keyClick(kiosk, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: kiosk.last_issued is not None, timeout=5000)
    assert kiosk.last_issued is not None
    t = kiosk.last_issued.ticket
    assert t.service_group == kiosk.groups[1].code and t.waiting_ahead == 1
    assert t.number != first.number
    assert kiosk.result_message().endswith("前面还有 1 人")
    kiosk.printer.wait()


def test_elderly_id_sets_priority(qtbot, hall: Hall, tmp_path: Path) -> None:
    kiosk = _kiosk(qtbot, hall, tmp_path)
    QueueService(hall.ctx).issue_ticket(hall.centre_id, kiosk.groups[0].code)  # an ordinary one
    kiosk.id_edit.setText(ELDERLY)
    assert kiosk.id_hint.text() == "已识别为老年人，自动优先"
    assert kiosk.priority().value == "elderly"
    kiosk.issue(kiosk.groups[0].code)
    assert kiosk.last_issued is not None
    t = kiosk.last_issued.ticket
    assert t.priority == "elderly" and t.waiting_ahead == 0  # served before the ordinary ticket
    kiosk.printer.wait()
    kiosk.back_to_choice()
    assert kiosk.id_edit.text() == "" and kiosk.priority().value == "normal"


def test_elderly_id_sets_priority_even_without_the_hint(qtbot, hall: Hall, tmp_path: Path) -> None:
    """The service decides from the birth date, whatever the screen showed."""
    kiosk = _kiosk(qtbot, hall, tmp_path)
    kiosk.id_edit.blockSignals(True)
    kiosk.id_edit.setText(ELDERLY)
    kiosk.issue(kiosk.groups[0].code)
    assert kiosk.last_issued is not None and kiosk.last_issued.ticket.priority == "elderly"
    kiosk.printer.wait()


def test_reader_burst_fills_the_id_not_a_group(qtbot, hall: Hall, tmp_path: Path) -> None:
    kiosk = _kiosk(qtbot, hall, tmp_path)
    kiosk.setFocus()
    qtbot.keyClicks(kiosk, YOUNG)  # a keyboard-wedge reader types the whole number at once
    qtbot.keyClick(kiosk, Qt.Key.Key_Return)
    assert kiosk.id_edit.text() == YOUNG and kiosk.last_issued is None
    assert kiosk.priority().value == "normal" and kiosk.id_hint.text() == "已读取"


def test_invalid_id_is_refused_with_a_message(qtbot, hall: Hall, tmp_path: Path) -> None:
    kiosk = _kiosk(qtbot, hall, tmp_path)
    kiosk.id_edit.setText("110101195803071230")
    assert kiosk.id_hint.text() == "号码有误，请核对"
    kiosk.issue(kiosk.groups[0].code)
    assert kiosk.last_issued is None and kiosk.status.text()
    assert all(b.isEnabled() for b in kiosk.group_buttons)


def test_manual_priority_button(qtbot, hall: Hall, tmp_path: Path) -> None:
    kiosk = _kiosk(qtbot, hall, tmp_path)
    buttons = list(kiosk.priority_buttons.values())
    qtbot.mouseClick(buttons[2], Qt.MouseButton.LeftButton)  # 孕妇
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)  # 残疾人 replaces it
    assert kiosk.priority().value == "disabled" and not buttons[2].isChecked()
    kiosk.issue(kiosk.groups[0].code)
    assert kiosk.last_issued is not None and kiosk.last_issued.ticket.priority == "disabled"
    kiosk.printer.wait()
