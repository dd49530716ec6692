"""A hand-built district for the figures tests: two centres' ratings, 差评整改 follow-ups and cases
pushed as their agents would, department decisions recorded at the hub, and the figures worked out
by hand (the comments say which rows make each number)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from app.hub import departments
from app.hub.admin import add_staff
from app.hub.district import Period
from app.hub.models import HubStaff
from tests.hub.dept_data import _op

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # business date 2026-11-20 (Asia/Shanghai)
TODAY = date(2026, 11, 20)
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
CST = timezone(timedelta(hours=8))
MZ, RS = "区民政局", "区人社局"


def _at(day: date, hour: int = 10, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST).isoformat()


def d(month: int, day: int) -> date:
    return date(2026, month, day)


# (level, local time) per centre. A: in period 5,5,4,3,2,1 and 4 at 00:10 on Nov 1 (the period's
# first minutes); 1 at 23:50 on Oct 31 is outside. B: 5,5,5.
RATINGS = {
    "100001": [
        (5, _at(d(11, 3))),
        (5, _at(d(11, 4))),
        (4, _at(d(11, 5))),
        (3, _at(d(11, 6))),
        (2, _at(d(11, 7))),
        (1, _at(d(11, 8))),
        (4, _at(d(11, 1), 0, 10)),
        (1, _at(d(10, 31), 23, 50)),
    ],
    "100002": [(5, _at(d(11, 2))), (5, _at(d(11, 9))), (5, _at(d(11, 30), 23, 59))],
}
# (status, due, opened, closed) at centre A: f1 open overdue, f2 open not yet due, f3 closed in
# the period, f4 open overdue opened before the period.
FOLLOW_UPS = [
    ("open", d(11, 18), _at(d(11, 10)), None),
    ("open", d(11, 25), _at(d(11, 12)), None),
    ("closed", d(11, 15), _at(d(11, 3)), _at(d(11, 14))),
    ("open", d(10, 30), _at(d(10, 20)), None),
]
# (centre, name, department, received, due, events at the centre, department steps at the hub)
CASES = [
    ("100001", "a1", MZ, d(11, 2), d(11, 16), ["receive", "route"], []),
    ("100001", "a2", MZ, d(11, 5), d(12, 1), ["receive", "route"], ["accept"]),
    ("100001", "a3", MZ, d(11, 6), d(11, 19), ["receive", "route"], ["accept", "approved"]),
    ("100001", "a4", MZ, d(11, 7), d(11, 30), ["receive", "route", "withdraw"], []),
    ("100001", "a5", RS, d(10, 20), d(11, 3), ["receive", "route"], []),
    ("100001", "a6", RS, d(11, 10), d(11, 24), ["receive", "route"], ["accept", "denied"]),
    ("100001", "a7", "", d(11, 11), d(11, 18), ["receive"], []),
    ("100001", "a8", "", d(11, 3), d(11, 10), ["receive", "request_supplement"], []),
    (
        "100002",
        "b1",
        MZ,
        d(11, 3),
        d(11, 25),
        ["receive", "route"],
        ["accept", "approved_deferred"],
    ),
    ("100002", "b2", MZ, d(11, 4), d(11, 12), ["receive", "route"], ["accept"]),
]

# The figures, by hand.
EXPECTED_CENTRES = {
    # levels 5..1; ratings; satisfied (5+4+3); follow-ups opened/closed/open/overdue; overdue
    # cases (a1 ROUTED due 16, a5 ROUTED due Nov 3, a7 RECEIVED due 18; a8's clock is stopped);
    # routed in the period (a1 a2 a3 a6; a4 was withdrawn before any response, a5 came in October)
    "100001": {
        "levels": {5: 2, 4: 2, 3: 1, 2: 1, 1: 1},
        "ratings": 7,
        "satisfied": 5,
        "follow_ups": (3, 1, 3, 2),
        "cases_overdue": 3,
        "routed": 4,
    },
    "100002": {
        "levels": {5: 3, 4: 0, 3: 0, 2: 0, 1: 0},
        "ratings": 3,
        "satisfied": 3,
        "follow_ups": (0, 0, 0, 0),
        "cases_overdue": 1,  # b2, accepted, due Nov 12
        "routed": 2,
    },
}
# department: (routed, responded, decided, overdue now)
EXPECTED_DEPARTMENTS = {
    MZ: (5, 4, 2, 2),  # a1 a2 a3 b1 b2; responded a2 a3 b1 b2; decided a3 b1; late a1 b2
    RS: (1, 1, 1, 1),  # a6 (answered and decided); late a5 (received in October)
}
EXPECTED_BY_CENTRE = {
    (MZ, "中心甲"): (3, 2, 1, 1),
    (MZ, "中心乙"): (2, 2, 1, 1),
    (RS, "中心甲"): (1, 1, 1, 1),
}


def build(hub: Any) -> dict[str, uuid.UUID]:
    """Pushes the whole data set; returns the cases' ids by name."""
    names = {"100001": "中心甲", "100002": "中心乙"}
    devices = {code: hub.device(code) for code in names}
    from app.hub.models import HubCentre

    with hub.sessions.begin() as s:
        for c in s.scalars(select(HubCentre)):
            c.name = names[c.code]
    seqs = dict.fromkeys(names, 1)
    ids: dict[str, uuid.UUID] = {}
    ops: dict[str, list[dict[str, Any]]] = {code: [] for code in names}

    def add(code: str, entity: str, eid: uuid.UUID, payload: dict[str, Any]) -> None:
        ops[code].append(_op(seqs[code], entity, eid, payload))
        seqs[code] += 1

    for code, ratings in RATINGS.items():
        for level, at in ratings:
            add(code, "rating", uuid.uuid4(), {"level": level, "rated_at": at, "comment": ""})
    for status, due, opened, closed in FOLLOW_UPS:
        add(
            "100001",
            "follow_up",
            uuid.uuid4(),
            {
                "rating_id": str(uuid.uuid4()),
                "status": status,
                "due_date": due.isoformat(),
                "opened_at": opened,
                "closed_at": closed,
            },
        )
    for code, name, dept, received, due, events, _ in CASES:
        ids[name] = cid = uuid.uuid4()
        add(
            code,
            "case_file",
            cid,
            {
                "case_number": f"N-{name}",
                "matter_code": "MZ-001",
                "routed_department": dept,
                "received_at": _at(received, 9),
                "due_date": due.isoformat(),
            },
        )
        for n, kind in enumerate(events, start=1):
            event = {"case_id": str(cid), "seq": n, "event_type": kind, "at": _at(received, 9)}
            add(code, "case_event", uuid.uuid4(), event)
    for code, batch in ops.items():
        r = hub.http.post("/api/v1/push", json={"ops": batch}, headers=devices[code]["headers"])
        assert r.status_code == 200 and r.json()["conflicts"] == 0, r.text
    with hub.sessions.begin() as s:
        for dept in (MZ, RS):
            add_staff(s, f"seed-{dept}", "审批员", "department", "secret-pw", dept)
    with hub.sessions.begin() as s:
        for _code, name, dept, *_rest, steps in CASES:
            staff = s.scalars(select(HubStaff).where(HubStaff.username == f"seed-{dept}")).first()
            for step in steps:
                if step == "accept":
                    departments.accept(s, staff, ids[name], NOW)
                else:
                    deferred = ["家庭成员收入证明"] if step == "approved_deferred" else []
                    reason = "家庭收入高于标准" if step == "denied" else ""
                    departments.decide(s, staff, ids[name], step, reason, deferred, NOW)
    return ids
