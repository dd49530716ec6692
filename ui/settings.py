"""Typed per-desktop options over QSettings, with a versioned upgrade path (printers, window, screens)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QSettings

T = TypeVar("T", str, int, bool)
SETTINGS_VERSION = 2


@dataclass(frozen=True)
class Option(Generic[T]):
    """One per-desk preference kept in QSettings, with its default."""

    key: str
    default: T

    def get(self, settings: QSettings) -> T:
        value: object = settings.value(self.key, self.default)
        if isinstance(self.default, bool):
            if isinstance(value, str):
                value = value.lower() in ("1", "true", "yes")
            return value if isinstance(value, bool) else self.default
        if isinstance(self.default, int):
            try:
                return int(str(value))
            except ValueError:
                return self.default
        return str(value)

    def set(self, settings: QSettings, value: T) -> None:
        settings.setValue(self.key, value)


RECEIPT_PRINTER = Option("printing/receipt_printer", "")
A4_PRINTER = Option("printing/a4_printer", "")
RECEIPT_PAPER = Option("printing/receipt_paper", "80mm")  # receipts on the roll or on A4
PRINT_PREVIEW = Option("printing/preview", False)
PDF_FOLDER = Option("printing/pdf_folder", "")  # papers go here when no printer is installed
COUNTER_NUMBER = Option("counter/number", 1)
BOARD_SCREEN = Option("board/screen", 0)
RATING_SCREEN = Option("rating/screen", 1)
VOICE_ENABLED = Option("board/voice", True)


def _v1_to_v2(settings: QSettings) -> None:
    # v1 kept one "printer" for everything; v2 separates the receipt roll from the A4 printer.
    old = settings.value("printer")
    if old:
        settings.setValue(RECEIPT_PRINTER.key, old)
        settings.setValue(A4_PRINTER.key, old)
        settings.remove("printer")


UPGRADES: dict[int, Callable[[QSettings], None]] = {1: _v1_to_v2}


def upgrade_settings(settings: QSettings) -> int:
    """Run each upgrade from the stored version to SETTINGS_VERSION; returns the version reached."""
    stored = settings.value("settings_version", 1 if settings.allKeys() else SETTINGS_VERSION)
    version = int(str(stored))
    while version < SETTINGS_VERSION:
        UPGRADES[version](settings)
        version += 1
    settings.setValue("settings_version", version)
    return version
