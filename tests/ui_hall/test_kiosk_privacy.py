"""Nothing personal stays on the kiosk: the ID leaves with the ticket or after an idle while, and
number keys issue tickets even when the ID field has focus."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.ui_hall.conftest import Hall, make_id
from ui import kiosk as kiosk_module
from ui.kiosk import KioskWindow

YOUNG = make_id("11010119950612002")


def _kiosk(qtbot, hall: Hall, tmp_path: Path, idle_ms: int = 60000) -> KioskWindow:  # type: ignore[no-untyped-def]
    kiosk = KioskWindow(hall.services, slip_dir=tmp_path, idle_ms=idle_ms)
    qtbot.addWidget(kiosk)
    kiosk.load()
    kiosk.show()
    return kiosk


def test_the_id_leaves_the_screen_with_the_ticket(qtbot, hall: Hall, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kiosk = _kiosk(qtbot, hall, tmp_path)
    kiosk.id_edit.setText(YOUNG)
    assert kiosk.id_hint.text() == "已读取"
    kiosk.issue(kiosk.groups[0].code)
    assert kiosk.last_issued is not None and kiosk.pages.currentIndex() == 1
    assert kiosk.id_edit.text() == "" and kiosk.id_hint.text() == ""
    kiosk.printer.wait()


def test_a_mistyped_id_and_its_error_go_after_an_idle_while(
    qtbot, hall: Hall, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert kiosk_module.IDLE_CLEAR_MS == 15000
    kiosk = _kiosk(qtbot, hall, tmp_path, idle_ms=80)
    kiosk.id_edit.setText("110101195803071230")  # wrong check digit
    assert kiosk.id_hint.text() == "号码有误，请核对"
    kiosk.issue(kiosk.groups[0].code)  # refused: a red message
    assert kiosk.last_issued is None and kiosk.status.property("error") is True
    kiosk.id_edit.setText("110101195803071230")
    qtbot.waitUntil(lambda: kiosk.id_edit.text() == "", timeout=3000)
    assert kiosk.id_hint.text() == "" and kiosk.status.text() == ""
    assert kiosk.priority().value == "normal"


def test_number_keys_issue_even_from_the_id_field(qtbot, hall: Hall, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kiosk = _kiosk(qtbot, hall, tmp_path)
    qtbot.mouseClick(kiosk.id_edit, Qt.MouseButton.LeftButton)  # a resident tapped the field
    kiosk.id_edit.setFocus()
    qtbot.keyClick(kiosk.id_edit, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: kiosk.last_issued is not None, timeout=5000)
    assert kiosk.last_issued is not None
    assert kiosk.last_issued.ticket.service_group == kiosk.groups[1].code
    assert kiosk.id_edit.text() == ""  # the digit picked a group, it was not typed into the field
    kiosk.printer.wait()


def test_a_reader_burst_into_the_focused_field_fills_it(qtbot, hall: Hall, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kiosk = _kiosk(qtbot, hall, tmp_path)
    kiosk.id_edit.setFocus()
    qtbot.keyClicks(kiosk.id_edit, YOUNG)
    qtbot.keyClick(kiosk.id_edit, Qt.Key.Key_Return)
    assert kiosk.id_edit.text() == YOUNG and kiosk.last_issued is None
