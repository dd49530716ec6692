"""Roles are read per call: a role removed (or an account disabled) by the security administrator
takes effect on the acting desk's very next service call, not at its next sign-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services.bootstrap import Services
from app.services.permissions import PermissionDenied


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Services]:
    s = Services.for_url(sqlite_url)
    s.initialise()
    yield s
    s.close()


def test_a_revoked_supervisor_is_refused_on_the_next_call(services: Services) -> None:
    desk = Services(services.ctx)  # the supervisor's desk: its own session, same database
    boss = desk.accounts.sign_in("supervisor", "onewindow", window="1")
    assert boss.centre_id is not None
    desk.reports.day_figures(boss.centre_id)  # allowed while a supervisor
    desk.reports.day_figures(boss.centre_id)

    admin = services.accounts.sign_in("secadmin", "onewindow")
    services.accounts.set_role(admin, boss.id, "clerk")

    with pytest.raises(PermissionDenied) as caught:
        desk.reports.day_figures(boss.centre_id)  # the desk's session still says supervisor
    assert "角色已被安全管理员改为窗口人员" in str(caught.value)
    with pytest.raises(PermissionDenied):
        desk.follow_ups.list_open(boss)  # the user passed in the call is re-read too
    assert desk.session.user is not None and desk.session.user.role == "clerk"
    desk.queue.waiting_list(boss.centre_id)  # what a clerk may do still works

    services.accounts.set_role(admin, boss.id, "supervisor")
    desk.reports.day_figures(boss.centre_id)  # given back: allowed again on the next call


def test_a_disabled_account_is_refused_on_the_next_call(services: Services) -> None:
    desk = Services(services.ctx)
    clerk = desk.accounts.sign_in("clerk1", "onewindow", window="2")
    assert clerk.centre_id is not None
    desk.queue.waiting_list(clerk.centre_id)
    admin = services.accounts.sign_in("secadmin", "onewindow")
    services.accounts.set_active(admin, clerk.id, False)
    with pytest.raises(PermissionDenied) as caught:
        desk.queue.waiting_list(clerk.centre_id)
    assert "账号已被停用" in str(caught.value)
    assert desk.session.user is None  # the desk's session ends with it
