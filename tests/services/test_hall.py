"""The live hall against a hand-built hall at 10:00 whose figures were worked out by hand (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, update

from app.db.models import CallRecord, Counter, Resident, Ticket
from app.db.types import new_id
from app.domain.errors import IllegalTransition, ValidationError
from app.services.hall import HallService
from tests.services.conftest import START, Centre990101, make_id

DAY = date(2026, 11, 23)  # START's business date (Monday)


def _build_hall(world: Centre990101) -> None:
    """At 10:00 (the clock moves there): window 1 serves 张三明 (clerk1), window 2 has called a
    ticket (clerk2), window 3 has set a ticket aside, window 4 is idle after clerk3's call at 9:10,
    window 5 idle all day, window 6 closed. Waiting: A at 9:10, 9:35, 9:50; C at 9:20 (elderly);
    a waiting ticket of yesterday is not counted. Threshold 20 minutes: A 9:10, A 9:35 (25 min)
    and C 9:20 are at risk."""
    u = world.users
    w = world.counters
    ten = START + timedelta(hours=1)

    def at(hh: int, mm: int, day_offset: int = 0) -> datetime:
        return START + timedelta(days=day_offset, hours=hh - 9, minutes=mm)

    with world.ctx.uow() as uow:
        s = uow.session
        resident = Resident(
            id=new_id(),
            id_kind="resident_id",
            id_number=make_id("11010119580307123"),
            name="张三明",
        )
        s.add(resident)
        s.flush()
        seq = {"shebao_yibao": 0, "minzheng_jiuzhu": 0}
        ids: dict[str, object] = {}

        def ticket(group: str, status: str, issued: datetime, **kw: object) -> None:
            seq[group] += 1
            s.add(
                Ticket(
                    id=ids.setdefault(f"{group}{seq[group]}", new_id()),
                    centre_id=world.centre_id,
                    business_date=DAY,
                    service_group=group,
                    seq=seq[group],
                    number=f"{'A' if group == 'shebao_yibao' else 'C'}{seq[group]:03d}",
                    status=status,
                    issued_at=issued,
                    **kw,
                )
            )

        ticket("shebao_yibao", "waiting", at(9, 10))
        ticket("shebao_yibao", "waiting", at(9, 35))
        ticket("shebao_yibao", "waiting", at(9, 50))
        ticket("minzheng_jiuzhu", "waiting", at(9, 20), priority="elderly")
        ticket(
            "shebao_yibao",
            "serving",
            at(9, 0),
            called_at=at(9, 40),
            serving_at=at(9, 41),
            counter_id=w[1],
            clerk_id=u["clerk1"].id,
            resident_id=resident.id,
        )
        ticket(
            "minzheng_jiuzhu",
            "called",
            at(9, 5),
            called_at=at(9, 58),
            counter_id=w[2],
            clerk_id=u["clerk2"].id,
        )
        ticket(
            "minzheng_jiuzhu",
            "held",
            at(9, 1),
            called_at=at(9, 30),
            counter_id=w[3],
            clerk_id=u["clerk3"].id,
        )
        ticket(  # done at window 4: its clerk comes from the call record
            "shebao_yibao",
            "done",
            at(9, 2),
            called_at=at(9, 10),
            finished_at=at(9, 30),
            counter_id=w[4],
            clerk_id=u["clerk3"].id,
        )
        s.flush()
        s.add(
            CallRecord(
                id=new_id(),
                centre_id=world.centre_id,
                ticket_id=ids["shebao_yibao5"],
                counter_id=w[4],
                clerk_id=u["clerk3"].id,
                number="A005",
                window_number=4,
                at=at(9, 10),
            )
        )
        yesterday = at(9, 0, -1)
        s.add(
            Ticket(
                id=new_id(),
                centre_id=world.centre_id,
                business_date=DAY - timedelta(days=1),
                service_group="shebao_yibao",
                seq=1,
                number="A001",
                status="waiting",
                issued_at=yesterday,
            )
        )
        s.execute(update(Counter).where(Counter.id == w[6]).values(active=False))
    world.clock.now = ten


@pytest.fixture
def hall(world: Centre990101) -> Centre990101:
    _build_hall(world)
    return world


def test_a_hand_built_hall(hall: Centre990101) -> None:
    live = HallService(hall.ctx).live(hall.users["supervisor"])
    assert live.day == DAY and live.long_wait_minutes == 20
    groups = {g.code: g for g in live.groups}
    a, c = groups["shebao_yibao"], groups["minzheng_jiuzhu"]
    assert (a.name, a.waiting, a.longest_wait_minutes, a.at_risk) == ("社保医保", 3, 50.0, 2)
    assert (c.waiting, c.longest_wait_minutes, c.at_risk) == (1, 40.0, 1)
    assert groups["jiuye_chuangye"].waiting == 0
    assert groups["jiuye_chuangye"].longest_wait_minutes is None
    assert (live.waiting, live.longest_wait_minutes, live.at_risk_count) == (4, 50.0, 3)
    assert [(t.number, t.waited_minutes) for t in live.at_risk] == [
        ("A001", 50.0),
        ("C001", 40.0),
        ("A002", 25.0),
    ]
    assert live.at_risk[1].priority_label != live.at_risk[0].priority_label  # the elderly one

    windows = {w.number: w for w in live.windows}
    assert sorted(windows) == [1, 2, 3, 4, 5]  # window 6 is closed
    names = {k: v.display_name for k, v in hall.users.items()}
    one = windows[1]
    assert (one.state, one.state_label, one.resident, one.clerk) == (
        "serving",
        "办理中",
        "张*明",
        names["clerk1"],
    )
    assert (one.ticket_number, one.minutes) == ("A004", 20.0)
    assert (windows[2].state, windows[2].clerk, windows[2].minutes) == (
        "called",
        names["clerk2"],
        2.0,
    )
    assert windows[2].resident == ""  # no resident identified yet
    assert (windows[3].state, windows[3].state_label) == ("paused", "暂停")
    assert windows[4].state == "idle" and windows[4].clerk == names["clerk3"]
    assert windows[4].ticket_number == "" and windows[4].minutes is None
    assert (windows[5].state, windows[5].clerk) == ("idle", "")


def test_the_threshold_is_a_centre_setting(hall: Centre990101) -> None:
    service = HallService(hall.ctx)
    boss = hall.users["supervisor"]
    assert service.set_long_wait_minutes(boss, 45) == 45
    assert service.long_wait_minutes(boss) == 45
    live = service.live(boss)
    assert live.long_wait_minutes == 45 and [t.number for t in live.at_risk] == ["A001"]
    with pytest.raises(ValidationError, match="5 至 180"):
        service.set_long_wait_minutes(boss, 2)
    assert service.long_wait_minutes(boss) == 45


def test_supervisor_only(hall: Centre990101) -> None:
    with pytest.raises(IllegalTransition):
        HallService(hall.ctx).live(hall.users["clerk1"])


def test_the_hall_is_a_few_queries(hall: Centre990101) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(hall.ctx.engine, "before_cursor_execute", count)
    try:
        HallService(hall.ctx).live(hall.users["supervisor"])
    finally:
        event.remove(hall.ctx.engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 5
