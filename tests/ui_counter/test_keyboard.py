"""The keyboard in the window: Ctrl+E from a form field, focus back after dialogs, a window that
fits 1366×768 with its status bar, matter names readable in the picker."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter
from tests.ui_counter.test_counter_flow import type_in, with_dialog
from ui.counter.common import fitting_size
from ui.counter.dialogs import ConsultDialog, HelpOverlay
from ui.counter.print_history import ReprintDialog
from ui.settings_dialog import SettingsDialog

K = Qt.Key


def test_ctrl_e_prints_the_form_from_a_form_field(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    ws, s, user = counter.window.workspace, counter.services, counter.user
    s.residents.register(ResidentInput(YOUNG, "李小梅"), user)
    type_in(qtbot, ws.identify.id_edit, YOUNG)
    type_in(qtbot, ws.picker.search, "dbsq")
    field = ws.form.widgets["bank_name"]
    assert isinstance(field, QLineEdit)
    field.setFocus()
    qtbot.keyClicks(field, "abc")
    printed = len(counter.sink.files)
    qtbot.keyClick(field, K.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(counter.sink.files) == printed + 1, timeout=5000)
    assert "申请表" in counter.sink.files[-1].name
    assert field.text() == "abc"


def test_focus_returns_to_the_window_after_a_dialog(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = counter.window
    with_dialog(ConsultDialog, lambda d: d.note.setPlainText("问居住证办理，已告知"))
    qtbot.keyClick(w, K.Key_F12)
    assert QApplication.activeWindow() is w


def test_the_window_fits_a_1366_by_768_screen(counter: Counter) -> None:
    w = counter.window
    hint = w.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768 - 40, hint
    assert fitting_size(w).height() <= w.screen().availableGeometry().height() - 40
    w.resize(QSize(1366, 728))
    QApplication.processEvents()
    bar = w.statusBar()
    assert bar.isVisible() and bar.geometry().bottom() <= w.height()


def test_long_matter_names_wrap_and_have_a_tooltip(counter: Counter) -> None:
    picker = counter.window.workspace.picker
    picker.run_search("")
    assert picker.view.wordWrap()
    model = picker.model
    names = [model.index(r, 1) for r in range(model.rowCount())]
    assert names and all(model.data(i, Qt.ItemDataRole.ToolTipRole) == model.data(i) for i in names)


def test_every_kind_of_dialog_hands_the_keyboard_back(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = counter.window
    for make in (
        lambda: SettingsDialog(counter.settings, windows=[(3, "3 号窗口")], parent=w),
        lambda: ReprintDialog("990101202611300001", [], w),
        lambda: QMessageBox(QMessageBox.Icon.Warning, "提示", "同一事项已有办件", parent=w),
        lambda: HelpOverlay(w.registry.help_rows(), w),
    ):
        dialog = make()
        dialog.open()
        qtbot.waitUntil(lambda d=dialog: QApplication.activeWindow() is d, timeout=3000)
        dialog.reject()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
        focus = QApplication.focusWidget()
        assert focus is not None and focus.window() is w
