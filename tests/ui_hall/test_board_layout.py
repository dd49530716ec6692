"""The board at 1366×768: every column title sits where its column's text does (left over left,
right over right), and a long call never makes the window wider than its screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel

from app.services.queue import QueueService
from tests.ui_hall.conftest import Hall
from ui.board import BoardWindow
from ui.kiosk import KioskWindow

H = Qt.AlignmentFlag.AlignHorizontal_Mask


def _side(value: object) -> int:
    return int(Qt.AlignmentFlag(int(value)) & H) if value is not None else 0  # type: ignore[call-overload]


def test_board_titles_over_their_columns_and_width_within_the_screen(qtbot, hall: Hall) -> None:  # type: ignore[no-untyped-def]
    clerk, queue = hall.users["clerk1"], QueueService(hall.ctx)
    for group in ("jiuye_chuangye", "minzheng_jiuzhu"):
        queue.issue_ticket(hall.centre_id, group)
    queue.call_next(hall.counters[3], clerk)
    queue.call_next(hall.counters[2], clerk)
    board = BoardWindow(hall.services)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    board.poll()
    assert board.recent_model.rowCount() and board.groups_model.rowCount()
    for model in (board.recent_model, board.groups_model):
        for col in range(model.columnCount()):
            title = model.headerData(
                col, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole
            )
            cell = model.data(model.index(0, col), Qt.ItemDataRole.TextAlignmentRole)
            assert _side(title) == _side(cell) != 0, (model, col)
    right = Qt.ItemDataRole.TextAlignmentRole
    assert _side(board.groups_model.headerData(1, Qt.Orientation.Horizontal, right)) == int(
        Qt.AlignmentFlag.AlignRight
    )  # 等候 over the right-aligned counts
    view, last = board.groups_view, board.groups_model.rowCount() - 1
    assert last >= 4  # every service group's line is on screen, the last one too
    assert view.rowViewportPosition(last) + view.rowHeight(last) <= view.viewport().height()
    text = "请 B123 号 到 12 号窗口"  # wider than 1366 px at the full 110 px
    board.current.setText(text)
    board.fit_call()
    assert board.minimumSizeHint().width() <= 1366
    label = board.current
    assert QFontMetrics(label.font()).horizontalAdvance(text) <= label.contentsRect().width()
    assert 80 <= label.font().pixelSize() < 110, label.font().pixelSize()  # shrunk, still large


def test_hall_labels_show_data_as_text(qtbot, hall: Hall) -> None:  # type: ignore[no-untyped-def]
    board, kiosk = BoardWindow(hall.services), KioskWindow(hall.services)
    for w in (board, kiosk):
        qtbot.addWidget(w)
        labels = w.findChildren(QLabel)
        assert labels and all(x.textFormat() == Qt.TextFormat.PlainText for x in labels)
