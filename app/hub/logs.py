"""The hub's logging: uvicorn's lines, and the hub's own, masked as the centre's are (ID numbers, phones)."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter, DefaultFormatter

from app.logging_setup import scrub


class ScrubbingDefaultFormatter(DefaultFormatter):
    """uvicorn's error-log line, masked whole (message, exception text and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class ScrubbingAccessFormatter(AccessFormatter):
    """uvicorn's access-log line, masked whole (a department's search puts a phone in the query)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def hub_log_config(level: str = "WARNING") -> dict[str, Any]:
    """uvicorn's logging configuration with masking formatters; the hub's own loggers (root) go to
    the same stderr handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["()"] = f"{__name__}.ScrubbingDefaultFormatter"
    config["formatters"]["access"]["()"] = f"{__name__}.ScrubbingAccessFormatter"
    config["root"] = {"handlers": ["default"], "level": level}
    return config
