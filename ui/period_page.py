"""统计: any period's figures on the supervisor's page — period chooser, tables, QtCharts charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QAbstractTableModel, QDate, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import RATING_LABELS
from app.services.dto import SignedInUser
from app.services.types import CaseRow, PeriodFigures, ReportFile, TicketRow, Times
from ui.background import BackgroundOp
from ui.i18n import tr
from ui.period_cases_dialog import PeriodCasesDialog
from ui.table_model import Column, RowTableModel, row_table_view


def _minutes(t: Times, attr: str) -> str:
    value = getattr(t, attr)
    return "" if value is None else f"{value:g}"


def _ticket_model() -> RowTableModel[TicketRow]:
    return RowTableModel(
        [
            Column(tr("分组"), lambda r: r.key or tr("（无）")),
            Column(tr("取号"), lambda r: r.issued, True),
            Column(tr("已办"), lambda r: r.served, True),
            Column(tr("过号"), lambda r: r.skipped, True),
            Column(tr("等候中位数（分）"), lambda r: _minutes(r.waiting, "median"), True),
            Column(tr("等候P90（分）"), lambda r: _minutes(r.waiting, "p90"), True),
            Column(tr("办理中位数（分）"), lambda r: _minutes(r.service, "median"), True),
            Column(tr("办理P90（分）"), lambda r: _minutes(r.service, "p90"), True),
        ]
    )


def _figures_view(model: QAbstractTableModel) -> QTableView:
    """A figures table: the label column takes the spare width, the numbers stay beside it."""
    view = row_table_view(model)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


def _case_model() -> RowTableModel[CaseRow]:
    return RowTableModel(
        [
            Column(tr("分组"), lambda r: r.key),
            Column(tr("受理"), lambda r: r.received, True),
            Column(tr("即办"), lambda r: r.on_spot, True),
            Column(tr("一次性告知"), lambda r: r.told, True),
            Column(tr("不予受理"), lambda r: r.refused, True),
            Column(tr("合计"), lambda r: r.total, True),
        ]
    )


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The day, the Monday-to-Sunday week or the calendar month around `day`."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    return day, day


def _bar_chart(title: str, categories: list[str], sets: list[tuple[str, list[int]]]) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    series = QBarSeries()
    for name, values in sets:
        bar = QBarSet(name)
        bar.append([float(v) for v in values])
        series.append(bar)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(categories)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    y = QValueAxis()
    y.setLabelFormat("%d")
    y.setRange(0, max([1, *(v for _n, values in sets for v in values)]))
    y.applyNiceNumbers()  # ticks at 0, 500, 1000 … rather than at fifths of the highest bar
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    chart.legend().setVisible(len(sets) > 1)
    return chart


class PeriodPage(QWidget):
    """Choose a day, week, month or custom range; the figures load off the GUI thread."""

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.kind = QComboBox()
        for label, key in ((tr("日"), "day"), (tr("周"), "week"), (tr("月"), "month")):
            self.kind.addItem(label, key)
        self.kind.addItem(tr("自定义"), "custom")
        today = services.today()
        self.first, self.last = QDateEdit(), QDateEdit()
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(today.year, today.month, today.day))
        self.show_button = QPushButton(tr("统计"))
        self.show_button.clicked.connect(self.load)
        self.export_pdf, self.export_xlsx = (
            QPushButton(tr("导出报表（PDF）")),
            QPushButton(tr("导出报表（Excel）")),
        )
        self.export_pdf.clicked.connect(lambda: self.export("pdf"))
        self.export_xlsx.clicked.connect(lambda: self.export("xlsx"))
        self.export_note = QLabel()
        # Where to save a report (a file dialog; tests replace it). None: cancelled.
        self.ask_path: Callable[[str], str | None] = self._ask_path
        self.exported: list[Path] = []
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.first.dateChanged.connect(lambda _d: self._kind_changed())
        chooser = QHBoxLayout()
        for w in (QLabel(tr("期间：")), self.kind, self.first, QLabel("—"), self.last):
            chooser.addWidget(w)
        chooser.addWidget(self.show_button)
        for widget in (self.export_pdf, self.export_xlsx, self.export_note):
            chooser.addWidget(widget)
        chooser.addStretch(1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formulas = QLabel()
        self.formulas.setWordWrap(True)
        self.formulas.setStyleSheet("color: #555;")
        self.ticket_models = {k: _ticket_model() for k in ("group", "window", "clerk", "hour")}
        self.case_models = {k: _case_model() for k in ("matter", "department", "case_type")}
        tables = QTabWidget()
        titles = {
            "group": tr("按业务分组"),
            "window": tr("按窗口"),
            "clerk": tr("按工作人员"),
            "hour": tr("按时段"),
            "matter": tr("按事项"),
            "department": tr("按部门"),
            "case_type": tr("按办件类型"),
        }
        for key, ticket_model in self.ticket_models.items():
            tables.addTab(_figures_view(ticket_model), titles[key])
        self.case_views: dict[str, QTableView] = {}
        for key, case_model in self.case_models.items():
            case_view = _figures_view(case_model)
            case_view.activated.connect(lambda index, k=key: self.drill(k, index.row()))
            self.case_views[key] = case_view
            tables.addTab(case_view, titles[key])
        self.drilled: list[PeriodCasesDialog] = []
        self.hour_chart, self.rating_chart = QChartView(), QChartView()
        for view in (self.hour_chart, self.rating_chart):
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(220)
        grid = QGridLayout()
        grid.addWidget(tables, 0, 0, 1, 2)
        grid.addWidget(self.hour_chart, 1, 0)
        grid.addWidget(self.rating_chart, 1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(chooser)
        layout.addWidget(self.summary)
        layout.addLayout(grid, 1)
        layout.addWidget(self.formulas)
        self.figures: PeriodFigures | None = None
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = str(self.kind.currentData())
        self.last.setEnabled(kind == "custom")
        for button in (self.export_pdf, self.export_xlsx):  # 日报 and 月报 only
            button.setEnabled(kind in ("day", "month"))
        if kind != "custom":
            first, last = period_of(kind, self.first.date().toPython())  # type: ignore[arg-type]
            self.last.setDate(QDate(last.year, last.month, last.day))
            if first != self.first.date().toPython():
                self.first.setDate(QDate(first.year, first.month, first.day))

    def period(self) -> tuple[date, date]:
        return self.first.date().toPython(), self.last.date().toPython()  # type: ignore[return-value]

    def export(self, fmt: str) -> None:
        """The 日报 (day chosen) or 月报 (month chosen) as PDF or Excel, saved where asked."""
        kind = {"day": "daily", "month": "monthly"}.get(str(self.kind.currentData()))
        if kind is None:
            return
        day = self.period()[0]
        BackgroundOp(
            lambda: self.services.period_reports.export(self.user, kind, day, fmt), parent=self
        ).success(self._save).run()

    def _save(self, report: ReportFile) -> None:
        path = self.ask_path(report.file_name)
        if not path:
            return
        out = Path(path)
        out.write_bytes(report.content)
        self.exported.append(out)
        self.export_note.setText(tr("已导出：%s") % out.name)

    def _ask_path(self, name: str) -> str | None:
        kind = tr("Excel 工作簿 (*.xlsx)") if name.endswith(".xlsx") else tr("PDF 文件 (*.pdf)")
        path, _ = QFileDialog.getSaveFileName(self, tr("导出报表"), name, kind)
        return path or None

    def drill(self, dimension: str, row: int) -> None:
        """The cases behind a row of the matter, department or case-type table, in a dialog."""
        model = self.case_models[dimension]
        if self.figures is None or not 0 <= row < model.rowCount():
            return
        period = (self.figures.first, self.figures.last)
        dialog = PeriodCasesDialog(
            self.services, self.user, period, dimension, model.row(row).key, self
        )
        self.drilled.append(dialog)
        dialog.finished.connect(lambda _r: self.drilled.remove(dialog))
        dialog.open()
        dialog.load()

    def load(self) -> None:
        first, last = self.period()
        BackgroundOp(lambda: self.services.period_figures.figures(self.user, first, last)).success(
            self.show_figures
        ).run()

    def show_figures(self, f: PeriodFigures) -> None:
        self.figures = f
        t = f.tickets

        def pct(v: float | None) -> str:
            return tr("—") if v is None else f"{v:g}%"

        self.summary.setText(
            tr(
                "%s 至 %s　取号 %d · 已办 %d · 过号 %d　|　等候 中位数 %s 分 · P90 %s 分　|　"
                "办理 中位数 %s 分 · P90 %s 分　|　受理 %d · 即办 %d · 一次性告知 %d · 不予受理 %d　|　"
                "按时办结率 %s（%d/%d）　|　评价 %d · 满意率 %s"
            )
            % (
                f.first.isoformat(),
                f.last.isoformat(),
                t.issued,
                t.served,
                t.skipped,
                _minutes(t.waiting, "median") or tr("—"),
                _minutes(t.waiting, "p90") or tr("—"),
                _minutes(t.service, "median") or tr("—"),
                _minutes(t.service, "p90") or tr("—"),
                f.cases.received,
                f.cases.on_spot,
                f.cases.told,
                f.cases.refused,
                pct(f.on_time_percent),
                f.decided_on_time,
                f.decided,
                f.ratings,
                pct(f.satisfied_percent),
            )
        )
        self.formulas.setText(tr("计算口径：") + "；".join(f.formulas))
        rows = {"group": f.by_group, "window": f.by_window, "clerk": f.by_clerk, "hour": f.by_hour}
        for key, ticket_model in self.ticket_models.items():
            ticket_model.set_rows(list(rows[key]))
        cases = {"matter": f.by_matter, "department": f.by_department, "case_type": f.by_case_type}
        for key, case_model in self.case_models.items():
            case_model.set_rows(list(cases[key]))
        hours = [r.key for r in f.by_hour]
        self.hour_chart.setChart(
            _bar_chart(
                tr("每小时取号与办结"),
                hours,
                [
                    (tr("取号"), [r.issued for r in f.by_hour]),
                    (tr("办结"), [r.served for r in f.by_hour]),
                ],
            )
        )
        levels = [5, 4, 3, 2, 1]
        self.rating_chart.setChart(
            _bar_chart(
                tr("评价"),
                [RATING_LABELS[lv] for lv in levels],
                [(tr("评价数"), [f.ratings_by_level.get(lv, 0) for lv in levels])],
            )
        )
