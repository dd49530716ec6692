"""Screenshots of the district's figures page (district staff at 1366×768 and 414×896, a department's
own page at 1366×768) in headless Chromium, from a throwaway hub on SQLite: six centres' ratings,
差评整改 follow-ups and cases of this month pushed as their agents would, departments answering some.

PYTHONPATH=. .venv/bin/python packaging/dev/screenshot_district.py docs/screenshots
"""

from __future__ import annotations

import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.hub import departments, workdays
from app.hub.admin import add_staff, ensure_centre
from app.hub.models import HubStaff
from tests.hub.browser import chromium, hub_process, sign_in
from tests.hub.conftest import Hub
from tests.hub.dept_data import _op

CENTRES = (
    ("990101", "示范区幸福街道便民服务中心"),
    ("990102", "示范区和平里街道党群服务中心"),
    ("990103", "示范区长安街道便民服务中心"),
    ("990104", "示范区新华街道便民服务中心"),
    ("990105", "示范区光明街道便民服务中心"),
    ("990106", "示范区东湖街道便民服务中心"),
)
DEPARTMENTS = ("区民政局", "区人社局", "区医保局", "区残联")


def fill(db: str) -> None:
    hub = Hub(db)
    rng = random.Random(2026)
    now = datetime.now(UTC)
    today = workdays.business_today(now)
    first = today.replace(day=1)
    span = max(1, (today - first).days)
    routed: list[tuple[uuid.UUID, str]] = []
    for code, name in CENTRES:
        with hub.sessions.begin() as s:
            ensure_centre(s, code, name)
        device = hub.device(code)
        ops: list[dict[str, Any]] = []
        seq = 1

        def add(
            entity: str,
            payload: dict[str, Any],
            eid: uuid.UUID | None = None,
            ops: list[dict[str, Any]] = ops,
        ) -> None:
            nonlocal seq
            ops.append(_op(seq, entity, eid or uuid.uuid4(), payload))
            seq += 1

        happy = rng.uniform(0.8, 0.99)
        for _ in range(rng.randrange(150, 400)):
            at = now - timedelta(days=rng.uniform(0, span), hours=rng.uniform(0, 8))
            level = rng.choice((5, 5, 4, 3)) if rng.random() < happy else rng.choice((2, 1))
            add("rating", {"level": level, "rated_at": at.isoformat()})
            if level <= 2:
                opened = at.date()
                closed = rng.random() < 0.6
                add(
                    "follow_up",
                    {
                        "status": "closed" if closed else "open",
                        "due_date": (opened + timedelta(days=14)).isoformat(),
                        "opened_at": at.isoformat(),
                        "closed_at": (at + timedelta(days=3)).isoformat() if closed else None,
                    },
                )
        for i in range(rng.randrange(40, 90)):
            cid = uuid.uuid4()
            received = now - timedelta(days=rng.uniform(0, span + 20))
            dept = rng.choice(DEPARTMENTS)
            due = workdays.business_today(received) + timedelta(days=rng.randrange(10, 30))
            add(
                "case_file",
                {
                    "case_number": f"{code}{i:05d}",
                    "matter_code": "MZ-001",
                    "routed_department": dept,
                    "received_at": received.isoformat(),
                    "due_date": due.isoformat(),
                },
                cid,
            )
            for n, kind in enumerate(("receive", "route"), start=1):
                at = received.isoformat()
                add("case_event", {"case_id": str(cid), "seq": n, "event_type": kind, "at": at})
            routed.append((cid, dept))
        for start in range(0, len(ops), 500):
            batch = {"ops": ops[start : start + 500]}
            r = hub.http.post("/api/v1/push", json=batch, headers=device["headers"])
            assert r.status_code == 200, r.text
    with hub.sessions.begin() as s:
        for dept in DEPARTMENTS:
            add_staff(s, f"seed-{dept}", "审批员", "department", "shot-pw-1", dept)
        add_staff(s, "qu01", "区统计员", "district", "shot-pw-1")
        add_staff(s, "mz01", "民政审批员", "department", "shot-pw-1", DEPARTMENTS[0])
    with hub.sessions.begin() as s:
        staff = {st.department: st for st in s.scalars(select(HubStaff))}
        for cid, dept in routed:
            roll = rng.random()
            if roll < 0.75:
                departments.accept(s, staff[dept], cid, now)
            if roll < 0.55:
                departments.decide(s, staff[dept], cid, "approved", "", [], now)
    hub.engine.dispose()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'hub.db'}"
        fill(db)
        with hub_process(db) as base:
            for width, height, kind in ((1366, 768, "desktop"), (414, 896, "phone")):
                with chromium(width, height) as page:
                    sign_in(page, base, "qu01", "shot-pw-1", landing="/district")
                    page.screenshot(path=str(out / f"district-{kind}.png"), full_page=True)
            with chromium(1366, 768) as page:
                sign_in(page, base, "mz01", "shot-pw-1")
                page.goto(f"{base}/district")
                page.screenshot(path=str(out / "district-department-desktop.png"))
    print("written to", out)


if __name__ == "__main__":
    main()
