"""Any period's figures against a hand-built day whose figures were worked out by hand (SQLite, PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db.models import Case, CaseEvent, Matter, Rating, Resident, Ticket
from app.db.types import new_id
from app.domain.errors import IllegalTransition, ValidationError
from app.services.period_figures import PeriodFiguresService, Times
from tests.services.conftest import Centre990101, make_id

DAY = date(2026, 11, 24)  # a Tuesday


def cn(day: date, hh: int, mm: int) -> datetime:
    """A China wall-clock time as UTC."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC) - timedelta(hours=8)


def _build_day(world: Centre990101) -> None:
    u = world.users
    w1, w2 = world.counters[1], world.counters[2]
    c1, c2 = u["clerk1"].id, u["clerk2"].id
    # (group, seq, status, issued, called, serving, finished, window, clerk)
    tickets = [
        ("shebao_yibao", 1, "done", (9, 0), (9, 10), (9, 10), (9, 20), w1, c1),  # wait 10, serve 10
        ("shebao_yibao", 2, "done", (9, 5), (9, 25), (9, 26), (9, 56), w1, c1),  # wait 20, serve 30
        ("minzheng_jiuzhu", 1, "done", (9, 30), (9, 35), (9, 35), (9, 40), w2, c2),  # 5, 5
        ("minzheng_jiuzhu", 2, "no_show", (10, 0), (10, 40), None, None, w2, c2),  # wait 40
        ("shebao_yibao", 3, "waiting", (10, 15), None, None, None, None, None),
    ]

    def at(hm: tuple[int, int] | None, day: date = DAY) -> datetime | None:
        return cn(day, *hm) if hm else None

    with world.ctx.uow() as uow:
        s = uow.session
        for group, seq, status, issued, called, serving, finished, window, clerk in tickets:
            s.add(
                Ticket(
                    id=new_id(),
                    centre_id=world.centre_id,
                    business_date=DAY,
                    service_group=group,
                    seq=seq,
                    number=f"X{seq:03d}",
                    status=status,
                    issued_at=at(issued),
                    called_at=at(called),
                    serving_at=at(serving),
                    finished_at=at(finished),
                    counter_id=window,
                    clerk_id=clerk,
                )
            )
        nxt = DAY + timedelta(days=1)  # another day's ticket: outside the period
        s.add(
            Ticket(
                id=new_id(),
                centre_id=world.centre_id,
                business_date=nxt,
                service_group="shebao_yibao",
                seq=1,
                number="A001",
                status="done",
                issued_at=cn(nxt, 9, 0),
                called_at=cn(nxt, 9, 1),
                counter_id=w1,
                clerk_id=c1,
            )
        )
        matters = {m.code: m for m in s.scalars(select(Matter).where(Matter.current.is_(True)))}
        resident = Resident(
            id=new_id(), id_kind="resident_id", id_number=make_id("11010119580307123"), name="张三"
        )
        s.add(resident)
        s.flush()
        n = 0

        def add_case(
            code: str,
            status: str,
            received: datetime,
            events: list[tuple[str, str, datetime]],
            due: date | None = None,
        ) -> None:
            nonlocal n
            n += 1
            m = matters[code]
            case_id = new_id()
            s.add(
                Case(
                    id=case_id,
                    case_number=f"9901012026112{n:05d}",
                    verification_code="123456",
                    centre_id=world.centre_id,
                    matter_id=m.id,
                    matter_code=code,
                    catalogue_version=m.version,
                    resident_id=resident.id,
                    clerk_id=c1,
                    status=status,
                    received_at=received,
                    due_date=due,
                )
            )
            s.flush()
            for seq, (event, origin, when) in enumerate(events, 1):
                s.add(
                    CaseEvent(
                        id=new_id(),
                        case_id=case_id,
                        seq=seq,
                        event_type=event,
                        status_after=status,
                        at=when,
                        origin=origin,
                    )
                )

        t = cn(DAY, 9, 15)
        add_case("MZ-001", "ROUTED", t, [("RECEIVE", "centre", t), ("ROUTE", "centre", t)])
        add_case("MZ-001", "REJECTED_AT_INTAKE", t, [("REJECT_AT_INTAKE", "centre", t)])
        add_case("RS-003", "COMPLETED_ON_SPOT", t, [("COMPLETE_ON_SPOT", "centre", t)])
        add_case(
            "MZ-001",
            "SUPPLEMENT_REQUESTED",
            t,
            [("RECEIVE", "centre", t), ("REQUEST_SUPPLEMENT", "centre", t)],
        )
        # A department's 补正 request is not the counter's 一次性告知: still 受理.
        add_case(
            "MZ-002",
            "SUPPLEMENT_REQUESTED",
            cn(DAY, 23, 50),
            [
                ("RECEIVE", "centre", t),
                ("ROUTE", "centre", t),
                ("REQUEST_SUPPLEMENT", "department", t),
            ],
        )
        add_case("MZ-001", "ROUTED", cn(DAY, 0, 0) - timedelta(minutes=1), [])  # the 23rd
        early = cn(date(2026, 11, 2), 10, 0)

        def decided(due: date, when: datetime, event: str = "APPROVE") -> None:
            add_case(
                "MZ-002",
                "APPROVED",
                early,
                [("RECEIVE", "centre", early), (event, "department", when)],
                due,
            )

        decided(date(2026, 11, 24), cn(DAY, 15, 0))  # on time
        decided(date(2026, 11, 23), cn(DAY, 10, 0), "DENY")  # a day late
        decided(date(2026, 11, 24), cn(DAY, 23, 30))  # on time: still the 24th in China
        decided(date(2026, 11, 24), cn(DAY + timedelta(days=1), 0, 30))  # the 25th: not counted
        for level, when in (
            (5, cn(DAY, 9, 21)),
            (5, cn(DAY, 9, 57)),
            (4, cn(DAY, 9, 41)),
            (3, cn(DAY, 12, 0)),
            (1, cn(DAY, 23, 50)),
            (2, cn(DAY + timedelta(days=1), 0, 10)),  # the 25th
        ):
            s.add(
                Rating(
                    id=uuid.uuid4(),
                    centre_id=world.centre_id,
                    level=level,
                    comment="",
                    rated_at=when,
                )
            )


def test_a_hand_built_day(world: Centre990101) -> None:
    _build_day(world)
    f = PeriodFiguresService(world.ctx).figures(world.users["supervisor"], DAY, DAY)
    t = f.tickets
    assert (t.issued, t.served, t.skipped) == (5, 3, 1)
    assert t.waiting == Times(4, 10.0, 40.0)  # waits 5 10 20 40: ranks ⌈2⌉, ⌈3.6⌉
    assert t.service == Times(3, 10.0, 30.0)  # 5 10 30: ranks ⌈1.5⌉, ⌈2.7⌉
    groups = {r.key: r for r in f.by_group}  # shown by name
    assert (groups["社保医保"].issued, groups["社保医保"].served) == (3, 2)
    assert groups["社保医保"].waiting == Times(2, 10.0, 20.0)
    assert groups["社保医保"].service == Times(2, 10.0, 30.0)
    mz = groups["民政救助"]
    assert (mz.issued, mz.served, mz.skipped) == (2, 1, 1)
    assert mz.waiting == Times(2, 5.0, 40.0) and mz.service == Times(1, 5.0, 5.0)
    windows = {r.key: (r.issued, r.served, r.skipped) for r in f.by_window}
    assert windows == {"1": (2, 2, 0), "2": (2, 1, 1), "": (1, 0, 0)}
    clerks = {r.key: r.waiting.median for r in f.by_clerk}
    names = {u.id: u.display_name for u in world.users.values()}
    assert clerks[names[world.users["clerk1"].id]] == 10.0
    assert clerks[names[world.users["clerk2"].id]] == 5.0
    hours = {r.key: (r.issued, r.served) for r in f.by_hour}
    assert hours == {"09": (3, 3), "10": (2, 0)}

    c = f.cases
    assert (c.received, c.on_spot, c.told, c.refused) == (2, 1, 1, 1)
    matters = {r.key: (r.received, r.on_spot, r.told, r.refused) for r in f.by_matter}
    assert matters["最低生活保障（低保家庭认定及保障金给付）"] == (1, 0, 1, 1)
    assert matters["临时救助"] == (1, 0, 0, 0)
    departments = {r.key: r.total for r in f.by_department}
    assert departments == {"民政": 4, "人社": 1}
    assert {r.key: r.total for r in f.by_case_type} == {"承诺件": 4, "即办件": 1}

    assert (f.decided, f.decided_on_time, f.on_time_percent) == (3, 2, 66.7)
    assert f.ratings_by_level == {5: 2, 4: 1, 3: 1, 2: 0, 1: 1}
    assert (f.ratings, f.satisfied_percent) == (5, 80.0)
    assert any("满意率" in line for line in f.formulas)

    week = PeriodFiguresService(world.ctx).figures(
        world.users["supervisor"], date(2026, 11, 23), date(2026, 11, 29)
    )
    assert (week.tickets.issued, week.cases.total, week.decided, week.ratings) == (6, 6, 4, 6)
    empty = PeriodFiguresService(world.ctx).figures(
        world.users["supervisor"], date(2026, 12, 1), date(2026, 12, 31)
    )
    assert empty.tickets.issued == 0 and empty.satisfied_percent is None
    assert empty.on_time_percent is None and empty.by_hour == ()


def test_period_is_checked_and_supervisor_only(world: Centre990101) -> None:
    service = PeriodFiguresService(world.ctx)
    with pytest.raises(IllegalTransition):
        service.figures(world.users["clerk1"], DAY, DAY)
    with pytest.raises(ValidationError, match="不能早于"):
        service.figures(world.users["supervisor"], DAY, DAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="366"):
        service.figures(world.users["supervisor"], DAY, DAY + timedelta(days=366))


def test_any_period_is_three_statements(world: Centre990101) -> None:
    """Aggregates in SQL, combined: a refresh is three SELECTs whatever the period (it was ~22)."""
    from sqlalchemy import event

    _build_day(world)
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(world.ctx.engine, "before_cursor_execute", seen)
    try:
        PeriodFiguresService(world.ctx).figures(
            world.users["supervisor"], date(2026, 11, 1), date(2026, 11, 30)
        )
    finally:
        event.remove(world.ctx.engine, "before_cursor_execute", seen)
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 3
