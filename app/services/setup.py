"""First start: migrate the database, import the shipped catalogue, create the demo centre and accounts."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.db.engine import upgrade
from app.db.health import check_database
from app.db.models import AuditRecord, CalendarDay, Centre, Counter, ServiceGroup, User
from app.db.payload import row_payload
from app.db.types import new_id
from app.kernel.passwords import hash_password
from app.services.catalogue import CatalogueService
from app.services.context import ServiceContext
from app.services.sync_backfill import (
    drop_sent_print_bytes_once,
    send_account_refs_once,
    send_audit_once,
    send_print_blobs_once,
)
from app.services.uow import OUTBOX_SCOPE, UnitOfWork

log = logging.getLogger(__name__)

DEMO_PASSWORD = "onewindow"

# The audit action that marks "this database's windows have been queued for the hub" (see send_windows).
WINDOWS_QUEUED = "windows_queued_for_hub"


@dataclass(frozen=True)
class DemoAccount:
    """A demo account created on first start."""

    username: str
    display_name: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount("clerk1", "王晓燕", "clerk"),
    DemoAccount("clerk2", "李建国", "clerk"),
    DemoAccount("clerk3", "陈思雨", "clerk"),
    DemoAccount("supervisor", "赵海峰", "supervisor"),
    DemoAccount("admin", "系统管理员", "system_admin"),
    DemoAccount("auditor", "审计管理员", "audit_admin"),
    DemoAccount("secadmin", "安全管理员", "security_admin"),
)

DEMO_CENTRE = {
    "code": "990101",
    "name": "示范区幸福街道便民服务中心",
    "district": "示范区",
    "address": "示范区幸福路88号",
    "enquiry_phone": "0571-88880000",
    "supervision_phone": "12345",
}


def initialise(ctx: ServiceContext, *, seed_demo: bool = True) -> bool:
    """Upgrade the schema; on an empty database import the catalogue and (optionally) the demo centre.
    Returns True when it seeded anything. A damaged, unreadable or read-only database raises
    DatabaseProblem (its message says what to do) before anything is written."""
    check_database(ctx.engine)
    upgrade(ctx.engine)
    if ctx.security.level == 3 and ctx.refresh_protection() != 3:
        from app.services.protection import enable_level3

        enable_level3(ctx.engine)  # the deployment file asks for level 3: one transaction
    ctx.refresh_protection()
    seeded = False
    catalogue = CatalogueService(ctx)
    if catalogue.current_version() is None:
        from app.catalogue.loader import load_publication

        result = catalogue.import_publication(load_publication())
        log.info("catalogue %s imported: %d matters", result.version, result.matters)
        seeded = True
    if _seed_calendar(ctx):
        seeded = True
    if seed_demo and _no_centre(ctx):
        create_demo_centre(ctx)
        seeded = True
    send_windows_once(ctx)
    send_print_blobs_once(ctx)
    send_account_refs_once(ctx)
    send_audit_once(ctx)
    drop_sent_print_bytes_once(ctx)
    return seeded


# Windows (counter rows) and the hub. The hub keeps every window row a centre sends, so that a
# restore brings the windows back with their ids and numbers (app/sync/restore.py). Windows are
# sent like any other synced row, in the transaction that makes or changes them: the demo centre's
# six at creation (create_demo_centre), any later change through record_window(). A database set
# up before windows were sent queues all of its windows ONCE, at the first start of this version
# (send_windows_once, from initialise(), which every start runs) — not at enrolment: a centre
# enrolled long ago never enrols again, and a restore enrols a database whose seeded windows must
# not reach the hub. Which databases have queued theirs is the audit record WINDOWS_QUEUED. User
# accounts are never sent: the district owns them (published accounts come back from the hub), and
# the password hashes of accounts made here stay here.


def record_window(uow: UnitOfWork, counter: Counter) -> None:
    """Queue one window row for the hub, in the caller's transaction (every service that makes or
    changes a window calls this)."""
    uow.session.flush()
    uow.record_change("counter", counter.id, row_payload(counter))


def send_windows(uow: UnitOfWork, counters: list[Counter]) -> None:
    """Queue these windows for the hub and mark the database's windows as sent."""
    for counter in counters:
        record_window(uow, counter)
    uow.audit(WINDOWS_QUEUED, user_id=None, windows=len(counters))


def windows_sent(uow: UnitOfWork) -> bool:
    return (
        uow.session.scalars(
            select(AuditRecord.id).where(AuditRecord.action == WINDOWS_QUEUED).limit(1)
        ).first()
        is not None
    )


def send_windows_once(ctx: ServiceContext) -> int:
    """Queue every window of a database that never sent its windows (set up before they were
    synced); returns how many were queued. A database without windows yet is left unmarked."""
    with ctx.uow(read_only=True) as uow:
        if windows_sent(uow):
            return 0
    with ctx.uow() as uow:
        # The outbox counter row, locked until this transaction ends, makes two desktops starting
        # at once on one PostgreSQL database queue the windows once (the second sees the mark).
        uow.reserve(OUTBOX_SCOPE, 0)
        if windows_sent(uow):
            return 0
        counters = list(
            uow.session.scalars(select(Counter).order_by(Counter.centre_id, Counter.number))
        )
        if not counters:
            return 0
        send_windows(uow, counters)
        log.info("%d windows queued for the hub", len(counters))
        return len(counters)


def _seed_calendar(ctx: ServiceContext) -> bool:
    """Copy the shipped working-day table into calendar_day once; the district may replace it later."""
    from app.calendar_days import rows_from_calendar
    from app.calendar_table import load_default_calendar

    with ctx.uow() as uow:
        if uow.session.scalars(select(CalendarDay.id).limit(1)).first() is not None:
            return False
        for row in rows_from_calendar(load_default_calendar()):
            uow.session.add(
                CalendarDay(
                    id=new_id(), day=row.day, working=row.working, name=row.name, source=row.source
                )
            )
    ctx.refresh_calendar()
    return True


def _no_centre(ctx: ServiceContext) -> bool:
    with ctx.uow(read_only=True) as uow:
        return uow.session.scalars(select(Centre.id).limit(1)).first() is None


def create_demo_centre(ctx: ServiceContext) -> None:
    """The demo centre: six windows (four 全科, two specialised) and the demo accounts."""
    with ctx.uow() as uow:
        s = uow.session
        centre = Centre(id=new_id(), **DEMO_CENTRE)
        s.add(centre)
        groups = [g.code for g in s.scalars(select(ServiceGroup).order_by(ServiceGroup.prefix))]
        windows = []
        for number in range(1, 7):
            specialised = number > 4 and len(groups) >= 2
            served = [groups[number - 5]] if specialised else []
            windows.append(
                Counter(
                    id=new_id(),
                    centre_id=centre.id,
                    number=number,
                    name=f"{number}号窗口",
                    all_groups=not specialised,
                    service_groups=served,
                )
            )
        s.add_all(windows)
        send_windows(uow, windows)  # the accounts below are not sent (see record_window)
        hashed = hash_password(DEMO_PASSWORD)
        for account in DEMO_ACCOUNTS:
            s.add(
                User(
                    id=new_id(),
                    centre_id=centre.id,
                    username=account.username,
                    display_name=account.display_name,
                    role=account.role,
                    password_hash=hashed,
                    password_changed_at=ctx.clock(),
                )
            )
        uow.audit("demo_centre_created", user_id=None, centre_id=centre.id)
