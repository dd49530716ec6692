"""Who each account id is goes to the hub (never a password): when an account is made or its user
name, name, role or active flag changes; another device of the centre gets the account back."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from app.db.models import OutboxOp, User
from app.services.accounts import AccountService
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.sync.apply import apply_changes
from app.sync.protocol import Change
from tests.sync.harness import new_centre


def _user(ctx: ServiceContext, username: str) -> SignedInUser:
    with ctx.uow(read_only=True) as uow:
        u = uow.session.scalars(select(User).where(User.username == username)).one()
        return SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)


def _refs(ctx: ServiceContext) -> list[dict[str, object]]:
    with ctx.uow(read_only=True) as uow:
        rows = uow.session.scalars(
            select(OutboxOp).where(OutboxOp.entity == "account_ref").order_by(OutboxOp.seq)
        )
        return [o.payload for o in rows]


def test_an_accounts_reference_follows_its_changes_and_never_its_password(tmp_path: Path) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    sec = _user(ctx, "secadmin")
    accounts = AccountService(ctx)
    before = len(_refs(ctx))
    made = accounts.create_account(sec, "clerk9", "新社工", "clerk", "Tmp-pass-2026")
    accounts.set_role(sec, made.id, "supervisor")
    accounts.reset_password(sec, made.id, "Other-pass-2027")  # a password: nothing to send
    CentreService(ctx).sign_in("clerk1", "onewindow")  # sign-in bookkeeping: nothing either
    accounts.set_active(sec, made.id, False)
    sent = _refs(ctx)[before:]
    assert [(r["username"], r["role"], r["active"]) for r in sent] == [
        ("clerk9", "clerk", True),
        ("clerk9", "supervisor", True),
        ("clerk9", "supervisor", False),
    ]
    assert all("password_hash" not in r and "failed_logins" not in r for r in sent)
    ctx.close()


def test_another_device_gets_the_account_without_a_password(tmp_path: Path) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    uid = uuid.uuid4()
    ref = {
        "id": str(uid),
        "username": "duty2",
        "display_name": "王值班",
        "role": "supervisor",
        "active": True,
        "centre_id": str(_user(ctx, "clerk1").centre_id),
    }
    before = len(_refs(ctx))
    with ctx.uow() as uow:
        apply_changes(
            uow, [Change(pos=1, entity="account_ref", entity_id=uid, op="upsert", payload=ref)]
        )
    with ctx.uow(read_only=True) as uow:
        u = uow.session.get_one(User, uid)
        assert (u.username, u.display_name, u.role, u.active) == (
            "duty2",
            "王值班",
            "supervisor",
            True,
        )
        assert u.password_hash == "!" and u.must_change_password
    assert len(_refs(ctx)) == before  # what the hub sent is not sent back
    ctx.close()
