"""A real hub process and the system's headless Chromium driven by Playwright, for the page tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.sync.harness import free_port, start_hub_process


def chromium_path() -> str:
    """The system Chromium (Debian package `chromium`); Playwright's own download is not used."""
    path = os.environ.get("ONEWINDOW_CHROMIUM") or shutil.which("chromium")
    path = path or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is missing: apt-get install chromium (packaging/bootstrap.sh test)")
    return path


@contextmanager
def hub_process(db_url: str) -> Iterator[str]:
    """`onewindow-hub serve` on a free loopback port; yields its base address."""
    port = free_port()
    proc = start_hub_process(db_url, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def chromium(width: int = 1366, height: int = 768, locale: str = "zh-CN") -> Iterator[Any]:
    """A fresh browser page (no cookies) of the given viewport and browser locale."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale=locale
            )
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def sign_in(
    page: Any, base: str, username: str, password: str = "secret-pw", landing: str = "/dept"
) -> None:
    page.goto(f"{base}/dept/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{base}{landing}")
