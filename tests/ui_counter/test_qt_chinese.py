"""Qt's own widgets speak Chinese once qtbase_zh_CN is installed: standard buttons, message box
buttons, a text field's context menu (the file dialog: tests/ui_printing/test_paper_folder.py)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox

from ui.qt_app import install_chinese

LATIN = re.compile(r"[A-Za-z]{2,}")  # a single letter is an accelerator: 撤销(&U)
SB = QDialogButtonBox.StandardButton
MB = QMessageBox.StandardButton


def test_standard_buttons_and_menus_are_chinese(qapp) -> None:  # type: ignore[no-untyped-def]
    assert install_chinese(qapp)
    box = QDialogButtonBox(SB.Ok | SB.Cancel | SB.Save | SB.Close | SB.Yes | SB.No | SB.Apply)
    texts = [b.text() for b in box.buttons()]
    message = QMessageBox(QMessageBox.Icon.Question, "标题", "正文")
    message.setStandardButtons(MB.Ok | MB.Cancel | MB.Yes | MB.No | MB.Retry | MB.Ignore)
    texts += [b.text() for b in message.buttons()]
    edit = QLineEdit("示范")
    menu = edit.createStandardContextMenu()
    assert menu is not None
    texts += [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]  # no Ctrl+Z
    assert "确定" in texts and "取消" in texts, texts
    assert not [t for t in texts if LATIN.search(t)], texts
    menu.deleteLater()
    message.deleteLater()
