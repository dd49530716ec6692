"""The 等保 level of the database and this desk's keys, for the machine's operator (the command line:
`onewindow security …`). Each step is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.db.protected import MissingKey, cipher_of
from app.services.context import ServiceContext
from app.services.data_keys import export_keys, import_keys
from app.services.dto import Level3Report, ProtectionStatus
from app.services.protection import KEY_ID, database_state, enable_level3


class SecurityService:
    """Level 3 for this database (one transaction) and the keys other desks need."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def status(self) -> ProtectionStatus:
        level = self.ctx.refresh_protection()
        try:
            cipher_of(self.ctx.engine.dialect)
        except MissingKey as exc:
            return ProtectionStatus(level, False, exc.message)
        return ProtectionStatus(level, True)

    def enable_level3(self) -> Level3Report:
        """Encrypt every personal field (schema brought up to date first); a database already at
        level 3 is left as it is."""
        from app.services.setup import initialise

        initialise(self.ctx, seed_demo=False)
        report = enable_level3(self.ctx.engine)
        self.ctx.refresh_protection()
        if not report.already:
            self._audit("protection_level_changed", level=3, rows=report.rows)
        return report

    def export_keys(self, path: Path) -> None:
        """This database's keys (audit, and personal data at level 3) to a new 0600 file."""
        export_keys(self.ctx.engine, database_state(self.ctx.engine).get(KEY_ID), Path(path))
        self._audit("keys_exported")

    def import_keys(self, path: Path) -> int:
        """Keep an exported file's keys in this desk's keyring; returns the database's level."""
        import_keys(self.ctx.engine, Path(path))
        level = self.ctx.refresh_protection()
        self._audit("keys_imported")
        return level

    def _audit(self, action: str, **detail: Any) -> None:
        with self.ctx.uow() as uow:
            uow.audit_result(action, "ok", user_id=None, window="cli", **detail)
