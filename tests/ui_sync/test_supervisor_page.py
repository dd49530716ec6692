"""The supervisor closes bad-rating follow-ups and resolves sync conflicts from one page."""

from __future__ import annotations

from app.db.models_sync import SyncConflict
from app.db.types import new_id
from app.sync.conflicts import list_conflicts
from tests.ui_sync.conftest import DemoCentre
from ui.background import REPORTER
from ui.main_window import MainWindow
from ui.supervisor_page import SupervisorPage


def test_supervisor_resolves_follow_ups_and_conflicts(qtbot, demo_centre: DemoCentre) -> None:  # type: ignore[no-untyped-def]
    services = demo_centre.services
    clerk, boss = demo_centre.sign_in("clerk1"), demo_centre.sign_in("supervisor")
    ticket = services.queue.issue_ticket(demo_centre.centre_id, "shebao_yibao")
    services.ratings.rate(clerk, level=1, comment="等候时间太长", ticket_id=ticket.id)
    with services.ctx.uow() as uow:
        uow.session.add(
            SyncConflict(id=new_id(), kind="illegal_event", message="部门已批准后窗口撤回")
        )

    assert MainWindow(services, clerk).supervisor is None  # clerks don't see the page
    window = MainWindow(services, boss)
    qtbot.addWidget(window)
    page = window.supervisor
    assert isinstance(page, SupervisorPage)
    window.tabs.setCurrentWidget(page)
    assert page.follow_ups.rowCount() == 1 and page.conflicts.rowCount() == 1
    panel = page.follow_up_panel
    assert "差评整改（1）" in panel.title.text() and "超期" not in panel.title.text()
    assert "取号 1" in page.figures.text() and "满意率 0%" in page.figures.text()
    shown: list[str] = []
    REPORTER.show = shown.append  # type: ignore[method-assign]

    page.follow_view.selectRow(0)
    panel.ask_text = lambda _title, _label: "已办结"
    panel.close_selected()  # refused: no call back, no rectification yet
    assert shown == ["尚未记录回访记录和整改情况，不能办结差评整改"]
    assert page.follow_ups.rowCount() == 1
    panel.ask_call_back = lambda: ("表示理解，感谢回访", True)
    panel.record_call_back()
    assert "表示理解，感谢回访（满意）" in page.follow_ups.data(page.follow_ups.index(0, 8))
    panel.ask_text = lambda _title, _label: "高峰时段增开窗口"
    page.follow_view.selectRow(0)
    panel.record_rectification()
    page.follow_view.selectRow(0)
    panel.ask_text = lambda _title, _label: ""
    panel.close_selected()
    page.conflict_view.selectRow(0)
    page.ask = lambda _title: ""  # an empty resolution closes nothing
    page.resolve_selected_conflict()
    assert page.conflicts.rowCount() == 1
    page.ask = lambda _title: "以部门决定为准，已告知群众"
    page.resolve_selected_conflict()
    assert page.follow_ups.rowCount() == 0 and page.conflicts.rowCount() == 0
    assert services.follow_ups.list_open(boss) == []
    assert list_conflicts(services.ctx) == []
    resolved = list_conflicts(services.ctx, open_only=False)
    assert resolved[0].resolution == "以部门决定为准，已告知群众"


def test_overdue_follow_ups_are_red_and_counted(qtbot, demo_centre: DemoCentre) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from PySide6.QtCore import Qt

    from ui.table_model import ATTENTION_COLOUR

    services, clock = demo_centre.services, demo_centre.clock
    clerk, boss = demo_centre.sign_in("clerk1"), demo_centre.sign_in("supervisor")
    ticket = services.queue.issue_ticket(demo_centre.centre_id, "shebao_yibao")
    services.ratings.rate(clerk, level=1, comment="态度生硬", ticket_id=ticket.id)
    clock.now += timedelta(days=15)  # 10 working days and more
    page = SupervisorPage(services, boss)
    qtbot.addWidget(page)
    page.load()
    model = page.follow_ups
    assert "其中已超期 1 件" in page.follow_up_panel.title.text()
    assert "（已超期）" in model.data(model.index(0, 7))
    colour = model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert colour.name() == ATTENTION_COLOUR


def test_waiting_list_refreshes_on_its_own(qtbot, demo_centre: DemoCentre) -> None:  # type: ignore[no-untyped-def]
    from ui.counter.queue_panel import QueuePanel

    services, centre_id = demo_centre.services, demo_centre.centre_id
    clerk = demo_centre.sign_in("clerk1")
    panel = QueuePanel(services, clerk, None, centre_id)
    qtbot.addWidget(panel)
    panel.timer.setInterval(50)
    assert panel.model.rowCount() == 0
    services.queue.issue_ticket(centre_id, "shebao_yibao")  # at the kiosk, not through the panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=3000)
    assert "等候 1 人" in panel.waiting_title.text()


def test_supervisor_marks_and_extends_from_the_deadline_lists(
    qtbot, demo_centre: DemoCentre, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from app.services.counter_dto import IntakeInput, MaterialInput
    from app.services.residents import ResidentInput
    from tests.services.conftest import DIBAO_FORM, make_id
    from ui.deadline_panel import ExtensionRequest

    services, clock = demo_centre.services, demo_centre.clock
    clerk, boss = demo_centre.sign_in("clerk1"), demo_centre.sign_in("supervisor")
    window = demo_centre.window(3)
    resident = services.residents.register(
        ResidentInput(id_number=make_id("11010119580307123"), name="张秀兰"), clerk
    )
    materials = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
    receipt = services.intake.accept(
        IntakeInput(window, resident.id, "MZ-001", DIBAO_FORM, materials), clerk
    )
    clock.now = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)  # due 24 Dec: 2 working days late
    page = SupervisorPage(services, boss)
    qtbot.addWidget(page)
    page.load()
    panel = page.deadline_panel
    assert panel.overdue.rowCount() == 1 and panel.warning.rowCount() == 0
    assert "已超期办件（1）" in panel.overdue_title.text()
    assert panel.overdue.data(panel.overdue.index(0, 5)) == "超期 2 个工作日"

    panel.select(overdue=True, row=0)
    panel.ask_note = lambda: "请本周内办结"
    panel.supervise_selected()
    assert panel.overdue.data(panel.overdue.index(0, 7)) == "督办：请本周内办结"
    panel.select(overdue=True, row=0)
    panel.ask_extension = lambda: ExtensionRequest(5, "需入户调查", "department")
    panel.extend_selected()  # 24 Dec + 5 working days = 31 Dec: 3 left, off both lists
    assert panel.overdue.rowCount() == 0 and panel.warning.rowCount() == 0
    detail = services.cases.detail(receipt.case_id, boss)
    assert detail.summary.due_date is not None and detail.summary.due_date.day == 31
    assert [e.label for e in detail.events][-2:] == ["督办", "延期"]

    clock.now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    page.load()
    panel.select(overdue=True, row=0)
    panel.open_case(panel.overdue_view)  # double-click opens the case with its timeline
    [dialog] = panel.opened
    assert receipt.case_number in dialog.facts.text()
    assert dialog.events.rowCount() == len(detail.events)
    dialog.reject()

    # The 延期告知书 for the resident, through the main window's document desk.
    from tests.documents.doc_helpers import pdf_text
    from ui.counter.documents_glue import DocumentDesk, FileSink

    sink = FileSink(tmp_path)
    panel.desk = DocumentDesk(services, boss, sink)
    panel.select(overdue=True, row=0)
    panel.print_extension_notice()
    [out] = sink.files
    assert out.name == f"01-延期告知书-{receipt.case_number}.pdf"
    text = pdf_text(out.read_bytes())
    assert "办理期限延长5个工作日" in text and "将于2026年12月31日前办结" in text


def test_period_figures_page_shows_a_hand_built_day(
    qtbot, demo_centre: DemoCentre, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from PySide6.QtCore import QDate

    from tests.services.test_period_figures import DAY, _build_day
    from ui.period_page import period_of

    assert period_of("week", date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert period_of("month", date(2026, 12, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period_of("month", date(2027, 2, 3)) == (date(2027, 2, 1), date(2027, 2, 28))
    services = demo_centre.services
    boss = demo_centre.sign_in("supervisor")
    _build_day(demo_centre.world())
    page = SupervisorPage(services, boss).period_page
    qtbot.addWidget(page)
    page.kind.setCurrentIndex(0)  # a day
    page.first.setDate(QDate(DAY.year, DAY.month, DAY.day))
    assert page.period() == (DAY, DAY)
    page.load()
    text = page.summary.text()
    assert "取号 5 · 已办 3 · 过号 1" in text and "等候 中位数 10 分 · P90 40 分" in text
    assert "按时办结率 66.7%（2/3）" in text and "满意率 80%" in text
    assert "满意率 = " in page.formulas.text()
    hours = page.ticket_models["hour"]
    assert [hours.row(i).key for i in range(hours.rowCount())] == ["09", "10"]
    chart = page.hour_chart.chart()
    bars = chart.series()[0].barSets()
    assert [list(b.at(i) for i in range(b.count())) for b in bars] == [[3, 2], [3, 0]]
    # The day's report from the window, in both formats (read back).
    import io

    from openpyxl import load_workbook

    from tests.documents.doc_helpers import pdf_text

    page.ask_path = lambda name: str(tmp_path / name)
    page.export("xlsx")
    page.export("pdf")
    xlsx, pdf = page.exported
    assert xlsx.name == "2026年11月24日服务日报-2026-11-24.xlsx"
    summary = load_workbook(io.BytesIO(xlsx.read_bytes()))["概况"]
    assert [r for r in summary.iter_rows(min_row=2, max_row=3, values_only=True)] == [
        ("取号", 5),
        ("已办", 3),
    ]
    assert "2026年11月24日服务日报" in pdf_text(pdf.read_bytes())
    assert "已导出" in page.export_note.text()
    page.kind.setCurrentIndex(1)  # the week around it: no 周报
    assert not page.export_pdf.isEnabled()
    assert page.period() == (date(2026, 11, 23), date(2026, 11, 29))
    page.load()
    assert "取号 6" in page.summary.text()
