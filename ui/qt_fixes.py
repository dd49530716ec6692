"""Work-arounds for defects of the installed PySide6, applied once when `ui` is imported."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBE_EMITS = 64
_original_emit = SignalInstance.emit
_installed = False


class _Probe(QObject):
    ping = Signal()


def _incref(obj: object, times: int = 1) -> None:
    for _ in range(times):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def emit_drops_a_reference() -> bool:
    """True when `SignalInstance.emit` returns its bool without a reference of its own.

    PySide6 6.12.0 does: every emit from Python takes one reference from `True`, and after a
    day's worth of emits the interpreter aborts while finalizing ("bool_dealloc").
    """
    probe = _Probe()
    before = sys.getrefcount(True)
    result: Any = None
    for _ in range(_PROBE_EMITS):
        result = _original_emit(probe.ping)
    del result
    lost = before - sys.getrefcount(True)
    if lost >= _PROBE_EMITS // 2:
        _incref(True, lost)  # give back what the probe itself took
        return True
    return False


def _emit_keeping_its_reference(self: SignalInstance, *args: Any) -> Any:
    result = _original_emit(self, *args)
    if type(result) is bool:
        _incref(result)  # the reference PySide should have given the caller
    return result


def install() -> bool:
    """Patch `SignalInstance.emit` where the installed PySide6 needs it; True when patched."""
    global _installed
    if _installed:
        return True
    if not emit_drops_a_reference():
        return False
    SignalInstance.emit = _emit_keeping_its_reference  # type: ignore[method-assign]
    _installed = True
    return True
