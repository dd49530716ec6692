"""Errors raised by domain rules: a stable code for programs and a Chinese message for people."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `code` is stable (for tests, logs, sync); `message` is shown to the clerk."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ValidationError(DomainError):
    """Input that cannot be accepted (an ID number, a phone, a date, a field)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message)
        self.field = field


class IllegalTransition(DomainError):
    """A case or ticket was asked to move in a way its state machine forbids."""
