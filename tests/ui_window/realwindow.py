"""A real X display for tests: Xvfb at 1366×768, the openbox window manager, keys by xdotool."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TOOLS = (
    "Xvfb",
    "openbox",
    "xdotool",
    "xwininfo",
    "import",
)  # apt: xvfb openbox xdotool x11-utils imagemagick


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


@dataclass
class Display:
    """One X display with a window manager; counts the keys sent (the clerk's key presses)."""

    name: str
    keys: list[str] = field(default_factory=list)
    failure_shot: Path | None = None  # the screen as it was when a wait timed out
    pause: float = 0.6  # between keys: the app gets time to act, even on a loaded machine

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name, "QT_QPA_PLATFORM": "xcb"}

    def key(self, *names: str) -> None:
        for n in names:
            subprocess.run(["xdotool", "key", "--clearmodifiers", n], env=self.env, check=True)
            self.keys.append(n)
            time.sleep(self.pause)

    def type(self, text: str) -> None:
        """Typed text (an ID number, a search): counted as one entry, not as keys."""
        # A character the keymap lacks (Chinese) is typed through a keycode xdotool binds for it
        # and unbinds half a delay after the release; a loaded app that reads the keymap late then
        # finds nothing bound and drops the character (CI once got "示范银" for "示范银行"). A
        # longer delay keeps each binding while the app reads it.
        delay = "40" if text.isascii() else "250"
        subprocess.run(["xdotool", "type", "--delay", delay, text], env=self.env, check=True)
        time.sleep(self.pause)

    def shot(self, path: Path) -> Path:
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True)
        return path

    def windows_of(self, pid: int) -> list[str]:
        """The visible top-level windows of a process (Qt sets _NET_WM_PID)."""
        done = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return done.stdout.split()

    def geometry(self, window: str = "") -> dict[str, int]:
        """X, Y, WIDTH, HEIGHT of a window (the active one by default) on the screen, its frame
        left out. From xwininfo: xdotool's getwindowgeometry counts a frame's offset twice."""
        if not window:
            window = self._xdotool("getactivewindow").strip()
        info = subprocess.run(
            ["xwininfo", "-id", window], env=self.env, capture_output=True, text=True, check=True
        ).stdout
        names = {
            "Absolute upper-left X": "X",
            "Absolute upper-left Y": "Y",
            "Width": "WIDTH",
            "Height": "HEIGHT",
        }
        pairs = (line.strip().split(":", 1) for line in info.splitlines() if ":" in line)
        return {names[k.strip()]: int(v) for k, v in pairs if k.strip() in names}

    def _xdotool(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True)
        return done.stdout

    def active_window_name(self) -> str:
        done = subprocess.run(
            ["xdotool", "getactivewindow", "getwindowname"],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def wait_active(self, ok: Callable[[str], bool], timeout: float, what: str) -> str:
        """The active window's title once `ok` accepts it; a timeout names the last one seen."""
        seen = [""]

        def check() -> str:
            seen[0] = self.active_window_name()
            return seen[0] if ok(seen[0]) else ""

        try:
            return str(wait_for(check, timeout, what, self))
        except AssertionError as exc:
            raise AssertionError(f"{exc} (the active window: {seen[0]!r})") from None

    def counter_window(self, timeout: float = 30) -> str:
        """The counter window's title once the centre is loaded into it: until then it says
        only 便民服务中心 (and the clerk), and a title caught then never matches again."""
        return self.wait_active(
            lambda t: "便民服务中心" in t and not t.startswith("便民服务中心"),
            timeout,
            "the main window with its centre",
        )


def wait_for(
    check: Callable[[], object], timeout: float = 20.0, what: str = "", d: Display | None = None
) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    if d is not None and d.failure_shot is not None:
        d.shot(d.failure_shot)
    raise AssertionError(f"timed out waiting for {what or check}")


@contextmanager
def display(size: str = "1366x768", window_manager: bool = True) -> Iterator[Display]:
    """Xvfb on a free display number with openbox running on it (unless `window_manager` is
    False: a bare X server, as a kiosk PC may run). Xvfb picks the number itself
    (-displayfd): a lock-file guess collides with another X server whose /tmp is not ours (a
    chroot, a container) but whose abstract socket is, and that server would then be used."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    wm = None
    try:
        ready, _, _ = select.select([read_end], [], [], 20)
        number = os.read(read_end, 32).decode().strip() if ready else ""
        assert number.isdigit(), "timed out waiting for Xvfb to choose a display"
        name = f":{number}"
        d = Display(name)
        if window_manager:
            wm = subprocess.Popen(
                ["openbox"], env=d.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(0.5)
        yield d
    finally:
        for p in (wm, xvfb):
            if p is not None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        os.close(read_end)
