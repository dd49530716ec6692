"""Open a screen of the app in a real window (run under Xvfb) and save a screenshot of the X screen.

xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python packaging/dev/screenshot.py main out.png
(screens: main, counter, settings, supervisor, statistics, preview)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.services.bootstrap import Services
from app.services.setup import initialise
from ui.background import BackgroundOp


def build(screen: str, services: Services):  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow

    if screen == "main":
        w = MainWindow(services, services.centre.sign_in("clerk1", "onewindow"))
        w.load()
        w.search.setText("低保")
        w.matter_view.selectRow(0)
        return w
    if screen == "counter":
        return counter_screen(services)
    if screen == "settings":
        from PySide6.QtCore import QSettings

        from ui.settings_dialog import SettingsDialog

        ini = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
        windows = [(c.number, c.name) for c in services.centre.overview().counters]
        return SettingsDialog(
            ini, printers=["EPSON TM-T82 (回执)", "HP LaserJet Pro M404"], windows=windows
        )
    if screen == "supervisor":
        from app.services.demo_data import generate_demo_data

        generate_demo_data(services.ctx, days=20, seed=4, tickets_per_day=60)
        w = MainWindow(services, services.centre.sign_in("supervisor", "onewindow"))
        w.load()
        assert w.supervisor is not None
        w.tabs.setCurrentWidget(w.supervisor)
        return w
    if screen == "statistics":
        from app.services.demo_data import generate_demo_data

        generate_demo_data(services.ctx, days=40, seed=4, tickets_per_day=400)
        w = MainWindow(services, services.centre.sign_in("supervisor", "onewindow"))
        w.load()
        assert w.supervisor is not None
        w.tabs.setCurrentWidget(w.supervisor)
        page = w.supervisor.period_page
        w.supervisor.sections.setCurrentWidget(page)
        page.kind.setCurrentIndex(page.kind.findData("month"))
        page.load()
        return w
    if screen == "preview":
        from app.documents.demo import demo_document
        from app.documents.render import render
        from ui.printing import PdfPrinter

        data, paper = demo_document("receipt", None)
        return PdfPrinter(None).preview_dialog(render("receipt", data, paper), paper)
    raise SystemExit(f"unknown screen {screen}")


def counter_screen(services: Services):  # type: ignore[no-untyped-def]
    """Window 3 mid-service: C001 called, a resident identified, 低保 with one 容缺 material."""
    from PySide6.QtCore import QSettings

    from app.services.residents import ResidentInput
    from ui.main_window import MainWindow
    from ui.settings import COUNTER_NUMBER

    user = services.centre.sign_in("clerk1", "onewindow")
    resident = "110101195803071233"
    services.residents.register(ResidentInput(resident, "张秀兰", "13800138000", "幸福路1号"), user)
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "shot.ini"), QSettings.Format.IniFormat)
    COUNTER_NUMBER.set(settings, 3)
    w = MainWindow(services, user, settings=settings)
    w.load()
    assert w.overview is not None
    for group in ("minzheng_jiuzhu", "jiuye_chuangye", "shebao_yibao", "minzheng_jiuzhu"):
        services.queue.issue_ticket(w.overview.centre.id, group)
    ws = w.workspace
    ws.call_next()
    ws.identify.id_edit.setText(resident)
    ws.identify.look_up()
    ws.picker.search.setText("dbsq")
    ws.picker.pick_current()
    for key, value in {
        "household_size": "3",
        "household_monthly_income": "1800.50",
        "application_reason": "家中主要劳动力因病失去工作能力",
        "bank_name": "示范银行幸福路支行",
    }.items():
        ws.form.set_value(key, value)
    ws.form.set_value("bank_account", "6222 0200 1234")
    ws.form.touched.update(ws.form.widgets)
    ws.form.validate()
    ws.materials_model.set_state(4, "deferred")
    ws.materials.selectRow(4)
    return w


def main() -> None:
    screen, out = sys.argv[1], Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    BackgroundOp.run_inline(True)
    db = Path(tempfile.mkdtemp()) / "shot.db"
    services = Services.for_url(f"sqlite:///{db}")
    initialise(services.ctx)
    window = build(screen, services)
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()

    def shoot() -> None:
        app.primaryScreen().grabWindow(0).save(str(out))
        app.quit()

    QTimer.singleShot(1500, shoot)
    app.exec()


if __name__ == "__main__":
    main()
