"""A centre that lost its token enrols again: ops sent before but never acknowledged are not applied twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import OutboxOp
from app.hub.models import HubChange
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from tests.sync.harness import WorkMaker

pytestmark = pytest.mark.pg


def test_reenrolled_device_does_not_double_ops(hub: Any, centre_factory: Any) -> None:
    ctx, _ = centre_factory("990101")
    WorkMaker(ctx).days(1, tickets=10, cases=2, events_per_case=2)

    def lose_push_answers(request: httpx.Request) -> httpx.Response:
        response = hub.transport.handle_request(request)
        if request.url.path.endswith("/push"):
            response.read()
            raise httpx.ReadTimeout("lost", request=request)
        return response

    assert not SyncAgent(ctx, transport=httpx.MockTransport(lose_push_answers)).run_once().ok
    enrol(ctx, "http://hub.test", hub.code("990101"), transport=hub.transport)  # a new device id
    with ctx.uow(read_only=True) as uow:  # windows, accounts, audit records and the work (18)
        queued = uow.session.scalar(select(func.count()).select_from(OutboxOp))
    assert queued is not None and queued >= 24
    report = SyncAgent(ctx, transport=hub.transport).run_once()
    assert report.ok and report.pushed == queued
    with hub.sessions() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(HubChange).where(HubChange.op_id.is_not(None))
            )
            == queued
        )
