"""The kiosk and the call board on a bare X server (no window manager, as a hall PC may run them):
each covers the whole screen, and the kiosk takes number keys at once (a ticket is issued)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from app.services.bootstrap import Services
from tests.ui_window.realwindow import Display, display, missing_tools, wait_for
from tests.ui_window.test_real_window import ONEWINDOW

SCREEN = {"X": 0, "Y": 0, "WIDTH": 1366, "HEIGHT": 768}


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"
    subprocess.run([ONEWINDOW, "--db", url, "init-db"], check=True, capture_output=True)
    return url


def _start(d: Display, tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**d.env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env.update(ONEWINDOW_DATA_DIR=str(tmp_path / "data"), ONEWINDOW_PRINT_DIR=str(tmp_path))
    log = (tmp_path / f"{args[-1]}.log").open("w")
    return subprocess.Popen([ONEWINDOW, *args], env=env, stdout=log, stderr=log)


def _whole_screen(d: Display, app: subprocess.Popen[bytes]) -> bool:
    for w in d.windows_of(app.pid):
        g = d.geometry(w)
        if {k: g.get(k) for k in SCREEN} == SCREEN:
            return True
    return False


def _stop(app: subprocess.Popen[bytes]) -> None:
    app.terminate()
    try:
        app.wait(10)
    except subprocess.TimeoutExpired:
        app.kill()


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("ONEWINDOW_SHOTS", tmp_path))


def test_kiosk_is_full_screen_and_takes_keys_without_a_window_manager(tmp_path: Path) -> None:
    assert not missing_tools(), missing_tools()
    url = _database(tmp_path)
    with display(window_manager=False) as d:
        d.failure_shot = _shots(tmp_path) / "kiosk-failed.png"
        app = _start(d, tmp_path, "--db", url, "kiosk")
        try:
            wait_for(lambda: _whole_screen(d, app), 30, "the kiosk to cover the screen", d)
            time.sleep(3)  # the groups load in the background
            d.shot(_shots(tmp_path) / "kiosk-1366x768.png")
            d.key("1")  # no window manager gave it focus: the kiosk must have taken it
            services = Services.for_url(url)
            try:
                centre = services.centre.overview().centre

                def issued() -> bool:
                    return services.queue.board_state(centre.id).total_waiting == 1

                wait_for(issued, 20, "a ticket from number key 1", d)
            finally:
                services.close()
        finally:
            _stop(app)


def test_board_is_full_screen_without_a_window_manager(tmp_path: Path) -> None:
    assert not missing_tools(), missing_tools()
    url = _database(tmp_path)
    services = Services.for_url(url)
    try:  # a call on the board: a ticket called to window 3
        clerk = services.centre.sign_in("clerk1", "onewindow")
        overview = services.centre.overview()
        for group in ("jiuye_chuangye", "minzheng_jiuzhu", "minzheng_jiuzhu"):
            services.queue.issue_ticket(overview.centre.id, group)
        counter = next(c for c in overview.counters if c.number == 3)
        assert services.queue.call_next(counter.id, clerk) is not None
    finally:
        services.close()
    with display(window_manager=False) as d:
        d.failure_shot = _shots(tmp_path) / "board-failed.png"
        app = _start(d, tmp_path, "--db", url, "board")
        try:
            wait_for(lambda: _whole_screen(d, app), 30, "the board to cover the screen", d)
            time.sleep(4)  # the first poll shows the call
            d.shot(_shots(tmp_path) / "board-1366x768.png")
        finally:
            _stop(app)
