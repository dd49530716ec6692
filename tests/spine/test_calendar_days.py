"""The working-day calendar lives in the database too, so the district can replace a year of it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, extract, func, select

from app.calendar_days import PROVISIONAL, calendar_with_rows, rows_from_calendar
from app.calendar_table import load_default_calendar
from app.db.models import CalendarDay
from app.db.types import new_id
from app.services.context import ServiceContext
from app.services.setup import initialise


def test_first_start_copies_the_table_and_reads_it_back(db_url: str) -> None:
    ctx = ServiceContext.for_url(db_url)
    try:
        initialise(ctx)
        shipped = load_default_calendar()
        with ctx.uow(read_only=True) as uow:
            count = uow.session.scalar(select(func.count()).select_from(CalendarDay))
        assert count == len(rows_from_calendar(shipped)) > 100
        fresh = ServiceContext(engine=ctx.engine).calendar
        d = date(2024, 1, 1)
        while d <= date(2027, 12, 31):
            assert fresh.is_working_day(d) == shipped.is_working_day(d), d
            d += timedelta(days=1)
        assert fresh.provisional_years == shipped.provisional_years == frozenset({2027})
        assert initialise(ctx) is False  # seeded once
    finally:
        ctx.close()


def test_the_district_replaces_a_provisional_year(db_url: str) -> None:
    ctx = ServiceContext.for_url(db_url)
    try:
        initialise(ctx)
        spring_sunday = date(2027, 2, 14)  # a made-up make-up workday for the test
        assert not ctx.calendar.is_working_day(spring_sunday)
        with ctx.uow() as uow:
            uow.session.execute(delete(CalendarDay).where(extract("year", CalendarDay.day) == 2027))
            for d in (date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7)):
                uow.session.add(
                    CalendarDay(
                        id=new_id(),
                        day=d,
                        working=False,
                        name="节日",
                        source="国办发明电〔2026〕9号",
                    )
                )
            uow.session.add(
                CalendarDay(
                    id=new_id(),
                    day=spring_sunday,
                    working=True,
                    name="调休上班",
                    source="国办发明电〔2026〕9号",
                )
            )
        ctx.refresh_calendar()
        cal = ctx.calendar
        assert cal.is_working_day(spring_sunday)
        assert 2027 not in cal.provisional_years
        result = cal.add_working_days(date(2027, 2, 12), 1)
        assert result.value == spring_sunday and not result.provisional
        assert cal.is_working_day(
            date(2026, 2, 14)
        )  # other years untouched (a 2026 make-up Saturday)
    finally:
        ctx.close()


def test_rows_round_trip_the_table() -> None:
    shipped = load_default_calendar()
    rebuilt = calendar_with_rows(shipped, rows_from_calendar(shipped))
    assert rebuilt.provisional_years == shipped.provisional_years
    assert any(r.source == PROVISIONAL for r in rows_from_calendar(shipped))
    d = date(2024, 1, 1)
    while d <= date(2027, 12, 31):
        assert rebuilt.is_working_day(d) == shipped.is_working_day(d)
        d += timedelta(days=1)


def test_a_transient_database_error_is_not_kept_as_the_calendar(db_url: str) -> None:
    """The shipped table answers while calendar_day cannot be read, and the district's rows are
    read as soon as the database answers again (the fallback is never cached)."""
    from typing import Any

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    ctx = ServiceContext.for_url(db_url)
    try:
        initialise(ctx)
        sunday = date(2027, 2, 14)
        with ctx.uow() as uow:
            uow.session.add(
                CalendarDay(id=new_id(), day=sunday, working=True, name="调休上班", source="test")
            )
        ctx.refresh_calendar()
        down = [True]

        @event.listens_for(ctx.engine, "before_cursor_execute")
        def unreachable(conn: Any, cursor: Any, statement: str, *_a: Any) -> None:
            if down[0] and "calendar_day" in statement:
                raise OperationalError(statement, {}, Exception("server closed the connection"))

        assert not ctx.calendar.is_working_day(sunday)  # the shipped table, for now
        assert not ctx.calendar.is_working_day(sunday)
        down[0] = False
        assert ctx.calendar.is_working_day(sunday)  # read again once the database answers
        down[0] = True
        assert ctx.calendar.is_working_day(sunday)  # and kept from then on
    finally:
        ctx.close()
