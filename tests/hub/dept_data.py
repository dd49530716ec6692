"""Realistic varied cases routed to a department, pushed to a hub as a centre would send them."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.hub.workdays import BUSINESS_ZONE
from app.services.demo_people import make_person

MATTERS = ("MZ-001", "MZ-002", "MZ-003", "ZZ-999")  # ZZ-999: not in the catalogue
MATERIALS = (
    ("M01", "社会救助申请表（含授权承诺书）", "原件"),
    ("M04", "户口簿", "原件和复印件"),
    ("M05", "家庭成员收入证明", "原件"),
)


@dataclass
class CaseSpec:
    case_id: uuid.UUID
    number: str
    matter: str
    received: date
    due: date | None
    name: str
    id_number: str
    phone: str
    centre: str
    status: str = "ROUTED"


def _op(seq: int, entity: str, entity_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": seq,
        "op_id": str(uuid.uuid4()),
        "entity": entity,
        "entity_id": str(entity_id),
        "op": "upsert",
        "payload": payload,
        "created_at": datetime.now(UTC).isoformat(),
    }


def make_cases(
    rng: random.Random, n: int, today: date, centre: str, prefix: str = "C"
) -> list[CaseSpec]:
    used: set[str] = set()
    out = []
    for i in range(n):
        p = make_person(rng, today, used)
        received = today - timedelta(days=rng.randrange(0, 60))
        due = None if rng.random() < 0.05 else received + timedelta(days=rng.randrange(3, 45))
        out.append(
            CaseSpec(
                uuid.uuid4(),
                f"{prefix}{received:%Y%m%d}{i:05d}",
                rng.choice(MATTERS),
                received,
                due,
                p.name,
                p.id_number,
                p.phone,
                centre,
            )
        )
    return out


def push_cases(
    http: Any, device: dict[str, Any], cases: list[CaseSpec], department: str, first_seq: int = 1
) -> int:
    """Residents, case files, materials and the receive/route events; returns the next seq."""
    seq = first_seq
    ops: list[dict[str, Any]] = []

    def send() -> None:
        r = http.post("/api/v1/push", json={"ops": ops}, headers=device["headers"])
        assert r.status_code == 200, r.text
        ops.clear()

    for c in cases:
        rid = uuid.uuid4()
        at = datetime.combine(c.received, time(9, 30), tzinfo=BUSINESS_ZONE).astimezone(UTC)
        items: list[tuple[str, uuid.UUID, dict[str, Any]]] = [
            (
                "resident",
                rid,
                {
                    "id_kind": "居民身份证",
                    "id_number": c.id_number,
                    "name": c.name,
                    "phone": c.phone,
                },
            ),
            (
                "case_file",
                c.case_id,
                {
                    "case_number": c.number,
                    "matter_code": c.matter,
                    "resident_id": str(rid),
                    "routed_department": department,
                    "received_at": at.isoformat(),
                    "due_date": c.due.isoformat() if c.due else None,
                    "form_data": {
                        "household_size": "3",
                        "has_disabled_member": False,
                        "bank_account": "6222 0200 1234 5678",
                    },
                },
            ),
        ]
        for pos, (code, name, form) in enumerate(MATERIALS):
            state = "deferred" if code == "M05" else "received"
            items.append(
                (
                    "case_material",
                    uuid.uuid4(),
                    {
                        "case_id": str(c.case_id),
                        "position": pos,
                        "material_code": code,
                        "name": name,
                        "form": form,
                        "copies": 1,
                        "state": state,
                        "promised_by": (c.received + timedelta(days=10)).isoformat()
                        if state == "deferred"
                        else None,
                        "note": "",
                    },
                )
            )
        for n, kind in enumerate(("receive", "route"), start=1):
            items.append(
                (
                    "case_event",
                    uuid.uuid4(),
                    {
                        "case_id": str(c.case_id),
                        "seq": n,
                        "event_type": kind,
                        "at": (at + timedelta(minutes=n)).isoformat(),
                        "actor_name": "张社工",
                        "origin": "counter",
                        "note": "",
                    },
                )
            )
        if len(ops) + len(items) > 500:
            send()
        for entity, eid, payload in items:
            ops.append(_op(seq, entity, eid, payload))
            seq += 1
    if ops:
        send()
    return seq


def supervise_some(
    http: Any,
    device: dict[str, Any],
    cases: list[CaseSpec],
    share: float,
    rng: random.Random,
    seq: int,
) -> int:
    """A centre supervisor's 督办 on a share of the (still routed) cases; returns the next seq."""
    ops = []
    for c in cases:
        if rng.random() < share:
            event = {
                "case_id": str(c.case_id),
                "seq": 3,
                "event_type": "supervise",
                "at": datetime.now(UTC).isoformat(),
                "actor_name": "李值班长",
                "origin": "counter",
                "note": "督办：群众催办，请尽快办理",
            }
            ops.append(_op(seq, "case_event", uuid.uuid4(), event))
            seq += 1
    for start in range(0, len(ops), 500):
        r = http.post(
            "/api/v1/push", json={"ops": ops[start : start + 500]}, headers=device["headers"]
        )
        assert r.status_code == 200, r.text
    return seq


def vary_states(
    sessions: Any, cases: list[CaseSpec], department: str, now: datetime, rng: random.Random
) -> None:
    """Accept some cases and decide some of those, as the department would have (the seed users'
    decisions are recorded by a staff account made here)."""
    from sqlalchemy import select

    from app.hub import departments
    from app.hub.admin import add_staff
    from app.hub.models import HubStaff

    username = f"seed-{department}"[:50]
    with sessions.begin() as s:
        if s.scalars(select(HubStaff).where(HubStaff.username == username)).first() is None:
            add_staff(s, username, "王审批", "department", "seed-pw-1", department)
    with sessions.begin() as s:
        staff = s.scalars(select(HubStaff).where(HubStaff.username == username)).one()
        for c in cases:
            roll = rng.random()
            if c.status != "ROUTED" or roll < 0.5:
                continue
            departments.accept(s, staff, c.case_id, now)
            c.status = "ACCEPTED_BY_DEPARTMENT"
            if roll < 0.65:
                departments.decide(s, staff, c.case_id, "approved", "经审核符合条件", [], now)
                c.status = "APPROVED"
            elif roll < 0.75:
                departments.decide(s, staff, c.case_id, "denied", "家庭收入高于标准", [], now)
                c.status = "DENIED"


@dataclass
class SeededHub:
    """A migrated hub database with the shipped catalogue published and an in-process client."""

    engine: Any
    sessions: Any
    http: Any
    now: datetime
    today: date

    def enrol(self, code: str, device_name: str) -> dict[str, Any]:
        """Enrols a device of centre `code`; the request options its pushes carry."""
        from app.hub.admin import new_enrol_code
        from tests.hub.conftest import VERSIONS

        with self.sessions.begin() as s:
            enrol = new_enrol_code(s, code, self.now)
        r = self.http.post(
            "/api/v1/enrol", json={"code": enrol, "device_name": device_name}, headers=VERSIONS
        )
        return {"headers": {**VERSIONS, "Authorization": f"Bearer {r.json()['token']}"}}


def hub_with_catalogue(db: str) -> SeededHub:
    """The setup the department-page benchmark and screenshots share."""
    import warnings

    from app.catalogue.loader import load_publication
    from app.hub import workdays
    from app.hub.api import create_app
    from app.hub.db import hub_engine, hub_sessions, upgrade
    from app.hub.publish import publish_catalogue
    from app.resources import resource_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    engine = hub_engine(db)
    upgrade(engine)
    sessions = hub_sessions(engine)
    now = datetime.now(UTC)
    with sessions.begin() as s:
        publish_catalogue(s, load_publication(resource_path("catalogue")), now)
    return SeededHub(
        engine, sessions, TestClient(create_app(engine)), now, workdays.business_today(now)
    )
