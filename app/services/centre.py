"""Centre use cases: sign in, and the overview the main window shows (centre, windows, catalogue)."""

from __future__ import annotations

from sqlalchemy import select

from app.db.models import CataloguePublicationRow, Centre, Counter, Matter, ServiceGroup, User
from app.kernel.passwords import verify_password
from app.services.catalogue import _summary
from app.services.context import ServiceContext
from app.services.dto import CentreInfo, CentreOverview, CounterInfo, ServiceGroupInfo, SignedInUser


class AuthError(Exception):
    """Wrong user name or password; the message says so without telling which."""


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
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def sign_in(self, username: str, password: str) -> SignedInUser:
        with self.ctx.uow() as uow:
            user = uow.session.scalars(
                select(User).where(User.username == username.strip())
            ).one_or_none()
            ok = user is not None and user.active and verify_password(password, user.password_hash)
            uow.audit(
                "login" if ok else "login_failed",
                user_id=user.id if user else None,
                centre_id=user.centre_id if user else None,
            )
            if not ok or user is None:
                failure = AuthError("用户名或密码错误")
            else:
                return SignedInUser(
                    user.id, user.username, user.display_name, user.role, user.centre_id
                )
        raise failure

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
