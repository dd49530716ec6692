"""Demo data, the case side: one case's legal life up to now, its materials, and ratings."""

from __future__ import annotations

import random
import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from app.clock import CHINA_TZ
from app.db.types import new_id
from app.domain.calendar import WorkCalendar
from app.domain.case_states import CaseEventType as E
from app.domain.case_states import CaseStatus, apply
from app.domain.deadlines import compute_due_date
from app.services.demo_people import FakePerson

TICKET_DONE, TICKET_NO_SHOW = "done", "no_show"


@dataclass
class World:
    """The demo centre's fixed data the generator draws on."""

    centre_id: uuid.UUID
    centre_code: str
    counters: list[tuple[uuid.UUID, bool, list[str]]]
    clerks: list[tuple[uuid.UUID, str]]
    matters: list[dict[str, Any]]
    weights: list[float]
    prefixes: dict[str, str]
    resident_ids: list[uuid.UUID] = field(default_factory=list)
    people: list[FakePerson] = field(default_factory=list)


@dataclass
class Batch:
    """Rows the demo generator writes in one go."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    materials: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.tickets) + len(self.cases) + len(self.events) + len(self.materials)


def local_moment(day: date, minutes: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ) + timedelta(minutes=minutes)


class CaseWriter:
    """Walks one case through a legal life up to `now`, checked by the domain state machine."""

    def __init__(self, rng: random.Random, cal: WorkCalendar, now: datetime) -> None:
        self.rng, self.cal, self.now = rng, cal, now

    def events_for(
        self, m: dict[str, Any], start: datetime
    ) -> tuple[list[tuple[E, datetime]], int]:
        rng = self.rng
        if rng.random() < 0.03:
            return [(E.REJECT_AT_INTAKE, start)], 0
        if m["case_type"] == "即办件":
            return [(E.COMPLETE_ON_SPOT, start)], 0
        walk: list[tuple[E, datetime]] = [(E.RECEIVE, start)]
        paused = 0
        t = start
        if rng.random() < 0.08:
            walk.append((E.REQUEST_SUPPLEMENT, t + timedelta(minutes=1)))
            wait = rng.randint(1, 6)
            paused = wait
            t = self._after_working_days(t, wait)
            walk.append((E.RESUME, t))
        walk.append((E.ROUTE, t + timedelta(minutes=2)))
        if rng.random() < 0.01:
            walk.append((E.WITHDRAW, self._after_working_days(t, 1)))
            return walk, paused
        t = self._after_working_days(t, 1)
        walk.append((E.DEPARTMENT_ACCEPT, t))
        span = max(1, int(m["promised_days"] * rng.uniform(0.3, 1.15)))
        t = self._after_working_days(t, span)
        decision = rng.choices((E.APPROVE, E.APPROVE_DEFERRED, E.DENY), (85, 5, 10))[0]
        walk.append((decision, t))
        t = t + timedelta(hours=rng.uniform(0.5, 20))
        walk.append((E.NOTIFY_READY, t))
        walk.append((E.DELIVER, self._after_working_days(t, rng.randint(1, 7))))
        return walk, paused

    def _after_working_days(self, t: datetime, n: int) -> datetime:
        local = t.astimezone(CHINA_TZ)
        day = self.cal.add_working_days(local.date(), n).value
        return local_moment(day, self.rng.uniform(9 * 60, 17 * 60))


def add_case(
    rng: random.Random,
    world: World,
    writer: CaseWriter,
    m: dict[str, Any],
    who: int,
    ticket_id: uuid.UUID,
    counter_id: uuid.UUID,
    clerk: tuple[uuid.UUID, str],
    served: datetime,
    day: date,
    case_seq: int,
    batch: Batch,
    states: Tally[str],
    with_materials: bool,
) -> uuid.UUID:
    case_id = new_id()
    walk, paused = writer.events_for(m, served + timedelta(minutes=rng.uniform(2, 10)))
    status: CaseStatus | None = None
    received_at = walk[0][1]
    for seq, (event, at) in enumerate(walk, start=1):
        if at > writer.now:
            break
        status = apply(status, event)
        origin = (
            "department"
            if event in (E.DEPARTMENT_ACCEPT, E.APPROVE, E.APPROVE_DEFERRED, E.DENY)
            else "centre"
        )
        batch.events.append(
            {
                "id": new_id(),
                "case_id": case_id,
                "seq": seq,
                "event_type": event.name,
                "status_after": status.name,
                "at": at,
                "actor_id": clerk[0] if origin == "centre" else None,
                "actor_name": clerk[1] if origin == "centre" else m["department"],
                "origin": origin,
                "centre_id": world.centre_id,
                "counter_id": counter_id if origin == "centre" else None,
            }
        )
    assert status is not None
    states[status.name] += 1
    due = compute_due_date(day, m["promised_days"], paused, writer.cal).value
    routed = m["case_type"] != "即办件" and status not in (CaseStatus.REJECTED_AT_INTAKE,)
    batch.cases.append(
        {
            "id": case_id,
            "case_number": f"{world.centre_code}{day:%Y%m%d}{case_seq:04d}",
            "verification_code": f"{rng.randrange(10**6):06d}",
            "centre_id": world.centre_id,
            "matter_id": m["id"],
            "matter_code": m["code"],
            "catalogue_version": m["version"],
            "resident_id": world.resident_ids[who],
            "clerk_id": clerk[0],
            "counter_id": counter_id,
            "ticket_id": ticket_id,
            "status": status.name,
            "received_at": received_at,
            "due_date": due,
            "paused_days": paused,
            "routed_department": m["department"] if routed else "",
            "co_departments": m["co"] if routed else [],
            "form_data": {},
            "updated_at": walk[-1][1],
        }
    )
    if with_materials:
        for pos, (code, name, form, copies, deferrable) in enumerate(m["materials"]):
            deferred = deferrable and rng.random() < 0.1
            batch.materials.append(
                {
                    "id": new_id(),
                    "case_id": case_id,
                    "position": pos,
                    "material_code": code,
                    "name": name,
                    "form": form,
                    "copies": copies,
                    "state": "deferred" if deferred else "received",
                    "promised_by": writer.cal.add_working_days(day, 5).value if deferred else None,
                }
            )
    return case_id


def add_rating(
    rng: random.Random,
    world: World,
    batch: Batch,
    ticket_id: uuid.UUID,
    case_id: uuid.UUID | None,
    counter_id: uuid.UUID,
    clerk_id: uuid.UUID,
    finished: datetime,
    now: datetime,
) -> None:
    level = rng.choices((5, 4, 3, 2, 1), (70, 20, 6, 3, 1))[0]
    rating_id = new_id()
    comment = (
        rng.choice(("等候时间太长", "材料要求没有一次说清", "窗口人员态度需改进"))
        if level <= 2
        else ""
    )
    batch.ratings.append(
        {
            "id": rating_id,
            "centre_id": world.centre_id,
            "ticket_id": ticket_id,
            "case_id": case_id,
            "counter_id": counter_id,
            "clerk_id": clerk_id,
            "level": level,
            "comment": comment,
            "rated_at": finished + timedelta(seconds=30),
        }
    )
    if level <= 2:
        closed = now - finished > timedelta(days=3)
        batch.follow_ups.append(
            {
                "id": new_id(),
                "rating_id": rating_id,
                "centre_id": world.centre_id,
                "status": "closed" if closed else "open",
                "opened_at": finished + timedelta(minutes=1),
                "closed_at": finished + timedelta(days=2) if closed else None,
                "resolution": "已电话回访并致歉，已改进" if closed else "",
            }
        )
