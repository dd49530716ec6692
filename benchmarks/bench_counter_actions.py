"""Counts the clerk's actions (keys and clicks besides typing data) from call-next to a printed 即办件 receipt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_counter_actions.py

A plain offscreen QApplication (no pytest-qt): a JY-001 失业登记 for a known resident, driven by the
same F-keys and Enter presses a clerk uses; data typed into fields is not counted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from app.services.bootstrap import Services
from app.services.residents import ResidentInput
from app.services.setup import initialise
from ui.background import BackgroundOp
from ui.counter.documents_glue import FileSink
from ui.main_window import MainWindow
from ui.settings import COUNTER_NUMBER

RESIDENT = "110101195803071233"
GOAL = 6


class Clerk:
    """Presses keys on the window and keeps the list of counted actions."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.actions: list[str] = []

    def press(self, key: Qt.Key, label: str, target: QWidget | None = None) -> None:
        self.actions.append(label)
        QTest.keyClick(target or self.window, key)

    def type(self, widget: QWidget, text: str) -> None:
        """Typing data: not an action."""
        widget.setFocus()
        QTest.keyClicks(widget, text)


def main() -> int:
    app = QApplication(sys.argv[:1])
    BackgroundOp.run_inline(True)
    tmp = Path(tempfile.mkdtemp())
    services = Services.for_url(f"sqlite:///{tmp / 'bench.db'}")
    initialise(services.ctx)
    user = services.centre.sign_in("clerk1", "onewindow")
    services.residents.register(ResidentInput(RESIDENT, "张秀兰", "13800138000"), user)
    settings = QSettings(str(tmp / "bench.ini"), QSettings.Format.IniFormat)
    COUNTER_NUMBER.set(settings, 3)
    sink = FileSink(tmp / "prints")
    w = MainWindow(services, user, sink=sink, settings=settings)
    w.show()
    w.load()
    w.activateWindow()
    app.processEvents()
    assert w.overview is not None
    services.queue.issue_ticket(w.overview.centre.id, "jiuye_chuangye")
    ws = w.workspace
    clerk = Clerk(w)
    started = time.perf_counter()

    clerk.press(Qt.Key.Key_F2, "F2 叫号")
    clerk.type(ws.identify.id_edit, RESIDENT)
    clerk.press(Qt.Key.Key_Return, "Enter 查询身份", ws.identify.id_edit)
    clerk.type(ws.picker.search, "sydj")
    clerk.press(Qt.Key.Key_Return, "Enter 选定事项", ws.picker.search)
    form = ws.form.widgets
    # the same keys as the real-window test (tests/ui_window): a digit picks 文化程度 and moves on,
    # 失业原因 keeps the catalogue's default, Ctrl+M receives the required materials, F8 completes
    clerk.press(Qt.Key.Key_1, "1 文化程度：初中及以下", form["education"])
    clerk.type(form["unemployment_date"], "2026-11-01")
    clerk.actions.append("Ctrl+M 必需材料收齐")
    QTest.keyClick(form["unemployment_date"], Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    clerk.press(Qt.Key.Key_F8, "F8 即办办结并打印")
    elapsed = time.perf_counter() - started

    result = ws.last_result
    ok = result is not None and result.kind == "completion" and bool(sink.files)
    print(
        f"counter actions from call-next to printed 即办件 notice: {len(clerk.actions)} "
        f"(goal ≤ {GOAL}); {'printed ' + sink.files[-1].name if ok else 'NOT printed: ' + ws.status.text()}"
    )
    for i, a in enumerate(clerk.actions, 1):
        print(f"  {i}. {a}")
    print(f"  (wall time {elapsed * 1000:.0f} ms, offscreen, SQLite)")
    w.close()
    services.ctx.close()
    return 0 if ok and len(clerk.actions) <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
