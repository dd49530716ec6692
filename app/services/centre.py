"""Centre use cases: sign in, and the overview the main window shows (centre, windows, catalogue)."""

from __future__ import annotations

from sqlalchemy import select

from app.db.models import CataloguePublicationRow, Centre, Counter, Matter, ServiceGroup
from app.services.accounts import AuthError
from app.services.catalogue import _summary
from app.services.context import ServiceContext
from app.services.dto import CentreInfo, CentreOverview, CounterInfo, ServiceGroupInfo, SignedInUser

__all__ = ["AuthError", "CentreService", "centre_info"]


def centre_info(c: Centre) -> CentreInfo:
    return CentreInfo(
        id=c.id,
        code=c.code,
        name=c.name,
        district=c.district,
        address=c.address,
        enquiry_phone=c.enquiry_phone,
        supervision_phone=c.supervision_phone,
    )


class CentreService:
    """The centre's overview (windows, queues, matters) and clerk sign-in."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def sign_in(self, username: str, password: str) -> SignedInUser:
        """Kept for callers of the first version: AccountService.sign_in does the work."""
        from app.services.accounts import AccountService

        return AccountService(self.ctx).sign_in(username, password)

    def overview(self, centre_code: str | None = None) -> CentreOverview:
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            stmt = select(Centre).order_by(Centre.created_at)
            if centre_code:
                stmt = stmt.where(Centre.code == centre_code)
            centre = s.scalars(stmt).first()
            if centre is None:
                raise LookupError("数据库中没有服务中心，请先运行 onewindow init-db")
            # The working windows only: a window taken out of service, or the inactive stand-in a
            # restore makes for a window the hub never had, is no window a clerk can sit at.
            counters = s.scalars(
                select(Counter)
                .where(Counter.centre_id == centre.id, Counter.active.is_(True))
                .order_by(Counter.number)
            )
            groups = s.scalars(select(ServiceGroup).order_by(ServiceGroup.prefix))
            version = s.scalars(
                select(CataloguePublicationRow.version).where(CataloguePublicationRow.current)
            ).one_or_none()
            matters = [
                _summary(m)
                for m in s.scalars(select(Matter).where(Matter.current).order_by(Matter.code))
            ]
            return CentreOverview(
                centre=centre_info(centre),
                counters=tuple(
                    CounterInfo(c.id, c.number, c.name, c.all_groups, tuple(c.service_groups))
                    for c in counters
                ),
                service_groups=tuple(ServiceGroupInfo(g.code, g.prefix, g.name) for g in groups),
                catalogue_version=version or "",
                matters=tuple(matters),
                departments=tuple(sorted({m.department for m in matters})),
            )
