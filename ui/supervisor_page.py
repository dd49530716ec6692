"""The supervisor's page: today's figures, the live hall, 差评整改, 期限督办 (督办 and 延期), sync conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import ConflictItem, DayFigures, local_time
from ui.background import BackgroundOp
from ui.deadline_panel import DeadlinePanel
from ui.follow_up_panel import FollowUpPanel
from ui.hall_panel import HallPanel
from ui.i18n import tr
from ui.period_page import PeriodPage
from ui.table_model import Column, RowTableModel, row_table_view


def _time(item: Any, attr: str) -> str:
    return local_time(getattr(item, attr)).strftime("%m-%d %H:%M")


class SupervisorPage(QWidget):
    """Two model/view lists; Enter (or the button) on a row asks for the resolution and closes it."""

    def __init__(self, services: Services, user: SignedInUser, desk: Any = None) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.follow_up_panel = FollowUpPanel(services, user)
        self.follow_ups = self.follow_up_panel.model
        self.follow_view = self.follow_up_panel.view
        self.conflicts: RowTableModel[ConflictItem] = RowTableModel(
            [
                Column("", lambda c: _time(c, "detected_at")),
                Column("", lambda c: c.kind_label),
                Column("", lambda c: c.message),
            ]
        )
        self.conflict_view = row_table_view(self.conflicts)
        self.conflict_title = QLabel()
        self.resolve = QPushButton()
        self.resolve.clicked.connect(self.resolve_selected_conflict)
        self.follow_up_panel.changed.connect(self.load_figures)
        self.conflict_view.activated.connect(lambda _i: self.resolve_selected_conflict())
        self.figures = QLabel()
        self.figures.setObjectName("dayFigures")
        self.figures.setStyleSheet(
            "font-size: 15px; padding: 6px; background: #eef3fb; border-radius: 4px;"
        )
        self.figures.setWordWrap(True)
        self.figures_timer = QTimer(self)
        self.figures_timer.setInterval(30_000)
        self.figures_timer.timeout.connect(self.load_figures)
        self.deadline_panel = DeadlinePanel(services, user)
        self.deadline_panel.desk = desk  # prints the 延期告知书
        self.deadline_panel.changed.connect(self.load_figures)
        conflicts = QWidget()
        conflict_layout = QVBoxLayout(conflicts)
        for widget in (self.conflict_title, self.conflict_view, self.resolve):
            conflict_layout.addWidget(widget)
        self.sections = QTabWidget()
        self.period_page = PeriodPage(services, user)
        self.hall_panel = HallPanel(services, user)
        sections = (
            self.hall_panel,
            self.follow_up_panel,
            self.deadline_panel,
            conflicts,
            self.period_page,
        )
        for section in sections:
            self.sections.addTab(section, "")
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures)
        layout.addWidget(self.sections, 1)
        # Asking for a conflict's resolution text; tests replace it.
        self.ask: Callable[[str], str | None] = self._ask
        self.translateUI()

    def translateUI(self) -> None:
        self.conflicts.set_columns_titles([tr("发现时间"), tr("类型"), tr("说明")])
        self.resolve.setText(tr("处理冲突（回车）"))
        for i, title in enumerate(
            (tr("大厅实况"), tr("差评整改"), tr("期限督办"), tr("同步冲突"), tr("统计"))
        ):
            self.sections.setTabText(i, title)
        self._titles()

    def _titles(self) -> None:
        self.conflict_title.setText(tr("待处理的同步冲突（%d）") % self.conflicts.rowCount())

    def load(self) -> None:
        self.load_figures()
        self.figures_timer.start()
        self.hall_panel.load()
        self.follow_up_panel.load()
        self.deadline_panel.load()
        BackgroundOp(lambda: self.services.sync.conflicts(self.user)).success(
            self._set_conflicts
        ).run()

    def load_figures(self) -> None:
        centre = self.user.centre_id
        if centre is None:
            return
        BackgroundOp(lambda: self.services.reports.day_figures(centre)).success(
            self._show_figures
        ).run()

    def _show_figures(self, f: DayFigures) -> None:
        def minutes(v: float | None) -> str:
            return tr("—") if v is None else tr("%s 分钟") % f"{v:g}"

        satisfied = tr("—") if f.satisfied_percent is None else f"{f.satisfied_percent:g}%"
        self.figures.setText(
            tr(
                "今日（%s）　取号 %d · 等候 %d · 已办 %d · 过号 %d　|　等候时间中位数 %s · 当前最长等候 %s　|　"
                "受理 %d · 即办 %d · 不予受理 %d　|　评价 %d · 满意率 %s　|　超期未办结 %d"
            )
            % (
                f.day.isoformat(),
                f.tickets_issued,
                f.waiting,
                f.served,
                f.no_show,
                minutes(f.median_wait_minutes),
                minutes(f.longest_wait_now_minutes),
                f.cases_received,
                f.completed_on_spot,
                f.rejected_at_intake,
                f.ratings,
                satisfied,
                f.open_cases_overdue,
            )
        )

    def _set_conflicts(self, rows: list[ConflictItem]) -> None:
        self.conflicts.set_rows(rows)
        self._titles()

    def _ask(self, title: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(self, title, tr("处理结果（必填）："))
        return text if ok else None

    def _selected(self, view: QTableView, model: RowTableModel[Any]) -> Any:
        row = view.currentIndex().row()
        return model.row(row) if 0 <= row < model.rowCount() else None

    def resolve_selected_conflict(self) -> None:
        item = self._selected(self.conflict_view, self.conflicts)
        resolution = self.ask(tr("处理同步冲突")) if item else None
        if item is None or not resolution or not resolution.strip():
            return
        BackgroundOp(lambda: self.services.sync.resolve(item.id, self.user, resolution)).success(
            lambda _r: self.load()
        ).run()


def can_supervise(user: SignedInUser | None) -> bool:
    return user is not None and user.role in ("supervisor", "admin")
