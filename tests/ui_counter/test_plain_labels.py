"""Every label that shows data shows it as typed: HTML in an address is text, not markup (a label
in Qt's AutoText renders anything that looks like a tag)."""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import YOUNG, Counter
from tests.ui_counter.test_counter_flow import type_in

ADDRESS = "<b>幸福路</b>1号<br>3单元"


def shown(label: QLabel) -> str:
    """The text as the label draws it."""
    text, fmt = label.text(), label.textFormat()
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)  # type: ignore[attr-defined]
    )
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def texts(root: QWidget) -> list[str]:
    return [shown(w) for w in root.findChildren(QLabel) if w.text()]


def test_html_in_an_address_is_shown_as_text(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    ws, s = counter.window.workspace, counter.services
    s.residents.register(ResidentInput(YOUNG, "李小梅", address=ADDRESS), counter.user)
    type_in(qtbot, ws.identify.id_edit, YOUNG)
    assert ws.identify.resident is not None
    labels = texts(counter.window)
    assert any(ADDRESS in t for t in labels), labels
    assert not [t for t in labels if "幸福路1号" in t], labels
