"""The hub's per-app state (sessions, clock, who is asking), shared by the API and the staff pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.clock import Clock, system_clock
from app.hub import admin
from app.hub.admin import HubError
from app.hub.db import hub_sessions
from app.hub.models import HubDevice, HubStaff
from app.hub.secret import HubSecret

SESSION_COOKIE = "ow_staff"


class Hub:
    """The app's state: sessions (with the master secret that opens audit keys) and clock; FastAPI
    handlers are thin wrappers around it."""

    def __init__(
        self, engine: Engine, clock: Clock = system_clock, secret: HubSecret | None = None
    ) -> None:
        self.secret = secret or HubSecret.from_env()
        self.sessions = hub_sessions(engine, self.secret)
        self.clock = clock

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.sessions.begin() as s:
            yield s

    def device(self, request: Request) -> HubDevice:
        token = bearer(request)
        with self.sessions() as s:
            device = admin.device_for_token(s, token) if token else None
        if device is None:
            raise HubError(401, "设备令牌无效或已被吊销，请重新注册本中心")
        return device

    def staff(self, request: Request, role: str | None = None) -> HubStaff:
        token = bearer(request) or request.cookies.get(SESSION_COOKIE, "")
        with self.sessions() as s:
            staff = admin.staff_for_token(s, token, self.clock()) if token else None
        if staff is None:
            raise HubError(401, "请先登录")
        if role is not None and staff.role != role:
            raise HubError(403, "没有权限执行此操作")
        return staff


def bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""
