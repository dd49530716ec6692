"""Every endpoint of the hub's OpenAPI schema fuzzed by schemathesis as a centre, as department staff
and as no one: no input reaches a 5xx; and the values the fuzzer found (a NUL character in a staff
name, a token or a search) are refused in words, with nothing changed."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from app.hub.api import BAD_VALUE
from app.hub.models import HubLoginThrottle, HubStaffSession
from tests.hub.conftest import Hub

pytestmark = pytest.mark.pg


def _fuzz(strategy: Any, headers: dict[str, str], seen: Counter[int], found: list[str]) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        if response.status_code >= 500:
            found.append(f"{case.method} {case.path} → {response.status_code}")

    run()


def test_no_input_reaches_a_server_error(pg_url: str) -> None:
    hub = Hub(pg_url)
    try:
        device = hub.device("990101")
        staff = hub.staff_token("mz1", "民政")
        schema = schemathesis.openapi.from_asgi("/openapi.json", hub.app)
        seen: Counter[int] = Counter()
        found: list[str] = []
        operations = [op.ok() for op in schema.get_all_operations()]
        assert len(operations) >= 20  # the whole API, not an empty schema
        for operation in operations:
            for headers in (device["headers"], staff, {}):
                _fuzz(operation.as_strategy(), headers, seen, found)
        assert found == []
        # The fuzzer got past the door as well as being refused at it.
        assert seen[200] > 100 and seen[401] > 100 and sum(seen.values()) > 1000
    finally:
        hub.engine.dispose()


def _counts(hub: Hub) -> tuple[int, int]:
    with hub.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(HubStaffSession)) or 0,
            s.scalar(select(func.count()).select_from(HubLoginThrottle)) or 0,
        )


def test_a_nul_character_is_refused_in_words(pg_url: str) -> None:
    hub = Hub(pg_url)
    try:
        staff = hub.staff_token("mz1", "民政")
        before = _counts(hub)
        r = hub.http.post("/api/v1/staff/login", json={"username": "mz\x001", "password": "x"})
        assert (r.status_code, r.json()["detail"]) == (422, BAD_VALUE)
        bad_token = {"Authorization": "Bearer abc\x00def"}
        r = hub.http.get("/api/v1/dept/cases", headers=bad_token)
        assert r.status_code in (401, 422) and "detail" in r.json()
        r = hub.http.get("/api/v1/dept/cases", headers=staff)
        assert r.status_code == 200  # the real token still works

        page = hub.http.get("/dept/login")
        token = re.search(r"name='csrf_token' value='([^']*)'", page.text)
        assert token is not None
        r = hub.http.post(
            "/dept/login",
            data={"username": "mz\x001", "password": "x", "csrf_token": token.group(1)},
        )
        assert r.status_code == 422 and BAD_VALUE in r.text and "<html" in r.text.lower()
        assert _counts(hub) == before  # no session opened, no failure counted against anyone
    finally:
        hub.engine.dispose()
