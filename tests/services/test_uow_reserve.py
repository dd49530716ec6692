"""UnitOfWork.reserve: a counter created by another transaction first is retried (boundedly);
any other database error reaches the caller instead of being retried."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.db.models import SequenceCounter
from app.db.types import new_id
from app.services.context import ServiceContext
from app.services.setup import initialise
from app.services.uow import RESERVE_ATTEMPTS


@pytest.fixture
def ctx(db_url: str) -> Iterator[ServiceContext]:
    c = ServiceContext.for_url(db_url)
    initialise(c, seed_demo=False)
    yield c
    c.close()


def _on_counter_insert(ctx: ServiceContext, action: Any) -> list[int]:
    """Call `action` before every INSERT into sequence_counter; returns the list of calls."""
    calls: list[int] = []

    @event.listens_for(ctx.engine, "before_cursor_execute")
    def hook(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SEQUENCE_COUNTER"):
            calls.append(1)
            action(statement, params)

    return calls


def _value(ctx: ServiceContext, scope: str) -> int | None:
    with ctx.uow(read_only=True) as uow:
        return uow.session.scalar(
            select(SequenceCounter.value).where(SequenceCounter.scope == scope)
        )


def test_numbers_follow_on(ctx: ServiceContext) -> None:
    with ctx.uow() as uow:
        assert uow.reserve("t:1", 1) == 1
        assert uow.reserve("t:1", 3) == 4
    with ctx.uow() as uow:
        assert uow.reserve("t:1", 1) == 5


def test_another_error_is_raised_not_retried(ctx: ServiceContext) -> None:
    def fail(statement: str, params: Any) -> None:
        raise OperationalError(statement, params, Exception("disk I/O error"))

    calls = _on_counter_insert(ctx, fail)
    with pytest.raises(OperationalError), ctx.uow() as uow:
        uow.reserve("t:disk", 1)
    assert len(calls) == 1 and _value(ctx, "t:disk") is None


def test_retries_are_bounded(ctx: ServiceContext) -> None:
    def clash(statement: str, params: Any) -> None:
        raise IntegrityError(statement, params, Exception("duplicate key"))

    calls = _on_counter_insert(ctx, clash)
    with pytest.raises(RuntimeError, match="t:clash"), ctx.uow() as uow:
        uow.reserve("t:clash", 1)
    assert len(calls) == RESERVE_ATTEMPTS


@pytest.mark.pg
def test_a_counter_created_meanwhile_is_continued(pg_url: str) -> None:
    """Between this transaction's UPDATE (no row yet) and its INSERT another desk creates the
    counter and commits: the INSERT fails on the unique scope and the retried UPDATE continues
    from the other desk's number."""
    ctx = ServiceContext.for_url(pg_url)
    initialise(ctx, seed_demo=False)
    other = ServiceContext.for_url(pg_url)
    try:
        done = threading.Event()

        def other_desk_first(statement: str, params: Any) -> None:
            if done.is_set():
                return

            def insert() -> None:
                with other.uow() as uow:
                    uow.session.add(SequenceCounter(id=new_id(), scope="t:race", value=7))

            t = threading.Thread(target=insert)
            t.start()
            t.join(30)
            done.set()

        calls = _on_counter_insert(ctx, other_desk_first)
        with ctx.uow() as uow:
            assert uow.reserve("t:race", 2) == 9
        assert len(calls) == 1 and _value(ctx, "t:race") == 9
    finally:
        other.close()
        ctx.close()
