"""Staff sign-in throttling: per user name and per client address, kept in PostgreSQL so every hub
process counts the same attempts; moved through time with the hub's injected clock."""

from __future__ import annotations

import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.hub import admin
from app.hub.admin import add_staff
from app.hub.api import create_app
from app.hub.models import HubLoginThrottle

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.pg


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(hub: Any) -> Clock:
    c = Clock()
    hub.app.state.hub.clock = c
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
        add_staff(s, "rs", "人社审批员", "department", "secret-pw", "区人社局")
    return c


def api_login(http: Any, username: str, password: str) -> Any:
    return http.post("/api/v1/staff/login", json={"username": username, "password": password})


def form_login(http: Any, username: str, password: str) -> Any:
    form = http.get("/dept/login").text
    token = re.search(r"name='csrf_token' value='([^']*)'", form)
    assert token is not None
    return http.post(
        "/dept/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )


def message(r: Any) -> str:
    if r.headers["content-type"].startswith("application/json"):
        return str(r.json()["detail"])
    found = re.search(r"<p class='err'[^>]*>([^<]*)</p>", r.text)
    return found[1] if found else ""


def test_five_failures_lock_the_name_even_with_the_right_password(hub: Any, clock: Clock) -> None:
    for _ in range(4):
        r = api_login(hub.http, "mz", "wrong")
        assert r.status_code == 401
    assert "再失败 1 次" in r.json()["detail"]
    r = api_login(hub.http, "mz", "wrong")
    assert (
        r.status_code == 429
        and "用户名或密码错误" in r.json()["detail"]
        and "15 分钟" in r.json()["detail"]
    )
    clock.move(minutes=1)
    r = api_login(hub.http, "mz", "secret-pw")
    assert r.status_code == 429 and "token" not in r.json()
    assert r.json()["detail"] == "该用户名登录失败次数过多，已暂停登录，请 14 分钟后再试"
    assert r.headers["retry-after"] == str(14 * 60)
    assert api_login(hub.http, "rs", "secret-pw").status_code == 200  # other names are not affected
    clock.move(minutes=13, seconds=59)
    assert api_login(hub.http, "mz", "secret-pw").status_code == 429
    clock.move(seconds=1)  # 15 minutes after the fifth failure
    r = api_login(hub.http, "mz", "secret-pw")
    assert r.status_code == 200 and r.json()["token"]


def test_attempts_while_locked_do_not_extend_the_lock(hub: Any, clock: Clock) -> None:
    for _ in range(5):
        api_login(hub.http, "mz", "wrong")
    for _ in range(10):
        clock.move(minutes=1)
        assert api_login(hub.http, "mz", "wrong").status_code == 429
    clock.move(minutes=5)
    assert api_login(hub.http, "mz", "secret-pw").status_code == 200


def test_an_unknown_name_is_answered_exactly_like_a_known_one(hub: Any, clock: Clock) -> None:
    known = [
        (r.status_code, message(r)) for r in (api_login(hub.http, "mz", "wrong") for _ in range(6))
    ]
    unknown = [
        (r.status_code, message(r))
        for r in (api_login(hub.http, "nobody", "wrong") for _ in range(6))
    ]
    assert known == unknown
    assert [s for s, _ in known] == [401, 401, 401, 401, 429, 429]


def test_a_successful_login_resets_the_names_count(hub: Any, clock: Clock) -> None:
    for _ in range(4):
        assert api_login(hub.http, "mz", "wrong").status_code == 401
    assert api_login(hub.http, "mz", "secret-pw").status_code == 200
    for _ in range(4):
        assert api_login(hub.http, "mz", "wrong").status_code == 401
    assert api_login(hub.http, "mz", "secret-pw").status_code == 200
    with hub.sessions() as s:
        assert s.get(HubLoginThrottle, admin._throttle_key("user", "mz")) is None


def test_failures_are_counted_over_a_15_minute_window(hub: Any, clock: Clock) -> None:
    for _ in range(4):
        assert api_login(hub.http, "mz", "wrong").status_code == 401
    clock.move(minutes=15)
    for _ in range(4):  # a new window: four more are still only failures
        assert api_login(hub.http, "mz", "wrong").status_code == 401
    assert api_login(hub.http, "mz", "wrong").status_code == 429


def test_one_client_address_is_limited_across_names(hub: Any, clock: Clock) -> None:
    office = TestClient(hub.app, client=("10.1.2.3", 40000))
    elsewhere = TestClient(hub.app, client=("10.9.9.9", 40000))
    for i in range(admin.MAX_FAILURES_PER_CLIENT):  # a spray: one guess at each of many names
        assert api_login(office, f"user{i}", "wrong").status_code == 401
    r = api_login(office, "mz", "secret-pw")
    assert (
        r.status_code == 429
        and r.json()["detail"] == "当前网络地址登录失败次数过多，已暂停登录，请 15 分钟后再试"
    )
    r = form_login(office, "mz", "secret-pw")
    assert (
        r.status_code == 429
        and "当前网络地址登录失败次数过多" in r.text
        and "ow_staff" not in r.cookies
    )
    assert api_login(elsewhere, "mz", "secret-pw").status_code == 200
    clock.move(minutes=15)
    assert api_login(office, "mz", "secret-pw").status_code == 200


def test_successful_logins_do_not_use_up_the_address_limit(hub: Any, clock: Clock) -> None:
    office = TestClient(hub.app, client=("10.1.2.3", 40000))
    for _ in range(3 * admin.MAX_FAILURES_PER_CLIENT):
        assert api_login(office, "mz", "secret-pw").status_code == 200


def test_the_login_form_is_throttled_with_the_api_on_the_same_count(hub: Any, clock: Clock) -> None:
    for _ in range(3):
        assert api_login(hub.http, "mz", "wrong").status_code == 401
    r = form_login(hub.http, "mz", "wrong")
    assert r.status_code == 401 and "用户名或密码错误（再失败 1 次" in message(r)
    r = form_login(hub.http, "mz", "wrong")
    assert r.status_code == 429 and "暂停登录" in message(r)
    r = form_login(hub.http, "mz", "secret-pw")
    assert r.status_code == 429 and "ow_staff" not in r.cookies
    assert message(r) == "该用户名登录失败次数过多，已暂停登录，请 15 分钟后再试"
    assert r.headers["retry-after"] == "900"
    assert "name='password'" in r.text  # the form is shown again
    clock.move(minutes=16)
    r = form_login(hub.http, "mz", "secret-pw")
    assert r.status_code == 303 and "ow_staff" in r.cookies


def test_hub_processes_share_the_count_through_the_database(hub: Any, clock: Clock) -> None:
    other_process = create_app(
        hub.engine, clock
    )  # a second stateless instance on the same database
    apps = [hub.http, TestClient(other_process)]
    statuses = [api_login(apps[i % 2], "mz", "wrong").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    assert all(api_login(a, "mz", "secret-pw").status_code == 429 for a in apps)


def test_parallel_guesses_cannot_get_past_the_count(hub: Any, clock: Clock) -> None:
    now = clock()

    def guess(_i: int) -> int:
        try:
            admin.staff_login(hub.sessions, "mz", "wrong", "10.0.0.7", now)
        except admin.HubError as exc:
            return exc.status
        return 200

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(guess, range(16)))
    assert statuses.count(401) == admin.MAX_FAILURES_PER_USER - 1
    assert statuses.count(429) == 16 - (admin.MAX_FAILURES_PER_USER - 1)
    with hub.sessions() as s:
        rows = {r.key.split(":")[0]: r.failures for r in s.scalars(select(HubLoginThrottle))}
    assert rows == {"user": admin.MAX_FAILURES_PER_USER, "client": admin.MAX_FAILURES_PER_USER}


def test_the_table_holds_no_typed_names(hub: Any, clock: Clock) -> None:
    api_login(hub.http, "secret-pw-typed-as-name", "wrong")
    with hub.sessions() as s:
        keys = s.scalars(select(HubLoginThrottle.key)).all()
    assert keys and not any("secret" in k or "testclient" in k for k in keys)


def test_stale_rows_are_cleared_on_a_later_successful_login(hub: Any, clock: Clock) -> None:
    for i in range(3):
        api_login(hub.http, f"ghost{i}", "wrong")
    clock.move(minutes=31)
    assert api_login(hub.http, "mz", "secret-pw").status_code == 200
    with hub.sessions() as s:
        assert s.scalars(select(HubLoginThrottle)).all() == []
