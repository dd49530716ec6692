"""Voice call-out for the call board through QtTextToSpeech: Chinese where a voice exists, else silent."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QObject

if TYPE_CHECKING:
    from PySide6.QtTextToSpeech import QTextToSpeech

log = logging.getLogger(__name__)

_DIGITS = "零一二三四五六七八九"
_TICKET = re.compile(r"([A-Z]+)(\d+)")


def spoken_text(text: str) -> str:
    """How a call is read out: ticket digits one by one (A017 → A零一七), spaces dropped.

    Window numbers stay as numbers, so a Chinese voice says 三号窗口 / 十二号窗口."""

    def digits(m: re.Match[str]) -> str:
        return m.group(1) + "".join(_DIGITS[int(d)] for d in m.group(2))

    return _TICKET.sub(digits, text).replace(" ", "")


class Announcer(QObject):
    """Says each call in Chinese; never raises: without an engine or a Chinese voice it stays silent.

    engine: a QtTextToSpeech engine name ("mock" in tests, "sapi"/"winrt" on Windows, "speechd"
    on Linux) or None for the platform default; enabled=False keeps it silent (VOICE_ENABLED).
    require_chinese=False speaks even with a non-Chinese voice (tests with the mock engine).
    repeat: how many times each call is said (halls usually say it twice)."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        engine: str | None = None,
        enabled: bool = True,
        require_chinese: bool = True,
        repeat: int = 2,
    ) -> None:
        super().__init__(parent)
        self.repeat = max(1, repeat)
        self.requested: list[str] = []  # every announce() call, spoken or not
        self.spoken: list[str] = []  # texts actually handed to the engine
        self.reason = ""  # why it is silent, for the log and the settings page
        self.tts: QTextToSpeech | None = None
        if enabled:
            self.tts = self._open(engine, require_chinese)
        else:
            self.reason = "disabled"

    @property
    def available(self) -> bool:
        return self.tts is not None

    def _open(self, engine: str | None, require_chinese: bool) -> QTextToSpeech | None:
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech
        except ImportError as exc:  # e.g. libpulse0 missing on a bare Linux
            self.reason = f"QtTextToSpeech unavailable: {exc}"
            log.info("voice call-out off: %s", self.reason)
            return None
        engines = QTextToSpeech.availableEngines()
        if engine is not None and engine not in engines:
            self.reason = f"engine {engine!r} not installed"
            log.info("voice call-out off: %s", self.reason)
            return None
        if not engines:
            self.reason = "no text-to-speech engine"
            log.info("voice call-out off: %s", self.reason)
            return None
        tts = QTextToSpeech(engine, self) if engine else QTextToSpeech(self)
        if tts.state() == QTextToSpeech.State.Error:
            self.reason = f"engine error: {tts.errorString() or tts.engine()}"
            log.info("voice call-out off: %s", self.reason)
            tts.deleteLater()
            return None
        chinese = [
            loc for loc in tts.availableLocales() if loc.language() == QLocale.Language.Chinese
        ]
        chinese.sort(key=lambda loc: loc.territory() != QLocale.Country.China)
        if chinese:
            tts.setLocale(chinese[0])
            voices = [
                v
                for v in tts.availableVoices()
                if v.locale().language() == QLocale.Language.Chinese
            ]
            if voices:
                tts.setVoice(voices[0])
        elif require_chinese:
            self.reason = f"no Chinese voice in engine {tts.engine()!r}"
            log.info("voice call-out off: %s", self.reason)
            tts.deleteLater()
            return None
        tts.setRate(-0.1)  # a little slower than normal: a noisy hall, older listeners
        return tts

    def announce(self, text: str) -> None:
        """Queue one call (e.g. "请 A017 号 到 3 号窗口"), said `repeat` times."""
        self.requested.append(text)
        if self.tts is None:
            return
        words = spoken_text(text)
        try:
            for _ in range(self.repeat):
                self.tts.enqueue(words)
        except RuntimeError as exc:  # engine went away (audio device unplugged …)
            log.warning("voice call-out failed: %s", exc)
            return
        self.spoken.append(text)

    def stop(self) -> None:
        if self.tts is not None:
            self.tts.stop()
