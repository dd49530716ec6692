"""The agent's status line: offline, waiting, last error, clock skew, heartbeat; district publications arrive."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from sqlalchemy import select

from app.cli.sync import add_commands as add_sync_commands
from app.cli.sync import cmd_sync
from app.db.models import CalendarDay, User
from app.hub import admin, publish
from app.hub.models import HubDevice
from app.sync.agent import SyncAgent
from app.sync.credentials import CredentialError
from app.sync.enrol import enrol
from tests.sync.harness import WorkMaker, new_centre

pytestmark = pytest.mark.pg


def test_offline_then_online_status(hub: Any, centre_factory: Any) -> None:
    ctx, _ = centre_factory("990101")
    WorkMaker(ctx).days(1, tickets=5, cases=1, events_per_case=1)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    offline = SyncAgent(ctx, transport=httpx.MockTransport(down))
    assert offline.status().online is None
    queued = offline.status().waiting  # windows, the work, the set-up's audit records
    assert queued >= 14
    report = offline.run_once()
    assert not report.ok and report.error_kind == "offline" and "无法连接" in report.error
    status = offline.status()
    assert (
        status.online is False and status.waiting == queued and status.oldest_unsent_at is not None
    )
    assert "无法连接" in status.last_error and status.last_success_at is None
    online = SyncAgent(ctx, transport=hub.transport)
    assert online.run_once().ok
    status = online.status()
    assert (
        status.online and status.waiting == 0 and status.last_error == "" and status.last_success_at
    )


def test_clock_skew_is_reported_on_both_sides_and_heartbeat_recorded(
    hub: Any, centre_factory: Any
) -> None:
    ctx, _ = centre_factory("990101")
    WorkMaker(ctx).days(1, tickets=3, cases=0)
    skewed = SyncAgent(
        ctx, transport=hub.transport, clock=lambda: datetime.now(UTC) + timedelta(minutes=9)
    )
    assert skewed.run_once().ok
    assert skewed.status().skew_warning and skewed.status().skew_seconds > 500
    with hub.sessions() as s:
        device = s.scalars(select(HubDevice)).one()
        assert (
            device.skew_seconds > 500 and device.queue_depth == 0 and device.last_success_at is None
        )
    assert skewed.run_once().ok
    with hub.sessions() as s:
        assert s.scalars(select(HubDevice)).one().last_success_at is not None
        assert admin.silent_devices(s, datetime.now(UTC)) == []
        assert len(admin.silent_devices(s, datetime.now(UTC) + timedelta(hours=25))) == 1


def test_district_publications_reach_the_centre(hub: Any, centre_factory: Any) -> None:
    ctx, agent = centre_factory("990101")
    now = datetime.now(UTC)
    with hub.sessions.begin() as s:
        publish.publish_account(s, "990101", "clerk9", "新社工", "clerk", "pw12345678", now)
        publish.publish_account(s, "888888", "other", "别的中心", "clerk", "pw12345678", now)
        publish.publish_calendar(
            s, [{"day": "2027-01-01", "working": False, "name": "元旦", "source": "国办"}], now
        )
    assert agent.run_once().ok
    with ctx.uow(read_only=True) as uow:
        users = {u.username: u for u in uow.session.scalars(select(User))}
        assert "clerk9" in users and users["clerk9"].centre_id is not None
        assert "other" not in users  # another centre's account never comes here
        day = uow.session.scalars(
            select(CalendarDay).where(CalendarDay.day == date(2027, 1, 1))
        ).one()
        assert day.source == "国办" and not day.working


def test_incompatible_hub_and_missing_keyring_give_clear_messages(
    hub: Any, centre_factory: Any, tmp_path: Path, memory_keyring: Any
) -> None:
    ctx, _ = centre_factory("990101")

    def old_hub(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            426, json={"detail": "同步协议版本 1 与区级平台（版本 2）不兼容，请升级一窗通"}
        )

    report = SyncAgent(ctx, transport=httpx.MockTransport(old_hub)).run_once()
    assert report.error_kind == "incompatible" and "请升级" in report.error
    keyring.set_keyring(FailKeyring())
    report = SyncAgent(ctx, transport=hub.transport).run_once()
    assert not report.ok and "密钥库" in report.error
    fresh = new_centre(f"sqlite:///{(tmp_path / 'x.db').as_posix()}", "990102")
    code = hub.code("990102")
    with pytest.raises(CredentialError, match="密钥库"):
        enrol(fresh, "http://hub.test", code, transport=hub.transport)
    # the one-time code was not spent: with a working keyring the same code still enrols
    keyring.set_keyring(memory_keyring)
    assert enrol(fresh, "http://hub.test", code, transport=hub.transport).centre_code == "990102"
    fresh.close()


def test_cli_commands_parse_and_refuse_when_not_enrolled(tmp_path: Path, capsys: Any) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db")
    add_sync_commands(p.add_subparsers(dest="command"))
    args = p.parse_args(["--db", f"sqlite:///{(tmp_path / 'c.db').as_posix()}", "sync", "--once"])
    assert args.func is cmd_sync
    assert args.func(args) == 1
    assert "尚未在区级平台注册" in capsys.readouterr().err
    args = p.parse_args(["enrol", "--hub", "https://hub", "--code", "ABCD-1234"])
    assert args.hub == "https://hub" and args.code == "ABCD-1234"
