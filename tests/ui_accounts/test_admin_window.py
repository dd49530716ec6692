"""The administrators' window: the audit administrator reads, verifies and exports the trail; the
security administrator manages accounts; neither gets the counter."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog

from app.services.bootstrap import Services
from ui.admin_window import AdminWindow
from ui.background import BackgroundOp


@pytest.fixture
def services(sqlite_url: str):  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    s = Services.for_url(sqlite_url)
    s.initialise()
    yield s
    BackgroundOp.run_inline(False)
    s.close()


def test_audit_admin_reads_verifies_and_exports(qtbot, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services.accounts.sign_in("clerk1", "onewindow")
    auditor = services.accounts.sign_in("auditor", "onewindow")
    window = AdminWindow(services, auditor)
    qtbot.addWidget(window)
    window.load()
    assert window.accounts is None and window.audit is not None
    actions = [r.action for r in window.audit.model.rows()]
    assert "login" in actions
    window.audit.verify()
    assert "审计链完整" in window.audit.status.text()
    out = tmp_path / "audit.csv"
    window.audit.export(str(out))
    text = out.read_bytes().decode("utf-8-sig")
    assert text.startswith("序号,时间(UTC),账号") and "clerk1" in text


def test_security_admin_creates_and_unlocks_accounts(
    qtbot, services: Services, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    boss = services.accounts.sign_in("secadmin", "onewindow")
    window = AdminWindow(services, boss)
    qtbot.addWidget(window)
    window.load()
    assert window.audit is None and window.accounts is not None
    answers = iter(["clerk8", "吴芳"])
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *a, **k: (next(answers, "Temp-2026-ab"), True))
    )
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("窗口人员", True)))
    window.accounts.create_account()
    names = [a.username for a in window.accounts.model.rows()]
    assert "clerk8" in names
    row = names.index("clerk8")
    assert window.accounts.model.rows()[row].must_change_password
    window.accounts.view.selectRow(row)
    window.accounts.toggle_active()
    assert not next(a for a in window.accounts.model.rows() if a.username == "clerk8").active
