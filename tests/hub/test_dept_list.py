"""The department's case list: every filter, sort and page agrees with a plain-Python reading of the
same cases (hypothesis picks the queries), on SQLite and PostgreSQL; the page finds a scanned number."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.hub import departments, dept_list, dept_query, workdays
from app.hub.admin import add_staff
from app.hub.models import HubCentre
from tests.hub.conftest import Hub
from tests.hub.dept_data import MATTERS, CaseSpec, make_cases, push_cases, vary_states
from tests.hub.test_web import login, publish

DEPT = "区民政局"


@pytest.fixture
def any_hub(db_url: str) -> Iterator[Hub]:
    h = Hub(db_url)
    yield h
    h.engine.dispose()


def seed(hub: Hub, n_per_centre: int = 40) -> tuple[list[CaseSpec], dict[str, str], date]:
    """Cases at two centres in varied states; returns them, centre code → id, and today."""
    now = datetime.now(UTC)
    today = workdays.business_today(now)
    publish(hub, now)
    rng = random.Random(12)
    specs: list[CaseSpec] = []
    for code in ("100001", "100002"):
        device = hub.device(code)
        cases = make_cases(rng, n_per_centre, today, code, prefix=f"C{code[-1]}")
        next_seq = push_cases(hub.http, device, cases, DEPT)
        withdrawn = [c for c in cases if rng.random() < 0.1]
        for c in withdrawn:
            ev = {"case_id": str(c.case_id), "seq": 3, "event_type": "withdraw"}
            op = {
                "seq": next_seq,
                "op_id": str(uuid.uuid4()),
                "entity": "case_event",
                "entity_id": str(uuid.uuid4()),
                "op": "upsert",
                "payload": ev,
                "created_at": now.isoformat(),
            }
            next_seq += 1
            r = hub.http.post("/api/v1/push", json={"ops": [op]}, headers=device["headers"])
            assert r.status_code == 200
            c.status = "WITHDRAWN"
        specs += cases
    vary_states(hub.sessions, specs, DEPT, now, rng)
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", DEPT)
        centres = {x.code: str(x.id) for x in s.scalars(select(HubCentre))}
    return specs, centres, today


def expected(
    specs: list[CaseSpec], q: dept_query.ListQuery, today: date, soon: date, centres: dict[str, str]
) -> list[CaseSpec]:
    statuses = dict((k, v) for k, _, v in dept_query.VIEWS)[q.view]
    out = []
    for c in specs:
        running = c.status in departments.RUNNING
        checks = [
            statuses is None or c.status in statuses,
            q.view != "overdue" or (c.due is not None and c.due < today),
            not q.status or c.status == q.status,
            not q.centre or centres[c.centre] == q.centre,
            not q.matter or c.matter == q.matter,
            not q.received_from or c.received >= q.received_from,
            not q.received_to or c.received <= q.received_to,
            not q.due_from or (c.due is not None and c.due >= q.due_from),
            not q.due_to or (c.due is not None and c.due <= q.due_to),
            not q.deadline
            or (
                running
                and c.due is not None
                and {
                    "overdue": c.due < today,
                    "soon": today <= c.due <= soon,
                    "later": c.due > soon,
                }[q.deadline]
            ),
            not q.text or q.text.upper() in c.number.upper() or q.text in c.name,
        ]
        if all(checks):
            out.append(c)
    return out


def sort_key(q: dept_query.ListQuery, c: CaseSpec) -> Any:
    due = (c.due is None, c.due or date.min)
    if q.sort == "default":
        return (c.status != "ROUTED", *due, c.number)
    if q.sort == "number":
        return c.number
    if q.sort == "due":
        return due
    if q.sort == "received":
        return c.received
    if q.sort == "received_desc":
        return -c.received.toordinal()
    return 0  # updated_desc: order not checked


def queries(specs: list[CaseSpec], centres: dict[str, str], today: date) -> Any:
    day = st.dates(min_value=today - timedelta(days=70), max_value=today + timedelta(days=50))
    text = st.one_of(
        st.just(""),
        st.sampled_from(specs).map(lambda c: c.name[:1]),
        st.sampled_from(specs).map(lambda c: c.name),
        st.sampled_from(specs).map(lambda c: c.number[-4:]),
        st.text(alphabet="C0123456789%_张王李", max_size=4),
    )
    return st.builds(
        dept_query.ListQuery,
        view=st.sampled_from([v for v, _, _ in dept_query.VIEWS]),
        text=text,
        status=st.one_of(st.just(""), st.sampled_from(["ROUTED", "APPROVED", "WITHDRAWN"])),
        centre=st.one_of(st.just(""), st.sampled_from(sorted(centres.values()))),
        matter=st.one_of(st.just(""), st.sampled_from(MATTERS)),
        received_from=st.one_of(st.none(), day),
        received_to=st.one_of(st.none(), day),
        due_from=st.one_of(st.none(), day),
        due_to=st.one_of(st.none(), day),
        deadline=st.sampled_from(["", "overdue", "soon", "later"]),
        sort=st.sampled_from([k for k, _ in dept_query.SORTS]),
        page=st.just(1),
        size=st.sampled_from(dept_query.SIZES),
    )


def test_list_pages_agree_with_a_plain_reading_of_the_cases(any_hub: Hub) -> None:
    specs, centres, today = seed(any_hub)
    now = datetime.now(UTC)
    with any_hub.sessions() as s:
        soon = workdays.soon_bound(workdays.hub_calendar(s), today)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(queries(specs, centres, today))
    def check(q: dept_query.ListQuery) -> None:
        want = expected(specs, q, today, soon, centres)
        got: list[dict[str, Any]] = []
        page = 1
        with any_hub.sessions() as s:
            while True:
                result = dept_list.search(s, DEPT, q.__class__(**{**q.__dict__, "page": page}), now)
                assert result.total == len(want), q
                got += result.rows
                if page >= result.pages:
                    break
                page += 1
        by_number = {c.number: c for c in specs}
        assert sorted(r["case_number"] for r in got) == sorted(c.number for c in want)
        keys = [sort_key(q, by_number[r["case_number"]]) for r in got]
        assert keys == sorted(keys), q.sort
        if q.sort in ("default", "number"):
            assert [r["case_number"] for r in got] == [
                c.number for c in sorted(want, key=lambda c: sort_key(q, c))
            ]
        for r in got:
            c = by_number[r["case_number"]]
            assert r["applicant_name"] == c.name and r["due_date"] == c.due
            assert r["received"] == c.received

    check()
    with any_hub.sessions() as s:
        counted = dept_list.counts(s, DEPT, today)
        counts, by_status = counted.views, counted.by_status
    for key, _, _statuses in dept_query.VIEWS:
        q = dept_query.ListQuery(view=key)
        assert counts[key] == len(expected(specs, q, today, soon, centres)), key
    assert by_status == {
        status: sum(c.status == status for c in specs) for status in {c.status for c in specs}
    }


@pytest.mark.pg
def test_the_page_finds_a_scanned_number_and_shows_deadlines_in_words(hub: Any) -> None:
    specs, _, today = seed(hub, n_per_centre=30)
    assert login(hub.http, "mz").status_code == 303
    target = next(c for c in specs if c.status == "ROUTED")
    # a scanner types the number (and Enter): the case opens
    r = hub.http.get("/dept", params={"q": f" {target.number.lower()} "}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/dept/cases/{target.case_id}"
    page = hub.http.get("/dept", params={"view": "overdue", "size": "100"}).text
    overdue = [c for c in specs if c.status in departments.RUNNING and c.due and c.due < today]
    assert overdue and all(c.number in page for c in overdue)
    assert page.count("class='badge overdue'>已超期") == len(overdue)
    first = hub.http.get("/dept").text  # the default: waiting for acceptance first
    waiting = sorted(
        (c for c in specs if c.status == "ROUTED"),
        key=lambda c: (c.due is None, c.due or date.min, c.number),
    )
    links = re.findall(r"href='/dept/cases/([0-9a-f-]+)'", first)
    assert links[0] == str(waiting[0].case_id)
    assert f"待办 {sum(c.status in departments.RUNNING for c in specs)}" in first
    # odd parameters fall back to defaults instead of failing
    for params in (
        {"page": "abc", "size": "9999"},
        {"received_from": "2026-13-45", "sort": "x' OR 1=1"},
        {"centre": "not-a-uuid", "view": "nope", "status": "NOPE"},
        {"page": "999999"},
    ):
        r = hub.http.get("/dept", params=params)
        assert r.status_code == 200 and "共 <strong>" in r.text, params
    # filters are kept in the page links
    r = hub.http.get("/dept", params={"view": "all", "size": "20", "sort": "number"})
    nxt = re.search(r"<a href='([^']*)'>下一页</a>", r.text)
    assert nxt and "page=2" in nxt[1] and "sort=number" in nxt[1] and "view=all" in nxt[1]
    assert "size=20" in nxt[1]
