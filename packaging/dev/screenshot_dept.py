"""Screenshots of the department pages (list, case page, confirmation) in headless Chromium at a
1366×768 desktop and a 414×896 phone, from a throwaway hub on SQLite with two centres' cases.

PYTHONPATH=. .venv/bin/python packaging/dev/screenshot_dept.py docs/screenshots
"""

from __future__ import annotations

import random
import sys
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from app.catalogue.loader import load_publication
from app.hub import workdays
from app.hub.admin import add_staff, ensure_centre, new_enrol_code
from app.hub.api import create_app
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.publish import publish_catalogue
from app.resources import resource_path
from tests.hub.browser import chromium, hub_process, sign_in
from tests.hub.conftest import VERSIONS
from tests.hub.dept_data import make_cases, push_cases, vary_states

DEPT = "区民政局"
CENTRES = (("990101", "示范区幸福街道便民服务中心"), ("990102", "示范区和平里街道党群服务中心"))
SIZES = ((1366, 768, "desktop"), (414, 896, "phone"))


def fill(db: str) -> str:
    """220 民政 cases from two centres, some accepted or decided; returns the id of
    an open case to show."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    engine = hub_engine(db)
    upgrade(engine)
    sessions = hub_sessions(engine)
    now = datetime.now(UTC)
    today = workdays.business_today(now)
    with sessions.begin() as s:
        publish_catalogue(s, load_publication(resource_path("catalogue")), now)
    http = TestClient(create_app(engine))
    rng = random.Random(2026)
    shown = ""
    for n, (code, name) in enumerate(CENTRES):
        with sessions.begin() as s:
            ensure_centre(s, code, name)
            enrol = new_enrol_code(s, code, now)
        r = http.post("/api/v1/enrol", json={"code": enrol, "device_name": "d"}, headers=VERSIONS)
        device = {"headers": {**VERSIONS, "Authorization": f"Bearer {r.json()['token']}"}}
        cases = make_cases(rng, 120 if n == 0 else 100, today, code, prefix=f"{code}")
        for c in cases:
            c.matter = rng.choice(("MZ-001", "MZ-001", "MZ-002", "MZ-003"))
        push_cases(http, device, cases, DEPT)
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
