"""The cases behind one row of a period's case tables, per dimension, on the hand-built day of
test_period_figures (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from app.domain.errors import DomainError, IllegalTransition
from app.services.period_cases import period_cases
from app.services.period_figures import PeriodFiguresService
from tests.services.conftest import Centre990101
from tests.services.test_period_figures import DAY, _build_day

DIBAO = "最低生活保障（低保家庭认定及保障金给付）"


def _numbers(world: Centre990101, dimension: str, key: str, first: date = DAY) -> list[str]:
    got = PeriodFiguresService(world.ctx).cases(
        world.users["supervisor"], first, DAY, dimension, key
    )
    assert got.total == len(got.cases) and not got.truncated
    return [c.case_number for c in got.cases]


def test_each_cell_returns_exactly_its_cases(world: Centre990101) -> None:
    _build_day(world)
    # Cases 1..5 were received on the day (5 at 23:50), 6 on the 23rd, 7..10 on the 2nd.
    n = [f"9901012026112{i:05d}" for i in range(1, 11)]
    assert _numbers(world, "matter", DIBAO) == [n[0], n[1], n[3]]
    assert _numbers(world, "matter", "临时救助") == [n[4]]
    assert _numbers(world, "department", "民政") == [n[0], n[1], n[3], n[4]]
    assert _numbers(world, "department", "人社") == [n[2]]
    assert _numbers(world, "case_type", "即办件") == [n[2]]
    assert _numbers(world, "case_type", "承诺件") == [n[0], n[1], n[3], n[4]]
    assert _numbers(world, "department", "不存在") == []
    # Ordered by received time over a longer period: the 2nd's four, the 23rd's, then the day's.
    month = _numbers(world, "department", "民政", date(2026, 11, 1))
    assert month == [*n[6:10], n[5], n[0], n[1], n[3], n[4]]

    got = PeriodFiguresService(world.ctx).cases(
        world.users["supervisor"], DAY, DAY, "matter", DIBAO
    )
    first = got.cases[0]
    assert (first.received_on, first.matter_name, first.applicant_masked) == (DAY, DIBAO, "张*")
    refused = got.cases[1]
    assert refused.status_label and refused.status_label != "REJECTED_AT_INTAKE"
    assert all("张三" not in repr(c) for c in got.cases)


def test_capped_with_the_total_in_one_statement(world: Centre990101) -> None:
    _build_day(world)
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(world.ctx.engine, "before_cursor_execute", seen)
    try:
        with world.ctx.uow(read_only=True) as uow:
            got = period_cases(
                uow.session, world.centre_id, date(2026, 11, 1), DAY, "department", "民政", cap=3
            )
    finally:
        event.remove(world.ctx.engine, "before_cursor_execute", seen)
    assert (len(got.cases), got.total, got.truncated) == (3, 9, True)
    assert [c.received_on for c in got.cases] == [date(2026, 11, 2)] * 3
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 1


def test_supervisor_only_and_a_known_dimension(world: Centre990101) -> None:
    _build_day(world)
    service = PeriodFiguresService(world.ctx)
    with pytest.raises(IllegalTransition):
        service.cases(world.users["clerk1"], DAY, DAY, "matter", DIBAO)
    with pytest.raises(DomainError, match="未知的统计维度"):
        service.cases(world.users["supervisor"], DAY, DAY, "window", "1")
