"""Logging that never writes personal data: ID numbers and phone numbers are masked in every record."""

from __future__ import annotations

import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app.config import data_dir

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def scrub(text: str) -> str:
    """Mask anything that looks like an 18-digit ID number or a mobile number."""
    text = _ID_RE.sub(r"\1********\2", text)
    return _MOBILE_RE.sub(r"\1****\2", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        return True


def setup_logging(level: str | None = None, log_dir: Path | None = None) -> Path | None:
    """Log to stderr (when there is one) and to a rotating file in the data folder, both scrubbed
    of personal data. A windowed Windows build has no stderr: the file is then the only log.
    Returns the log file's path, or None when the folder cannot be written."""
    level = level or os.environ.get("ONEWINDOW_LOG_LEVEL", "INFO")
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    if sys.stderr is not None:
        handlers.append(logging.StreamHandler())
    path: Path | None = None
    folder = log_dir or (data_dir() / "logs")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "onewindow.log"
        handlers.append(
            RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
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
