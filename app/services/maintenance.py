"""The machine's maintenance: catalogue files, the first security administrator, demo data, audit check.

What the command line does with no account signed in, as the machine's operator (see OPERATOR in
app/services/permissions.py): the operator holds the database itself, so these are the things an
installer or a scheduled check needs before, or without, any account. Each refuses what only an
account may do once accounts exist.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.db.health import check_database
from app.db.models import User
from app.domain.catalogue import CataloguePublication
from app.domain.errors import DomainError
from app.services.accounts import AccountView, create_first_security_admin
from app.services.audit import VerifyReport, verify_database
from app.services.catalogue import CatalogueService, ImportResult
from app.services.context import ServiceContext
from app.services.dto import DemoDataReport


class CatalogueInvalid(DomainError):
    """A catalogue folder that cannot be imported; `issues` lists every problem as file:line."""

    def __init__(self, issues: list[str]) -> None:
        super().__init__("CATALOGUE_INVALID", f"目录有 {len(issues)} 处错误")
        self.issues = issues


def check_catalogue(path: Path) -> list[str]:
    """Every problem of a catalogue folder or one matters file, as `file:line: field: message`
    (files only: no database is opened)."""
    from app.catalogue.loader import check_catalogue as check

    return [str(issue) for issue in check(Path(path))]


def read_catalogue(path: Path) -> CataloguePublication:
    """A catalogue folder as a publication to import (files only); CatalogueInvalid lists what
    is wrong."""
    from app.catalogue.loader import CatalogueError, load_publication

    try:
        return load_publication(Path(path))
    except CatalogueError as exc:
        raise CatalogueInvalid([str(issue) for issue in exc.issues]) from exc


class MaintenanceService:
    """The operator's commands (init-time and scheduled), one transaction each."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def import_catalogue(self, publication: CataloguePublication) -> ImportResult:
        """At install, before any account exists: import a publication. Once accounts exist a
        system administrator imports it (catalogue.import_publication, signed in)."""
        with self.ctx.uow(read_only=True) as uow:
            accounts = int(uow.session.scalar(select(func.count()).select_from(User)) or 0)
        if accounts:
            raise DomainError(
                "ACCOUNT_REQUIRED",
                "已有账号：导入目录需要以系统管理员身份执行，请用 --user 指明账号",
            )
        return CatalogueService(self.ctx).import_publication(publication)

    def create_security_admin(self, username: str, display_name: str) -> tuple[AccountView, str]:
        """Standalone centre, at install: the local security administrator and a one-time
        password; refused once an active security administrator exists."""
        return create_first_security_admin(self.ctx, username, display_name)

    def generate_demo_data(
        self, *, days: int, seed: int, tickets_per_day: int | None = None
    ) -> DemoDataReport:
        """Fill the database with a synthetic busy centre over `days` days before today."""
        from app.services.demo_data import generate_demo_data

        return generate_demo_data(self.ctx, days=days, seed=seed, tickets_per_day=tickets_per_day)

    def verify_audit(self) -> VerifyReport:
        """Check every audit record's hash chain (a damaged database is refused first)."""
        check_database(self.ctx.engine)
        return verify_database(self.ctx)
