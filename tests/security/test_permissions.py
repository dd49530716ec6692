"""Every public service method, called through the composition root as each role and as no one,
is allowed or refused exactly as the permission table says; the README shows that table."""

from __future__ import annotations

import inspect
import typing
import uuid
from collections.abc import Iterator
from datetime import date
from functools import cached_property
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db.models import AuditRecord, User
from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.permissions import (
    ACTORS,
    NOBODY,
    OPERATOR,
    PERMISSIONS,
    PermissionDenied,
    allowed,
    markdown_table,
    public_methods,
)

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_OF_ROLE = {
    "clerk": "clerk1",
    "supervisor": "supervisor",
    "system_admin": "admin",
    "audit_admin": "auditor",
    "security_admin": "secadmin",
}


def root_services() -> dict[str, type]:
    """Every service the composition root offers, found by introspection."""
    found = {}
    for name, attr in vars(Services).items():
        if isinstance(attr, (property, cached_property)):
            fget = attr.fget if isinstance(attr, property) else attr.func
            returned = typing.get_type_hints(fget)["return"]
            if returned is not bool:  # `signed_in` says whether the desk has a session
                found[name] = returned
    return found


def test_the_table_lists_every_public_method_and_nothing_else() -> None:
    listed = {s: set(m) for s, m in PERMISSIONS.items()}
    real = {s: set(public_methods(cls)) for s, cls in root_services().items()}
    assert listed == real


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Services]:
    s = Services.for_url(sqlite_url)
    s.initialise()
    yield s
    s.close()


def _users(services: Services) -> dict[str, SignedInUser | None]:
    with services.ctx.uow(read_only=True) as uow:
        rows = {u.username: u for u in uow.session.scalars(select(User))}
    users: dict[str, SignedInUser | None] = {NOBODY: None, OPERATOR: None}
    for role, username in ACCOUNT_OF_ROLE.items():
        u = rows[username]
        users[role] = SignedInUser(
            u.id, u.username, u.display_name, u.role, u.centre_id, window="2"
        )
    return users


def _argument(param: inspect.Parameter, user: SignedInUser | None) -> object:
    """A harmless value for a parameter: the acting account for the user, nonsense otherwise."""
    text = str(param.annotation)
    if "SignedInUser" in text:
        return user
    if "UUID" in text:
        return uuid.UUID(int=0)
    if "date" in text:
        return date(2000, 1, 1)
    if text.startswith("int"):
        return 0
    if "bool" in text:
        return False
    if "str" in text:
        return "?"
    return None


def _call(service: object, method: str, user: SignedInUser | None) -> bool:
    """Call through the root; True when the guard let the call through (whatever it did next)."""
    fn = getattr(service, method)
    args = {
        p.name: _argument(p, user)
        for p in inspect.signature(fn).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    try:
        fn(**args)
    except PermissionDenied:
        return False
    except Exception:  # nonsense arguments: the service refused them after the guard
        return True
    return True


def test_every_method_as_every_role_and_as_no_one(services: Services) -> None:
    users = _users(services)
    mismatches = []
    calls = 0
    for name in root_services():
        for method in PERMISSIONS[name]:
            for actor in ACTORS:
                user = users[actor]
                # The desk's session is the actor too (for methods that take no account); the
                # operator is the command line acting with no account (Services.as_operator).
                services.session.user = user
                services.session.operator = actor == OPERATOR
                expected = allowed(name, method, user, operator=actor == OPERATOR)
                got = _call(getattr(services, name), method, user)
                calls += 1
                if got != expected:
                    mismatches.append((f"{name}.{method}", actor, expected, got))
    assert not mismatches
    assert calls == len(ACTORS) * sum(len(m) for m in PERMISSIONS.values())
    services.session.operator = False
    with services.ctx.uow(read_only=True) as uow:
        refused = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "permission_denied")
        ).all()
    assert refused and {r.result for r in refused} == {"refused"}


def test_the_desk_session_is_the_acting_account(services: Services) -> None:
    with pytest.raises(PermissionDenied):  # nobody signed in: no figures, no conflicts
        services.reports.day_figures(uuid.UUID(int=0))
    clerk = services.accounts.sign_in("clerk1", "onewindow", window="4")
    assert services.session.user == clerk
    with pytest.raises(PermissionDenied, match="窗口人员"):  # a clerk's session: still none
        services.reports.day_figures(clerk.centre_id)
    with pytest.raises(PermissionDenied):
        services.sync.conflicts(clerk)
    services.accounts.sign_out(clerk)
    boss = services.accounts.sign_in("supervisor", "onewindow")
    assert boss.centre_id is not None
    services.reports.day_figures(boss.centre_id)
    services.accounts.sign_out(boss)
    assert services.session.user is None
    with services.ctx.uow(read_only=True) as uow:
        windows = {
            r.window
            for r in uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "permission_denied")
            )
        }
    assert "4" in windows


def test_a_first_password_must_be_changed_before_anything_else(services: Services) -> None:
    boss = services.accounts.sign_in("secadmin", "onewindow")
    services.accounts.create_account(boss, "clerk7", "孙丽", "clerk", "Start-2026-x")
    services.accounts.sign_out(boss)
    fresh = services.accounts.sign_in("clerk7", "Start-2026-x")
    with pytest.raises(PermissionDenied):
        services.cases.routed_cases(fresh)
    changed = services.accounts.change_password(fresh, "Start-2026-x", "Mine-2026-ok")
    services.cases.routed_cases(changed)


def test_admins_do_no_counter_work_and_clerks_no_admin_work(services: Services) -> None:
    users = _users(services)
    counter_methods = {("intake", "accept"), ("queue", "call_next"), ("residents", "lookup")}
    for admin in ("system_admin", "audit_admin", "security_admin"):
        assert not any(allowed(s, m, users[admin]) for s, m in counter_methods)
    for s, m in (
        ("audit", "records"),
        ("accounts", "set_role"),
        ("catalogue", "import_publication"),
    ):
        assert not allowed(s, m, users["clerk"]) and not allowed(s, m, users["supervisor"])


def test_readme_shows_the_generated_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, (
        "regenerate: python -c 'from app.services.permissions import markdown_table; print(markdown_table())'"
    )


def test_the_operator_does_maintenance_and_nothing_an_account_does(services: Services) -> None:
    from app.resources import resource_path
    from app.services.types import DomainError, read_catalogue

    with pytest.raises(PermissionDenied):  # the GUI's root is never the operator
        services.maintenance.verify_audit()
    services.as_operator()
    assert services.maintenance.verify_audit().chain.ok
    with pytest.raises(PermissionDenied, match="--user"):
        services.reports.day_figures(uuid.UUID(int=0))
    with pytest.raises(PermissionDenied):
        services.catalogue.import_publication(read_catalogue(resource_path("catalogue")))
    # at install only: accounts exist here, so a system administrator imports, signed in
    with pytest.raises(DomainError, match="--user"):
        services.maintenance.import_catalogue(read_catalogue(resource_path("catalogue")))
    boss = services.accounts.sign_in("supervisor", "onewindow")
    with pytest.raises(PermissionDenied):  # a signed-in account acts as itself, not the operator
        services.maintenance.verify_audit()
    services.accounts.sign_out(boss)
