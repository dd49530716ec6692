"""Call next, identify and complete a 即办件 by F-keys, on SQLite and PostgreSQL; small helpers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.domain.pinyin_search import closeness
from app.services.residents import ResidentInput
from tests.ui_counter.conftest import ELDER, open_counter
from tests.ui_counter.test_counter_flow import activate
from ui.background import BackgroundOp
from ui.counter.hardware import decode_wedge


def test_f_keys_on_both_databases(qtbot, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    c = open_counter(db_url, tmp_path)
    try:
        w, ws = c.window, c.window.workspace
        qtbot.addWidget(w)
        w.show()
        w.load()
        activate(qtbot, w)
        assert w.overview is not None
        c.services.residents.register(ResidentInput(ELDER, "张秀兰"), c.user)
        c.services.queue.issue_ticket(w.overview.centre.id, "jiuye_chuangye", id_number=ELDER)
        qtbot.keyClick(w, Qt.Key.Key_F2)
        assert ws.queue.ticket is not None and ws.queue.ticket.number == "B001"
        assert ws.identify.id_edit.hasFocus()
        qtbot.keyClicks(ws.identify.id_edit, ELDER)
        qtbot.keyClick(ws.identify.id_edit, Qt.Key.Key_Return)
        assert ws.identify.resident is not None and ws.picker.search.hasFocus()
        qtbot.keyClicks(ws.picker.search, "JY-001")
        qtbot.keyClick(ws.picker.search, Qt.Key.Key_Return)
        ws.materials_model.receive_unchecked()
        qtbot.keyClick(w, Qt.Key.Key_F8)  # the form is empty: refused, errors per field
        assert ws.last_result is None and ws.status.text()
        assert any(e.isVisible() or e.text() for e in ws.form.errors.values())
        ws.form.set_value("education", "本科")
        ws.form.set_value("unemployment_date", "20261101")
        ws.form.set_value("unemployment_reason", "其他")
        qtbot.keyClick(w, Qt.Key.Key_F8)
        assert ws.last_result is not None and ws.last_result.kind == "completion"
        assert c.sink.files and c.sink.files[-1].read_bytes().startswith(b"%PDF")
    finally:
        BackgroundOp.run_inline(False)
        c.services.ctx.close()


def test_helpers() -> None:
    assert decode_wedge("\\u5f20\\u4e09") == "张三"
    assert closeness("dbsq", "最低生活保障（低保家庭认定及保障金给付）") < closeness(
        "dbsq", "创业担保贷款申请"
    )
