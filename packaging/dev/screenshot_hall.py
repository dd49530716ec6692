"""Screenshots of the hall screens (kiosk, call board, rating) in a real window under Xvfb.

xvfb-run -a -s "-screen 0 1600x900x24" .venv/bin/python packaging/dev/screenshot_hall.py board out.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.services.bootstrap import Services
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.queue import QueueService
from app.services.setup import initialise
from ui.announcer import Announcer
from ui.background import BackgroundOp
from ui.board import show_full_screen_on

ELDERLY_ID = "110101195803071236"


def _busy_morning(ctx: ServiceContext) -> None:
    """A few tickets in every group and a few calls, as at 9:30 on a weekday."""
    queue = QueueService(ctx)
    centre = CentreService(ctx).overview()
    clerk = CentreService(ctx).sign_in("clerk1", "onewindow")
    groups = [g.code for g in centre.service_groups]
    for i in range(14):
        queue.issue_ticket(centre.centre.id, groups[i % len(groups)])
    windows = {c.number: c.id for c in centre.counters}
    for n in (1, 2, 4, 3, 5):
        queue.call_next(windows[n], clerk)


def build(screen: str, ctx: ServiceContext, tmp: Path) -> QWidget:
    if screen == "kiosk":
        from ui.kiosk import KioskWindow

        _busy_morning(ctx)
        kiosk = KioskWindow(Services(ctx), slip_dir=tmp)
        kiosk.load()
        kiosk.priority_buttons[next(iter(kiosk.priority_buttons))].setChecked(True)
        return kiosk
    if screen == "kiosk-result":
        from ui.kiosk import KioskWindow

        _busy_morning(ctx)
        kiosk = KioskWindow(Services(ctx), slip_dir=tmp)
        kiosk.load()
        kiosk.issue(kiosk.groups[0].code)
        return kiosk
    if screen == "board":
        from ui.board import BoardWindow

        board = BoardWindow(Services(ctx), announcer=Announcer(enabled=False))
        board.poll()
        _busy_morning(ctx)
        board.poll()
        return board
    if screen in ("rating", "rating-bad"):
        from ui.rating_window import RatingWindow

        queue = QueueService(ctx)
        centre = CentreService(ctx).overview()
        clerk = CentreService(ctx).sign_in("clerk1", "onewindow")
        t = queue.issue_ticket(centre.centre.id, centre.service_groups[0].code)
        queue.call_next(centre.counters[0].id, clerk)
        w = RatingWindow(Services(ctx), clerk)
        w.request_rating(t.id, None, clerk.display_name, 1, "城乡居民基本医疗保险参保登记")
        if screen == "rating-bad":
            w.choose(2)
        return w
    raise SystemExit(f"unknown screen {screen}")


def main() -> None:
    screen, out = sys.argv[1], Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    BackgroundOp.run_inline(True)
    tmp = Path(tempfile.mkdtemp())
    ctx = ServiceContext.for_url(f"sqlite:///{tmp / 'shot.db'}")
    initialise(ctx)
    window = build(screen, ctx, tmp)
    show_full_screen_on(window, 0)

    def shoot() -> None:
        app.primaryScreen().grabWindow(0).save(str(out))
        app.quit()

    QTimer.singleShot(1500, shoot)
    app.exec()


if __name__ == "__main__":
    main()
