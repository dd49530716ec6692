# ruff: noqa
"""centres' audit keys sealed with the hub's master secret (AES-256-GCM, app/hub/secret.py): the
clear column key_hex goes; audit records that arrive while the secret is unavailable are marked
for a later MAC check (hub_audit_chain.mac_pending_from)

Clear keys left from h0010 are sealed here with the hub's secret (`--secret-file` /
ONEWINDOW_HUB_SECRET_FILE). Without one, the upgrade stops before changing anything and says so:
never a clear key kept beside sealed ones, never a key lost.

Revision ID: h0011
Revises: h0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from app.hub.secret import INFO_KEY, HubSecret, SecretUnavailable


revision: str = "h0011"
down_revision: str | None = "h0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_keys = sa.table(
    "hub_audit_key",
    sa.column("id", sa.Uuid()),
    sa.column("centre_id", sa.Uuid()),
    sa.column("from_seq", sa.BigInteger()),
    sa.column("key_hex", sa.String(64)),
    sa.column("key_sealed", sa.LargeBinary()),
    sa.column("sealed_with", sa.String(16)),
)


def _secret() -> HubSecret:
    found = context.config.attributes.get(INFO_KEY)
    return found if isinstance(found, HubSecret) else HubSecret.from_env()


def upgrade() -> None:
    bind = op.get_bind()
    clear = bind.execute(
        sa.select(_keys.c.id, _keys.c.centre_id, _keys.c.from_seq, _keys.c.key_hex)
    ).all()
    if (
        bind.dialect.name == "sqlite"
    ):  # the table is copied: its old pages are zeroed, not just freed
        bind.exec_driver_sql("PRAGMA secure_delete = ON")
    sealer = None
    if clear:  # before any change: without the secret nothing is touched
        try:
            sealer = _secret().sealer()
        except SecretUnavailable as exc:
            raise SecretUnavailable(
                f"数据库中有 {len(clear)} 把未加密的中心审计密钥须用区级平台主密钥加密后才能升级，"
                f"升级未进行。{exc.message}"
            ) from None
    with op.batch_alter_table("hub_audit_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("sealed_with", sa.String(length=16), nullable=True))
    for row_id, centre_id, from_seq, key_hex in clear:
        assert sealer is not None
        bind.execute(
            _keys.update()
            .where(_keys.c.id == row_id)
            .values(
                key_sealed=sealer.seal(centre_id, from_seq, bytes.fromhex(key_hex)),
                sealed_with=sealer.id,
                key_hex="",  # the row's live version holds no clear key before the column goes
            )
        )
    with op.batch_alter_table("hub_audit_key", schema=None) as batch_op:
        batch_op.alter_column("key_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("sealed_with", existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column("key_hex")
    with op.batch_alter_table("hub_audit_chain", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac_pending_from", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Back to clear keys (needs the secret that sealed them)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_keys.c.id, _keys.c.centre_id, _keys.c.from_seq, _keys.c.key_sealed)
    ).all()
    sealer = _secret().sealer() if rows else None
    with op.batch_alter_table("hub_audit_chain", schema=None) as batch_op:
        batch_op.drop_column("mac_pending_from")
    with op.batch_alter_table("hub_audit_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_hex", sa.String(length=64), nullable=True))
    for row_id, centre_id, from_seq, sealed in rows:
        assert sealer is not None
        key = sealer.open(centre_id, from_seq, sealed)
        bind.execute(_keys.update().where(_keys.c.id == row_id).values(key_hex=key.hex()))
    with op.batch_alter_table("hub_audit_key", schema=None) as batch_op:
        batch_op.alter_column("key_hex", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("key_sealed")
        batch_op.drop_column("sealed_with")
