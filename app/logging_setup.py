"""Logging that never writes personal data: ID numbers and phones are masked in every line, tracebacks too."""

from __future__ import annotations

import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from app.config import data_dir

# A run of digits as people type them: ASCII or full-width digits, single spaces (also the
# ideographic space) or hyphens between them, an optional +86 / ＋86 in front and an optional
# X / Ｘ at the end. What the run holds is decided after the separators are taken out.
_DIGIT = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-]?"
_RUN_RE = re.compile(
    rf"(?<![0-9\uff10-\uff19])[+\uff0b]?{_DIGIT}(?:{_SEP}{_DIGIT})*(?:{_SEP}[Xx\uff38\uff58])?"
    r"(?![0-9\uff10-\uff19])"
)
_FULL_WIDTH = str.maketrans(
    "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff38\uff58\uff0b",
    "0123456789XX+",
)
_MOBILE_RE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_HEX = set("0123456789abcdefABCDEF")


def _mask_run(match: re.Match[str]) -> str:
    text = match.group(0)
    compact = "".join(ch for ch in text.translate(_FULL_WIDTH).upper() if ch in "0123456789X+")
    digits = compact.lstrip("+")
    count = sum(ch.isdigit() for ch in digits)
    if count < 11:
        return text
    mobile = _MOBILE_RE.fullmatch(digits)
    if mobile:
        number = mobile.group(1)
        return number[:3] + "****" + number[-4:]
    if len(digits) in (15, 18) and digits[:-1].isdigit():
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    start = match.start()
    if (
        start >= 2
        and match.string[start - 1] == "-"
        and match.string[start - 2] in _HEX
        and count <= 12
    ):
        return text  # the last group of a UUID, not a person's number
    # Any other long run (two numbers typed together, a number inside other digits): mask all of
    # it but its first three and last two digits. Logs lose a little detail, never a person.
    return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]


def scrub(text: str) -> str:
    """Mask anything that looks like an ID number (15 or 18 digits) or a mobile number, however typed."""
    return _RUN_RE.sub(_mask_run, text)


class PersonalDataFilter(logging.Filter):
    """Masks the message of a record (for handlers this module did not set up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        return True


class ScrubbingFormatter(logging.Formatter):
    """Masks the whole formatted line, exception text and traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record (not the stream of the moment
    logging was set up, which a test harness or a redirect may since have closed)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Ignored: StreamHandler.__init__ and setStream assign a stream; this one never keeps it."""


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log whose files are created readable by their owner only (0600)."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup_logging(level: str | None = None, log_dir: Path | None = None) -> Path | None:
    """Log to stderr (when there is one) and to a rotating file in the data folder, both scrubbed
    of personal data. A windowed Windows build has no stderr: the file is then the only log.
    Returns the log file's path, or None when the folder cannot be written."""
    level = level or os.environ.get("ONEWINDOW_LOG_LEVEL", "INFO")
    fmt = ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    if sys.stderr is not None:
        handlers.append(CurrentStderrHandler())
    path: Path | None = None
    folder = log_dir or (data_dir() / "logs")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / "onewindow.log"
        handlers.append(
            PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        )
    except OSError:
        path = None  # a read-only or full disk must not stop the counter
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    return path
