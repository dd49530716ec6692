"""A realistic synthetic centre: residents, tickets across the day's rhythm, cases in every state, ratings.

Everything is generated for working days strictly before today, so the day's live counters (ticket and
case numbers) never collide with it; days that already hold tickets are skipped. Rows go in with bulk inserts, a chunk of days per transaction.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter as Tally
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select

from app.clock import business_date
from app.db.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    Centre,
    Counter,
    FollowUp,
    Matter,
    OutboxOp,
    Rating,
    Resident,
    ServiceGroup,
    Ticket,
    User,
)
from app.db.payload import travels, values_payload
from app.db.types import new_id, utcnow
from app.domain.queue import PriorityClass, format_ticket_number
from app.services.context import ServiceContext
from app.services.demo_cases import Batch, CaseWriter, World, add_case, add_rating, local_moment
from app.services.demo_people import FakePerson, make_person
from app.services.dto import DemoDataReport
from app.services.uow import OUTBOX_SCOPE, UnitOfWork

TICKET_DONE, TICKET_NO_SHOW = "done", "no_show"


def _load_world(ctx: ServiceContext) -> World:
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        centre = s.scalars(select(Centre).order_by(Centre.created_at)).first()
        if centre is None:
            raise LookupError("no centre: run init-db first")
        counters = [
            (c.id, c.all_groups, list(c.service_groups))
            for c in s.scalars(
                select(Counter).where(Counter.centre_id == centre.id, Counter.active.is_(True))
            )
        ]
        clerks = [
            (u.id, u.display_name) for u in s.scalars(select(User).where(User.role == "clerk"))
        ]
        matters = []
        for m in s.scalars(select(Matter).where(Matter.current)):
            matters.append(
                {
                    "id": m.id,
                    "code": m.code,
                    "version": m.version,
                    "case_type": m.case_type,
                    "promised_days": m.promised_days,
                    "group": m.service_group,
                    "department": m.department,
                    "co": list(m.spec.get("co_departments", [])),
                    "materials": [
                        (x.code, x.name, x.form, x.copies, x.deferrable) for x in m.materials
                    ],
                }
            )
        prefixes = {g.code: g.prefix for g in s.scalars(select(ServiceGroup))}
        centre_id, centre_code = centre.id, centre.code
    weights = [
        3.0 if m["case_type"] == "即办件" else 1.5 if m["case_type"] == "承诺件" else 1.0
        for m in matters
    ]
    return World(centre_id, centre_code, counters, clerks, matters, weights, prefixes)


def _arrival_minutes(rng: random.Random) -> float:
    """The day's rhythm: a morning peak around 9:30 and a smaller afternoon peak around 14:30."""
    if rng.random() < 0.6:
        return rng.triangular(8 * 60 + 30, 11 * 60 + 45, 9 * 60 + 30)
    return rng.triangular(13 * 60 + 30, 17 * 60, 14 * 60 + 30)


def _priority(rng: random.Random, person: FakePerson, day: date) -> PriorityClass:
    roll = rng.random()
    if roll < 0.02:
        return PriorityClass.DISABLED
    if roll < 0.03:
        return PriorityClass.SERVICEMAN
    if roll < 0.04 and person.sex == "女" and (day - person.birth_date).days < 40 * 365:
        return PriorityClass.PREGNANT
    if (day - person.birth_date).days >= 60 * 365 + 15:
        return PriorityClass.ELDERLY
    return PriorityClass.NORMAL


def generate_demo_data(
    ctx: ServiceContext,
    *,
    days: int = 30,
    seed: int = 1,
    tickets_per_day: int | None = None,
    with_materials: bool = True,
    with_outbox: bool = True,
) -> DemoDataReport:
    """Fill the centre with `days` calendar days of work before today (working days only)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    world = _load_world(ctx)
    cal = ctx.calendar
    now = ctx.clock()
    today = business_date(now)
    with ctx.uow(read_only=True) as uow:
        filled = set(uow.session.scalars(select(Ticket.business_date).distinct()))
    work_days = [
        d
        for d in (today - timedelta(days=i) for i in range(days, 0, -1))
        if cal.is_working_day(d) and d not in filled  # days already filled are left as they are
    ]
    per_day = tickets_per_day or 150
    expected = per_day * max(1, len(work_days))
    used: set[str] = set()
    with ctx.uow(read_only=True) as uow:
        used.update(uow.session.scalars(select(Resident.id_number)))
    world.people = [make_person(rng, today, used) for _ in range(max(300, expected // 2))]
    world.resident_ids = [new_id() for _ in world.people]
    _insert_residents(ctx, world, with_outbox)
    writer = CaseWriter(rng, cal, now)
    totals: Tally[str] = Tally()
    states: Tally[str] = Tally()
    batch = Batch()
    for day in work_days:
        _one_day(
            rng,
            world,
            writer,
            day,
            int(per_day * rng.uniform(0.8, 1.2)),
            batch,
            states,
            with_materials,
        )
        if batch.size() > 40_000:
            _flush(ctx, batch, totals, with_outbox)
            batch = Batch()
    _flush(ctx, batch, totals, with_outbox)
    return DemoDataReport(
        days=len(work_days),
        residents=len(world.people),
        tickets=totals["tickets"],
        cases=totals["cases"],
        events=totals["events"],
        ratings=totals["ratings"],
        seconds=time.perf_counter() - started,
        per_state=dict(states),
    )


def _insert_residents(ctx: ServiceContext, world: World, with_outbox: bool) -> None:
    rows = [
        {
            "id": rid,
            "id_kind": "RESIDENT",
            "id_number": p.id_number,
            "name": p.name,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "phone": p.phone,
            "address": p.address,
            "community": p.community,
            "grid": p.grid,
        }
        for rid, p in zip(world.resident_ids, world.people, strict=True)
    ]
    with ctx.uow() as uow:
        for i in range(0, len(rows), 20_000):
            chunk = as_stored(Resident.__table__, rows[i : i + 20_000])  # type: ignore[arg-type]
            uow.session.execute(insert(Resident), chunk)
            if with_outbox:
                _queue_for_hub(uow, Resident, chunk)


def _flush(ctx: ServiceContext, batch: Batch, totals: Tally[str], with_outbox: bool) -> None:
    with ctx.uow() as uow:
        s = uow.session
        for model, rows, key in (
            (Ticket, batch.tickets, "tickets"),
            (Case, batch.cases, "cases"),
            (CaseEvent, batch.events, "events"),
            (CaseMaterial, batch.materials, "materials"),
            (Rating, batch.ratings, "ratings"),
            (FollowUp, batch.follow_ups, "follow_ups"),
        ):
            if rows:
                stored = as_stored(model.__table__, rows)  # type: ignore[arg-type]
                s.execute(insert(model), stored)
                totals[key] += len(rows)
                if with_outbox:
                    _queue_for_hub(uow, model, stored)


def as_stored(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the database will hold them: every column the insert would fill by default
    (creation times, flags, empty lists) filled here, and times in UTC. They are inserted AND queued
    from this, so the hub's copy (and a centre restored from it) is the row the centre stores."""
    columns = [c for c in table.columns if travels(c)]  # blind indexes: the insert's default
    defaults = [(c.key, c.default) for c in columns if c.default is not None]
    out = []
    for row in rows:
        full = {c.key: row.get(c.key) for c in columns}
        for key, default in defaults:
            if key not in row:
                arg: Any = default.arg  # type: ignore[attr-defined]
                full[key] = arg(None) if default.is_callable else arg  # callables take a context
        for key, value in full.items():
            if isinstance(value, datetime):
                full[key] = value.astimezone(UTC)
        out.append(full)
    return out


def _queue_for_hub(uow: UnitOfWork, model: Any, rows: list[dict[str, Any]]) -> None:
    """Outbox rows for bulk-inserted rows (complete, see as_stored), in order, so an enrolled demo
    centre syncs its past too."""
    table = model.__table__
    last = uow.reserve(OUTBOX_SCOPE, len(rows))
    first = last - len(rows) + 1
    now = utcnow()
    uow.session.execute(
        insert(OutboxOp),
        [
            {
                "id": new_id(),
                "seq": first + i,
                "op_id": new_id(),
                "entity": table.name,
                "entity_id": r["id"],
                "op": "upsert",
                "payload": values_payload(table, r),
                "created_at": now,
            }
            for i, r in enumerate(rows)
        ],
    )


def _one_day(
    rng: random.Random,
    world: World,
    writer: CaseWriter,
    day: date,
    n_tickets: int,
    batch: Batch,
    states: Tally[str],
    with_materials: bool,
) -> None:
    seqs: Tally[str] = Tally()
    case_seq = 0
    arrivals = sorted(_arrival_minutes(rng) for _ in range(n_tickets))
    for minute in arrivals:
        m = rng.choices(world.matters, world.weights)[0]
        who = rng.randrange(len(world.people))
        person = world.people[who]
        group = m["group"]
        seqs[group] += 1
        issued = local_moment(day, minute)
        serving_counters = [c for c in world.counters if c[1] or group in c[2]] or world.counters
        counter_id = rng.choice(serving_counters)[0]
        clerk_id, clerk_name = rng.choice(world.clerks)
        called = issued + timedelta(minutes=rng.triangular(1, 45, 8))
        served = called + timedelta(minutes=rng.uniform(0.3, 2))
        finished = served + timedelta(minutes=rng.triangular(2, 25, 7))
        no_show = rng.random() < 0.04
        ticket_id = new_id()
        batch.tickets.append(
            {
                "id": ticket_id,
                "centre_id": world.centre_id,
                "business_date": day,
                "service_group": group,
                "seq": seqs[group],
                "number": format_ticket_number(world.prefixes.get(group, "Z"), seqs[group]),
                "priority": _priority(rng, person, day).value,
                "appointment": False,
                "status": TICKET_NO_SHOW if no_show else TICKET_DONE,
                "issued_at": issued,
                "called_at": called,
                "serving_at": None if no_show else served,
                "finished_at": called + timedelta(minutes=3) if no_show else finished,
                "counter_id": counter_id,
                "clerk_id": clerk_id,
                "recall_count": 2 if no_show else 0,
                "resident_id": None if no_show else world.resident_ids[who],
            }
        )
        if no_show:
            continue
        case_id: uuid.UUID | None = None
        if rng.random() < 0.75:
            case_seq += 1
            case_id = add_case(
                rng,
                world,
                writer,
                m,
                who,
                ticket_id,
                counter_id,
                (clerk_id, clerk_name),
                served,
                day,
                case_seq,
                batch,
                states,
                with_materials,
            )
        if rng.random() < 0.65:
            add_rating(
                rng, world, batch, ticket_id, case_id, counter_id, clerk_id, finished, writer.now
            )
