"""ID-card readers: the IdCardReader protocol, a fake for tests, a poller, and keyboard-wedge decoding."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from ui.background import BackgroundOp

POLL_MS = 400  # vendors ask for ≥ 300 ms between reads


class CardKind(StrEnum):
    """The kind of ID card an ID reader read."""

    RESIDENT = "resident"  # 居民身份证
    HMT = "hmt"  # 港澳台居民居住证 (flag J)
    FOREIGN_2017 = "foreign_2017"  # 永居证 2017 (flag I)
    FOREIGN_2023 = "foreign_2023"  # 永居证 2023 (flag Y)


@dataclass(frozen=True)
class IdCardRead:
    """What a reader returns for one card (text fields only; the photo as raw bytes)."""

    kind: CardKind
    id_number: str
    name: str
    name_en: str = ""
    sex_code: str = ""
    nation_code: str = ""
    birth: date | None = None
    address: str = ""
    issuer_or_authority_code: str = ""
    valid_from: date | None = None
    valid_to: date | None = None  # None = 长期
    pass_number: str = ""
    issue_count: int = 0
    nationality_code: str = ""
    photo: bytes = b""
    sam_id: str = ""


class IdCardReader(Protocol):
    """A vendor reader (termb / sdtapi / a 32-bit bridge process) behind three calls."""

    def open(self) -> None: ...

    def poll(self) -> IdCardRead | None:
        """The card on the reader now, or None (called off the GUI thread)."""
        ...

    def close(self) -> None: ...


class FakeIdCardReader:
    """A reader for tests and demos: `put(card)` lays a card on it until `lift()`."""

    def __init__(self) -> None:
        self.opened = False
        self._cards: deque[IdCardRead] = deque()
        self._current: IdCardRead | None = None

    def put(self, card: IdCardRead) -> None:
        self._cards.append(card)

    def lift(self) -> None:
        self._current = None

    def open(self) -> None:
        self.opened = True

    def poll(self) -> IdCardRead | None:
        if self._current is None and self._cards:
            self._current = self._cards.popleft()
        return self._current

    def close(self) -> None:
        self.opened = False


class CardPoller(QObject):
    """Polls a reader through the background helper; emits each card once until it is lifted."""

    card_read = Signal(object)  # IdCardRead
    failed = Signal(str)

    def __init__(self, reader: IdCardReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reader = reader
        self._last: str | None = None
        self._busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll_once)

    def start(self) -> None:
        BackgroundOp(self.reader.open).success(lambda _r: self.timer.start()).failure(
            lambda e: self.failed.emit(str(e))
        ).run()

    def stop(self) -> None:
        self.timer.stop()
        self.reader.close()

    def poll_once(self) -> None:
        if self._busy:
            return
        self._busy = True
        BackgroundOp(self.reader.poll).success(self._got).failure(self._error).run()

    def _error(self, exc: Exception) -> None:
        self._busy = False
        self.failed.emit(str(exc))

    def _got(self, card: IdCardRead | None) -> None:
        self._busy = False
        if card is None:
            self._last = None  # lifted: the same card may be read again
            return
        if card.id_number == self._last:
            return
        self._last = card.id_number
        self.card_read.emit(card)


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def decode_wedge(text: str) -> str:
    """Keyboard-wedge readers type names as \\uXXXX escapes: turn them back into characters."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
