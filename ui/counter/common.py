"""Small shared helpers of the counter screens: tr(), IME-free fields, error text, Enter-to-next."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app.services.types import DomainError
from ui.i18n import tr

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def latin_only(edit: QLineEdit, *, digits: bool = False) -> QLineEdit:
    """Turn the IME off on a field that takes ID or case numbers (a Chinese IME garbles scans)."""
    hints = Qt.InputMethodHint.ImhLatinOnly | Qt.InputMethodHint.ImhNoPredictiveText
    if digits:
        hints |= Qt.InputMethodHint.ImhPreferNumbers
    edit.setInputMethodHints(hints)
    edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
    return edit


def error_text(exc: BaseException) -> str:
    """The Chinese message of a domain error, or a generic one for anything else."""
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, KeyError):
        return tr("找不到：%s") % exc.args[0]
    return tr("操作失败：%s") % exc


def plain_label(text: str = "") -> QLabel:
    """A label for data (names, addresses, numbers, messages that quote input): shown as typed,
    never read as markup (a QLabel in AutoText renders anything that looks like a tag)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(ERROR_STYLE)
    label.setText(text)


def show_ok(label: QLabel, text: str) -> None:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(OK_STYLE)
    label.setText(text)


def chain_enter(fields: Sequence[QWidget]) -> None:
    """Enter in each QLineEdit moves the focus to the next field of the chain."""
    for here, nxt in itertools.pairwise(fields):
        if isinstance(here, QLineEdit):
            here.returnPressed.connect(lambda n=nxt: n.setFocus(Qt.FocusReason.TabFocusReason))


def fitting_size(window: QWidget, wanted: QSize = QSize(1280, 800)) -> QSize:  # noqa: B008
    """The wanted size, shrunk to the screen's free area (1366×768 with a taskbar keeps the
    status bar on screen); the window manager's frame is left room."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return wanted
    free = screen.availableGeometry()
    return wanted.boundedTo(QSize(free.width() - 16, free.height() - 40))
