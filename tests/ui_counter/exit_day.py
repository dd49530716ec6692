"""A counter day and a Qt print in one process, then a normal exit: run by test_exit_status."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.services.residents import ResidentInput
from tests.ui_counter.conftest import ELDER, open_counter
from ui.background import BackgroundOp
from ui.printing import PdfPrinter
from ui.qt_app import make_application

EMITS_IN_A_DAY = 5000  # a busy desk's signals: status messages, table updates, print results


def main() -> int:
    app = make_application(["exit_day"])
    folder = Path(tempfile.mkdtemp(prefix="onewindow-exit-"))
    BackgroundOp.run_inline(True)
    c = open_counter(f"sqlite:///{(folder / 'centre.db').as_posix()}", folder)
    w, ws = c.window, c.window.workspace
    w.show()
    w.load()
    assert w.overview is not None
    c.services.residents.register(ResidentInput(ELDER, "张秀兰"), c.user)
    c.services.queue.issue_ticket(w.overview.centre.id, "jiuye_chuangye", id_number=ELDER)
    w.activateWindow()
    ws.call_next()
    ws.identify.id_edit.setText(ELDER)
    QTest.keyClick(ws.identify.id_edit, Qt.Key.Key_Return)
    ws.picker.search.setText("JY-001")
    QTest.keyClick(ws.picker.search, Qt.Key.Key_Return)
    ws.form.set_value("education", "本科")
    ws.form.set_value("unemployment_date", "20261101")
    ws.form.set_value("unemployment_reason", "其他")
    ws.materials_model.receive_unchecked()
    ws.complete_on_spot()
    assert c.sink.files, ws.status.text()
    printer = PdfPrinter(w)
    results: list[bool] = []
    printer.finished.connect(lambda ok, _message: results.append(ok))
    printer.print_to_file(c.sink.files[-1].read_bytes(), folder / "printed.pdf")
    printer.wait()
    app.processEvents()
    for _ in range(EMITS_IN_A_DAY):
        ws.message.emit("…")
    assert results == [True], results
    print("day done", flush=True)
    BackgroundOp.run_inline(False)
    w.close()
    c.services.ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
