"""Screenshots of the department pages (list, case page, confirmation) in headless Chromium at a
1366×768 desktop and a 414×896 phone, from a throwaway hub on SQLite with two centres' cases.

PYTHONPATH=. .venv/bin/python packaging/dev/screenshot_dept.py docs/screenshots
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from app.hub.admin import add_staff, ensure_centre
from tests.hub.browser import chromium, hub_process, sign_in
from tests.hub.dept_data import (
    hub_with_catalogue,
    make_cases,
    push_cases,
    supervise_some,
    vary_states,
)

DEPT = "区民政局"
CENTRES = (("990101", "示范区幸福街道便民服务中心"), ("990102", "示范区和平里街道党群服务中心"))
SIZES = ((1366, 768, "desktop"), (414, 896, "phone"))


def fill(db: str) -> str:
    """220 民政 cases from two centres, some accepted or decided; returns the id of
    an open case to show."""
    hub = hub_with_catalogue(db)
    engine, sessions, http, now, today = hub.engine, hub.sessions, hub.http, hub.now, hub.today
    rng = random.Random(2026)
    shown = ""
    for n, (code, name) in enumerate(CENTRES):
        with sessions.begin() as s:
            ensure_centre(s, code, name)
        device = hub.enrol(code, "d")
        cases = make_cases(rng, 120 if n == 0 else 100, today, code, prefix=f"{code}")
        for c in cases:
            c.matter = rng.choice(("MZ-001", "MZ-001", "MZ-002", "MZ-003"))
        seq = push_cases(http, device, cases, DEPT)
        supervise_some(http, device, cases, 0.08, rng, seq)
        vary_states(sessions, cases, DEPT, now, rng)
        shown = shown or next(
            str(c.case_id) for c in cases if c.status == "ROUTED" and c.matter == "MZ-001"
        )
    with sessions.begin() as s:
        add_staff(s, "mz01", "民政审批员", "department", "shot-pw-1", DEPT)
    engine.dispose()
    return shown


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'hub.db'}"
        case_id = fill(db)
        with hub_process(db) as base:
            for width, height, kind in SIZES:
                with chromium(width, height) as page:
                    sign_in(page, base, "mz01", "shot-pw-1")
                    page.screenshot(path=str(out / f"dept-list-{kind}.png"))
                    page.goto(f"{base}/dept/cases/{case_id}")
                    page.screenshot(path=str(out / f"dept-case-{kind}.png"))
                    page.check("input[name=decision][value=denied]")
                    page.fill("textarea[name=reason]", "家庭人均收入高于当地低保标准，不予批准")
                    page.click("button:has-text('下一步：核对决定')")
                    page.wait_for_load_state()
                    page.screenshot(path=str(out / f"dept-confirm-{kind}.png"))
    print("written to", out)


if __name__ == "__main__":
    main()
