"""Hub fixtures: a migrated hub on PostgreSQL with a FastAPI test client and helpers for tokens."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from app import __version__
from app.clock import system_clock
from app.hub.admin import add_staff, new_enrol_code
from app.hub.api import create_app
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.sync import protocol as P
from tests.sync.harness import hub_secret  # noqa: F401 (an autouse fixture: each test's hubs get a master secret)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

VERSIONS = {P.H_PROTOCOL: "1", P.H_APP: __version__, P.H_SCHEMA: "0001", P.H_CATALOGUE: ""}


class Hub:
    def __init__(self, url: str) -> None:
        self.engine = hub_engine(url)
        upgrade(self.engine)
        self.sessions = hub_sessions(self.engine)
        self.app = create_app(self.engine)
        self.http = TestClient(self.app)

    def device(self, centre: str) -> dict[str, Any]:
        """Enrol a device for `centre`; returns the enrolment response plus ready request headers."""
        with self.sessions.begin() as s:
            code = new_enrol_code(s, centre, system_clock())
        r = self.http.post(
            "/api/v1/enrol", json={"code": code, "device_name": "t"}, headers=VERSIONS
        )
        assert r.status_code == 200, r.text
        data = r.json()
        data["headers"] = {**VERSIONS, "Authorization": f"Bearer {data['token']}"}
        return data

    def staff_token(
        self, username: str, department: str, role: str = "department"
    ) -> dict[str, str]:
        with self.sessions.begin() as s:
            add_staff(s, username, username, role, "secret-pw", department)
        r = self.http.post(
            "/api/v1/staff/login", json={"username": username, "password": "secret-pw"}
        )
        return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def hub(pg_url: str) -> Iterator[Hub]:
    h = Hub(pg_url)
    yield h
    h.engine.dispose()
