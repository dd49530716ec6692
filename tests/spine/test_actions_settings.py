"""One action registry with unique F-keys; typed settings with a versioned upgrade."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from ui.actions import SPECS, ActionId, ActionRegistry
from ui.settings import A4_PRINTER, COUNTER_NUMBER, RECEIPT_PRINTER, VOICE_ENABLED, upgrade_settings


def test_every_action_has_a_unique_shortcut_and_chinese_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    registry = ActionRegistry(window)
    shortcuts = [SPECS[a].shortcut for a in ActionId]
    assert len(shortcuts) == len(set(shortcuts)) == len(ActionId)
    for action_id, action in registry.all():
        assert action.shortcut().toString() == SPECS[action_id].shortcut
        assert action.text() and all(ord(ch) > 0x2E80 for ch in action.text()[:1])
    fired: list[str] = []
    registry.bind(ActionId.CALL_NEXT, lambda: fired.append("next"))
    registry.action(ActionId.CALL_NEXT).trigger()
    assert fired == ["next"]
    assert [row[0] for row in registry.help_rows()][:3] == ["F1", "F2", "F3"]


def test_settings_are_typed_and_upgraded(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    settings.setValue("printer", "EPSON TM-T82")
    settings.setValue(COUNTER_NUMBER.key, "3")
    assert upgrade_settings(settings) == 2
    assert RECEIPT_PRINTER.get(settings) == A4_PRINTER.get(settings) == "EPSON TM-T82"
    assert COUNTER_NUMBER.get(settings) == 3
    assert VOICE_ENABLED.get(settings) is True
    settings.setValue(VOICE_ENABLED.key, "false")
    assert VOICE_ENABLED.get(settings) is False
    fresh = QSettings(str(tmp_path / "new.ini"), QSettings.Format.IniFormat)
    assert upgrade_settings(fresh) == 2 and RECEIPT_PRINTER.get(fresh) == ""


def test_qt_own_buttons_speak_chinese(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from ui.qt_app import install_chinese

    app = QApplication.instance()
    assert app is not None and install_chinese(app)
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert texts & {"确定", "取消"}, texts
