"""Translation of the UI's visible strings, in the one form pyside6-lupdate extracts from Python.

Every visible Chinese string is written as `tr("...")` with the literal itself as the argument
(no f-strings, no concatenation: fill values in with `%` or `.format` after tr). pyside6-lupdate
files a bare `tr("...")` under the empty context, so `tr` translates in that context too and a
.ts made by `pyside6-lupdate ui -ts zh_CN.ts` matches at run time. Strings in module-level tables
are marked with QT_TR_NOOP("...") and passed through tr() where they are shown.
tests/spine/test_ui_strings.py holds both rules."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = ""  # the context pyside6-lupdate gives a bare tr() call in Python

__all__ = ["CONTEXT", "QT_TR_NOOP", "tr"]


def tr(text: str) -> str:
    """`text` in the user's language (the source strings are Simplified Chinese)."""
    return QCoreApplication.translate(CONTEXT, text)


def QT_TR_NOOP(text: str) -> str:
    """Marks a string for pyside6-lupdate where it is defined (a table); tr() it where shown.
    (PySide6's own QT_TR_NOOP is typed as returning object.)"""
    return text
