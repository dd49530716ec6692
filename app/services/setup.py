"""First start: migrate the database, import the shipped catalogue, create the demo centre and accounts."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.db.engine import upgrade
from app.db.models import CalendarDay, Centre, Counter, ServiceGroup, User
from app.db.types import new_id
from app.services.catalogue import CatalogueService
from app.services.context import ServiceContext
from app.services.passwords import hash_password

log = logging.getLogger(__name__)

DEMO_PASSWORD = "onewindow"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount("clerk1", "王晓燕", "clerk"),
    DemoAccount("clerk2", "李建国", "clerk"),
    DemoAccount("clerk3", "陈思雨", "clerk"),
    DemoAccount("supervisor", "赵海峰", "supervisor"),
    DemoAccount("admin", "系统管理员", "admin"),
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
    Returns True when it seeded anything."""
    upgrade(ctx.engine)
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
    return seeded


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
        for number in range(1, 7):
            specialised = number > 4 and len(groups) >= 2
            served = [groups[number - 5]] if specialised else []
            s.add(
                Counter(
                    id=new_id(),
                    centre_id=centre.id,
                    number=number,
                    name=f"{number}号窗口",
                    all_groups=not specialised,
                    service_groups=served,
                )
            )
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
                )
            )
        uow.audit("demo_centre_created", user_id=None, centre_id=centre.id)
