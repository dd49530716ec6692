"""Who may call what: one table of every public service method and the roles allowed; deny by default.

The composition root (app/services/bootstrap.py) wraps every service in `Guarded`, so each call is
checked here before it runs, whatever the UI shows or hides. The acting account is the
`SignedInUser` passed in the call, or else the account signed in through the root (the desk's
session). A method missing from the table is refused to everyone, and tests/security/
test_permissions.py fails until the new method has its line below.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

from app.domain.errors import DomainError
from app.services.accounts import ROLE_NAMES, ROLES
from app.services.dto import SignedInUser
from app.services.uow import acting_window

NOBODY = "nobody"  # no account signed in: the kiosk, the call board, the sign-in dialog
# The operator of this machine: whoever runs `onewindow` with the database's address, and so holds
# the database itself (its file or its credentials) — at install before any account exists, or
# for maintenance no account is needed for (init-db, enrol, restore, sync, audit verify). The
# command line acts as it only for those commands (`Services.as_operator()`); the GUI never does.
# Beyond what anyone may do (_ANYONE: the kiosk's and the board's reads), it may call only the
# methods marked _OPERATOR below, each saying why no account is asked for.
OPERATOR = "operator"
ACTORS = (*ROLES, NOBODY, OPERATOR)

_COUNTER = frozenset({"clerk", "supervisor"})  # counter work; administrators do none
_SUPERVISOR = frozenset({"supervisor"})
_SIGNED_IN = frozenset(ROLES)
_ANYONE = frozenset(ACTORS)
_SYSTEM = frozenset({"system_admin"})
_AUDIT = frozenset({"audit_admin"})
_SECURITY = frozenset({"security_admin"})
_OPERATOR = frozenset({OPERATOR})

PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    "accounts": {
        "sign_in": _ANYONE,
        "count_accounts": _ANYONE,
        "unlock_session": _SIGNED_IN,
        "record_idle_lock": _SIGNED_IN,
        "sign_out": _SIGNED_IN,
        "change_password": _SIGNED_IN,
        "list_accounts": _SECURITY,
        "create_account": _SECURITY,
        "set_role": _SECURITY,
        "reset_password": _SECURITY,
        "unlock_account": _SECURITY,
        "reset_second_factor": _SECURITY,
        "set_active": _SECURITY,
    },
    "audit": {"verify": _AUDIT, "records": _AUDIT, "export_csv": _AUDIT},
    "catalogue": {
        # The catalogue is public information (the kiosk and the board show it).
        "current_version": _ANYONE,
        "list_matters": _ANYONE,
        "search_matters": _ANYONE,
        "matter": _ANYONE,
        "import_publication": _SYSTEM,
    },
    "centre": {"sign_in": _ANYONE, "overview": _ANYONE},
    "queue": {
        "issue_ticket": _ANYONE,  # the kiosk, with no one signed in
        "issue_ticket_with_slip": _ANYONE,
        "priority_for_id": _ANYONE,
        "board_state": _ANYONE,  # the call board: numbers and windows, no names
        "waiting_list": _COUNTER,
        "ticket": _COUNTER,
        "open_at_window": _COUNTER,
        "call_next": _COUNTER,
        "recall": _COUNTER,
        "skip": _COUNTER,
        "requeue": _COUNTER,
        "transfer": _COUNTER,
        "hold": _COUNTER,
        "resume": _COUNTER,
        "start_serving": _COUNTER,
        "finish": _COUNTER,
    },
    "intake": {
        "validate_form": _COUNTER,
        "consult": _COUNTER,
        "accept": _COUNTER,
        "complete_on_spot": _COUNTER,
        "request_supplement": _COUNTER,
        "resume_after_supplement": _COUNTER,
        "reject_at_intake": _COUNTER,
        "reject_case": _COUNTER,
    },
    "cases": {
        "record_department_decision": _SUPERVISOR,
        "notify_ready": _COUNTER,
        "deliver": _COUNTER,
        "withdraw": _COUNTER,
        "routed_cases": _COUNTER,
        "ready_cases": _COUNTER,
        "search": _COUNTER,
        "find": _COUNTER,
        "open_cases_of": _COUNTER,
        "history_of": _COUNTER,
        "timeline": _COUNTER,
        "detail": _COUNTER,
    },
    "residents": {
        "check_id": _COUNTER,
        "lookup": _COUNTER,
        "register": _COUNTER,
        "printable_problem": _COUNTER,
    },
    "prints": {
        "record_print": _COUNTER,
        "list_prints": _COUNTER,
        "get_print": _COUNTER,
        "view": _COUNTER,
    },
    "documents": {
        # An account looked up without its password: never through the root (the CLI signs in
        # with --user like everyone else).
        "account": frozenset(),
        "print_case": _COUNTER,
        "print_for_intake": _COUNTER,
        "print_form": _COUNTER,
        "history": _COUNTER,
        "reprint": _COUNTER,
        "paper_for_case_number": _COUNTER,
    },
    "centre_settings": {
        "get": _ANYONE,  # office hours, address, phones: printed on papers and shown in the hall
        "update": _SYSTEM,
    },
    "ratings": {"rate": _COUNTER},
    "follow_ups": {
        "working_days": _SUPERVISOR,
        "set_working_days": _SUPERVISOR,
        "list_open": _SUPERVISOR,
        "get": _SUPERVISOR,
        "assign": _SUPERVISOR,
        "record_call_back": _COUNTER,  # the assignee (the service checks who) or a supervisor
        "record_rectification": _COUNTER,
        "close": _SUPERVISOR,
    },
    "reports": {"day_figures": _SUPERVISOR},
    "supervision": {"deadline_lists": _SUPERVISOR, "supervise": _SUPERVISOR, "extend": _SUPERVISOR},
    "period_figures": {"figures": _SUPERVISOR, "cases": _SUPERVISOR},
    "period_reports": {"export": _SUPERVISOR},
    "hall": {
        "live": _SUPERVISOR,
        "long_wait_minutes": _SUPERVISOR,
        "set_long_wait_minutes": _SUPERVISOR,
    },
    "sync": {
        # A round exchanges the centre's data with the device's own credentials, on a timer,
        # whoever is signed in (or no one); it shows nobody any personal data.
        "status": _ANYONE,
        "run_round": _ANYONE,
        "watch": _ANYONE,  # rounds on a timer until stopped (`onewindow sync --watch`)
        # Enrolling spends a one-time code from the district and keeps the device token in this
        # machine's keyring; a restore fills a new, empty database (no account exists in it yet).
        "enrol": _OPERATOR,
        "restore": _OPERATOR,
        "conflicts": _SUPERVISOR,
        "resolve": _SUPERVISOR,
    },
    "maintenance": {
        # What the command line does for the machine's operator (see OPERATOR above).
        "import_catalogue": _OPERATOR,  # at install only: refused once any account exists
        "create_security_admin": _OPERATOR,  # at install only: refused once one exists
        "generate_demo_data": _OPERATOR,  # synthetic residents and cases for a demo database
        "verify_audit": _OPERATOR,  # read-only: the hash chain, for a scheduled check
    },
    "security": {
        # 等保 level 3 and this desk's keys: the operator holds the database and this machine's
        # keyring, which is where the keys live (README "Level 3").
        "status": _OPERATOR,
        "enable_level3": _OPERATOR,
        "export_keys": _OPERATOR,
        "import_keys": _OPERATOR,
    },
}
# A first or expired password: nothing but changing it (or leaving).
_PASSWORD_CHANGE_ONLY = {("accounts", "change_password"), ("accounts", "sign_out")}


class PermissionDenied(DomainError):
    """The acting account's role may not do this; the message names the role, not the data."""

    def __init__(self, service: str, method: str, actor: str, *, why: str = "") -> None:
        if actor == NOBODY:
            who = "未登录"
        elif actor == OPERATOR:
            who = "未以账号登录的本机操作（请用 --user 指明账号）"
        else:
            who = f"当前账号（{ROLE_NAMES.get(actor, actor)}）"
        super().__init__("PERMISSION_DENIED", why or f"{who}无权进行此操作")
        self.service, self.method, self.actor = service, method, actor


# Reads an account's role and active flag as the database holds them now: None when the account
# is gone or disabled. The root gives one query per call, so a role the security administrator
# removed (or an account disabled) takes effect on the acting desk's very next call.
CurrentAccount = Callable[[SignedInUser], SignedInUser | None]


def actor_of(user: SignedInUser | None, operator: bool = False) -> str:
    """The acting account's role; with none, the machine's operator when the CLI acts as it."""
    if user is not None:
        return user.role
    return OPERATOR if operator else NOBODY


def allowed(
    service: str, method: str, user: SignedInUser | None, *, operator: bool = False
) -> bool:
    """The table's answer; anything not in it is refused."""
    roles = PERMISSIONS.get(service, {}).get(method, frozenset())
    if actor_of(user, operator) not in roles:
        return False
    if user is not None and user.must_change_password:
        return (service, method) in _PASSWORD_CHANGE_ONLY
    return True


def _user_in(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The SignedInUser among a call's arguments, if any."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, SignedInUser):
            return value
    return None


def _with_user(
    args: tuple[Any, ...], kwargs: dict[str, Any], old: SignedInUser, new: SignedInUser
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call's arguments with the acting account as the database holds it now."""
    swap = lambda v: new if v is old else v  # noqa: E731
    return tuple(swap(a) for a in args), {k: swap(v) for k, v in kwargs.items()}


class Session:
    """The account signed in at this desk through the root (None at a kiosk or board), and whether
    the command line acts as the machine's operator when no account is signed in."""

    def __init__(self) -> None:
        self.user: SignedInUser | None = None
        self.operator = False


class Guarded:
    """A service seen through the permission table: public methods are checked, then run with the
    acting account's window recorded in their audit records; refusals are audited too."""

    def __init__(
        self,
        name: str,
        target: Any,
        session: Session,
        audit: Callable[..., None],
        current: CurrentAccount | None = None,
    ):
        self._name = name
        self._target = target
        self._session = session
        self._audit = audit
        self._current = current

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if attr.startswith("_") or not callable(value):
            return value
        name = self._name

        def checked(*args: Any, **kwargs: Any) -> Any:
            user = _user_in(value, args, kwargs) or self._session.user
            with acting_window(user.window if user is not None else ""):
                if user is not None and self._current is not None:
                    now = self._current(user)
                    if now is None:
                        self._audit(name, attr, user)
                        if self._session.user is not None and self._session.user.id == user.id:
                            self._session.user = None
                        raise PermissionDenied(
                            name, attr, user.role, why="账号已被停用，请联系安全管理员"
                        )
                    if now.role != user.role:
                        args, kwargs = _with_user(args, kwargs, user, now)
                        if self._session.user is not None and self._session.user.id == user.id:
                            self._session.user = now
                        if not allowed(name, attr, now):
                            self._audit(name, attr, now)
                            raise PermissionDenied(
                                name,
                                attr,
                                now.role,
                                why=f"账号的角色已被安全管理员改为"
                                f"{ROLE_NAMES.get(now.role, now.role)}，无权进行此操作",
                            )
                        user = now
                operator = self._session.operator
                if not allowed(name, attr, user, operator=operator):
                    self._audit(name, attr, user)
                    raise PermissionDenied(name, attr, actor_of(user, operator))
                result = value(*args, **kwargs)
            self._after(attr, result, user)
            return result

        checked.__name__ = attr
        checked.__doc__ = value.__doc__
        with contextlib.suppress(TypeError, ValueError):
            checked.__signature__ = inspect.signature(value)  # type: ignore[attr-defined]
        return checked

    def _after(self, attr: str, result: Any, user: SignedInUser | None) -> None:
        """Signing in, unlocking and signing out through the root set the desk's session."""
        if (self._name in ("accounts", "centre") and attr in ("sign_in", "unlock_session")) or (
            self._name == "accounts" and attr == "change_password"
        ):
            self._session.user = result
        elif self._name == "accounts" and attr == "sign_out":
            self._session.user = None


def public_methods(service_class: type) -> list[str]:
    return sorted(
        name
        for name, _fn in inspect.getmembers(service_class, inspect.isfunction)
        if not name.startswith("_")
    )


def markdown_table() -> str:
    """The README's roles × services table, generated from PERMISSIONS."""
    head = ["service.method", *[ROLE_NAMES[r] for r in ROLES], "未登录", "本机操作员"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for service, methods in PERMISSIONS.items():
        for method, roles in methods.items():
            marks = ["✓" if actor in roles else "✗" for actor in ACTORS]
            lines.append(f"| `{service}.{method}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)
