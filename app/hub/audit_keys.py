"""Each centre's audit-chain key at the hub, so the hub checks every record's MAC, not only its hash.

The key reaches the hub once: right after enrolment, or (a centre enrolled before this version) at
the sync agent's first round that pushes audit records — `PUT /api/v1/audit-key` over the device's
authenticated channel, with the first record number it sealed (`from_seq`). Registering the same
key again changes nothing; another key for a centre that has one is refused and listed as an
`audit_key` conflict, never taken: only a district administrator's reset (audited in `hub_audit`)
lets the centre register a new one, from a later number. Every key a centre had stays: each checks
the records numbered from its `from_seq` to the next key's. Records the hub already holds are
checked when their key arrives.

The key cannot be kept as a hash (as device tokens are): checking an HMAC needs the key itself. So
it is kept sealed with the hub's master secret, a file outside the database (app/hub/secret.py):
a dump or a backup of the database holds no usable key. It is never logged (no statement
parameters reach the hub's log), never listed, and served only to a new device of the same centre
that has pushed nothing yet: a restore, whose enrolment took a one-time code from the district.
Without the secret a new key is not taken (SecretUnavailable: the API answers 503, the centre
offers it again at its next round and pushes meanwhile); a sealed key that does not open for its
row (copied from another centre's, or altered) counts as no key, and is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.audit_chain import INSERTED, ChainBreak, entry_mac
from app.hub.changes import append_changes
from app.hub.merge import conflict_payload
from app.hub.models import (
    HubAudit,
    HubAuditChain,
    HubAuditKey,
    HubCentre,
    HubChange,
    HubConflict,
    HubDevice,
)
from app.hub.secret import SealBroken, Sealer, SecretUnavailable, sealer_of
from app.sync.protocol import conflict_id

log = logging.getLogger(__name__)

KEY_CONFLICT = "audit_key"
CHAIN_BROKEN = "audit_chain"
_CHECK_LABEL = b"OneWindow audit key check"
_BATCH = 5000
KEY_REFUSED = (
    "本中心提交的审计密钥与区级平台已登记的不一致，未采用（审计记录仍按已登记的密钥校验）。"
    "更换审计密钥须由区级管理员重置后再登记"
)
WRONG_SECRET = (
    "区级平台主密钥与加密该中心审计密钥时所用的不一致（主密钥文件配置错了，或已丢失后重建），"
    "无法核对该中心的审计记录校验码：请恢复原主密钥文件；若已丢失，须由区级管理员重置该中心"
    "审计密钥，由中心重新登记"
)
BROKEN_SEAL = (
    "本中心在区级平台登记的审计密钥无法解开（密文与本中心不符或已被改动），"
    "请联系区级管理员重置后重新登记"
)


def key_check(key: bytes) -> str:
    """A value that tells keys apart without revealing them."""
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()


Keys = list[tuple[int, bytes | None]]  # (from_seq, key or None: unreadable), by from_seq


def _open(sealer: Sealer, row: HubAuditKey) -> bytes | None:
    """A row's key; None if it does not open for its row (moved or altered) or a lost secret
    sealed it (a retired key). Raises SecretUnavailable: the current key's secret is not this."""
    if row.sealed_with != sealer.id:
        if row.retired_at is None:
            raise SecretUnavailable(WRONG_SECRET)
        return None
    try:
        return sealer.open(row.centre_id, row.from_seq, row.key_sealed)
    except SealBroken:
        log.error(
            "audit key of centre %s from record %d does not open (moved or altered): "
            "the records it covers are not MAC-checked",
            row.centre_id,
            row.from_seq,
        )
        return None


def keys_of(s: Session, centre_id: uuid.UUID) -> Keys:
    """Every key the centre registered (a retired one still checks the records it sealed).
    Raises SecretUnavailable when it has keys and the master secret is missing or wrong."""
    rows = s.scalars(
        select(HubAuditKey).where(HubAuditKey.centre_id == centre_id).order_by(HubAuditKey.from_seq)
    ).all()
    if not rows:
        return []
    sealer = sealer_of(s)
    return [(int(r.from_seq), _open(sealer, r)) for r in rows]


def key_for(keys: Keys, seq: int) -> bytes | None:
    """The key that sealed record `seq` (None: numbered before any key reached the hub)."""
    found = None
    for from_seq, key in keys:
        if from_seq > seq:
            break
        found = key
    return found


def mac_breaks(
    keys: Keys, records: list[tuple[int, str, str, str]]
) -> list[tuple[ChainBreak, int]]:
    """(seq, action, hash, mac) of records in chain order whose hash is their own: those whose MAC
    the centre's key did not make — inserted, or rewritten with their hashes recomputed. One break
    per run of consecutive bad records (its first number), with the run's length."""
    out: list[tuple[ChainBreak, int]] = []
    run: list[tuple[int, str]] = []

    def close() -> None:
        if run:
            more = f"，至第 {run[-1][0]} 条共 {len(run)} 条" if len(run) > 1 else ""
            detail = f"{run[0][1]}：校验码与本中心密钥不符{more}"
            out.append((ChainBreak(run[0][0], INSERTED, detail), len(run)))
            run.clear()

    for seq, action, digest, mac in records:
        key = key_for(keys, seq)
        if key is not None and not hmac.compare_digest(entry_mac(key, digest), mac):
            if run and run[-1][0] != seq - 1:
                close()
            run.append((seq, action))
        else:
            close()
    close()
    return out


def list_conflict(s: Session, c: HubConflict) -> None:
    """List a conflict found outside a push (once), to the district and to the centre's pull."""
    if s.get(HubConflict, c.id) is not None:
        return
    s.add(c)
    s.flush()
    append_changes(
        s,
        [
            {
                "centre_id": c.centre_id,
                "entity": "sync_conflict",
                "entity_id": c.id,
                "op": "upsert",
                "payload": conflict_payload(c),
                "origin_device_id": None,
                "op_id": None,
                "device_seq": None,
                "status": "applied",
                "recorded_at": c.detected_at,
            }
        ],
    )


def _chain_conflict(centre_id: uuid.UUID, b: ChainBreak, now: datetime) -> HubConflict:
    return HubConflict(
        id=conflict_id(CHAIN_BROKEN, centre_id, uuid.uuid5(uuid.NAMESPACE_URL, f"mac:{b.seq}")),
        centre_id=centre_id,
        kind=CHAIN_BROKEN,
        subject_id=centre_id,
        message=f"审计记录链校验未通过，{b.text}"[:500],
        detected_at=now,
    )


def _held(s: Session, centre_id: uuid.UUID) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        rows = s.execute(
            select(HubChange.pos, HubChange.payload)
            .where(
                HubChange.entity == "audit_record",
                HubChange.centre_id == centre_id,
                HubChange.status != "refused",
                HubChange.pos > after,
            )
            .order_by(HubChange.pos)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        for _, payload in rows:
            yield payload


def check_held(
    s: Session, centre_id: uuid.UUID, from_seq: int, now: datetime, before: int | None = None
) -> int:
    """Check the MACs of the records the hub already holds from `from_seq` on (a key just arrived,
    or the master secret is back), up to `before` (excluded); list each run of bad ones. Returns
    the number of breaks listed."""
    keys = keys_of(s, centre_id)
    records = sorted(
        (p["seq"], str(p.get("action") or ""), str(p.get("hash") or ""), str(p.get("mac") or ""))
        for p in _held(s, centre_id)
        if isinstance(p.get("seq"), int)
        and p["seq"] >= from_seq
        and (before is None or p["seq"] < before)
    )
    found = mac_breaks(keys, records)
    for b, _n in found:
        list_conflict(s, _chain_conflict(centre_id, b, now))
    return len(found)


@dataclass(frozen=True)
class Registration:
    """What became of a key a centre offered: registered, unchanged (already the one), or refused."""

    status: str  # registered / unchanged / refused
    from_seq: int
    message: str = ""


def _audit(
    s: Session, who_id: uuid.UUID, who: str, action: str, now: datetime, **detail: Any
) -> None:
    s.add(HubAudit(at=now, staff_id=who_id, staff_username=who[:50], action=action, detail=detail))


def register(
    s: Session, device: HubDevice, key: bytes, from_seq: int, now: datetime
) -> Registration:
    """Register the device's centre's audit key (idempotent); a different key is refused and listed."""
    s.get_one(HubCentre, device.centre_id, with_for_update=True)  # one registration at a time
    current = s.scalars(
        select(HubAuditKey)
        .where(HubAuditKey.centre_id == device.centre_id)
        .order_by(HubAuditKey.from_seq.desc())
        .limit(1)
    ).first()
    check = key_check(key)
    if current is not None and current.retired_at is None:
        if hmac.compare_digest(current.key_check, check):
            return Registration("unchanged", current.from_seq)
        list_conflict(
            s,
            HubConflict(
                id=conflict_id(KEY_CONFLICT, device.centre_id, device.id, check),
                centre_id=device.centre_id,
                kind=KEY_CONFLICT,
                subject_id=device.id,
                message=KEY_REFUSED,
                detected_at=now,
            ),
        )
        _audit(s, device.id, f"device:{device.name}", "audit_key_refused", now, check=check[:16])
        return Registration("refused", current.from_seq, KEY_REFUSED)
    sealer = sealer_of(s)  # raises SecretUnavailable before anything changes
    if current is not None:  # after a reset: the new key checks what arrives from now on
        held = s.get(HubAuditChain, device.centre_id)
        from_seq = max(from_seq, current.from_seq + 1, (held.last_seq if held else 0) + 1)
    s.add(
        HubAuditKey(
            centre_id=device.centre_id,
            from_seq=from_seq,
            key_sealed=sealer.seal(device.centre_id, from_seq, key),
            sealed_with=sealer.id,
            key_check=check,
            registered_at=now,
            device_id=device.id,
            retired_by="",
        )
    )
    s.flush()
    _audit(s, device.id, f"device:{device.name}", "audit_key_registered", now, from_seq=from_seq)
    check_held(s, device.centre_id, from_seq, now)
    return Registration("registered", from_seq)


def served_key(s: Session, device: HubDevice, now: datetime) -> tuple[str, int] | None:
    """The centre's current key for a restore: only to a device that has pushed nothing yet (a new
    device, enrolled with a one-time code from the district). Audited. None: no key registered."""
    from app.hub.admin import HubError

    if device.last_seq:
        raise HubError(403, "审计密钥只发给尚未上传数据的新注册设备（恢复时），本设备已在使用")
    current = s.scalars(
        select(HubAuditKey)
        .where(HubAuditKey.centre_id == device.centre_id, HubAuditKey.retired_at.is_(None))
        .order_by(HubAuditKey.from_seq.desc())
        .limit(1)
    ).first()
    if current is None:
        return None
    key = _open(sealer_of(s), current)
    if key is None:
        raise HubError(409, BROKEN_SEAL)
    _audit(
        s, device.id, f"device:{device.name}", "audit_key_served", now, from_seq=current.from_seq
    )
    return key.hex(), int(current.from_seq)


def reset(s: Session, centre_code: str, by_id: uuid.UUID, by: str, now: datetime) -> int:
    """A district administrator retires a centre's key (its PC and key were lost without a restore):
    the centre may then register a new one. Returns how many keys were retired (0: none current)."""
    from app.hub.admin import HubError

    centre = s.scalars(select(HubCentre).where(HubCentre.code == centre_code)).first()
    if centre is None:
        raise HubError(404, f"没有编码为 {centre_code} 的中心")
    rows = s.scalars(
        select(HubAuditKey).where(
            HubAuditKey.centre_id == centre.id, HubAuditKey.retired_at.is_(None)
        )
    ).all()
    for row in rows:
        row.retired_at, row.retired_by = now, by[:50]
    _audit(s, by_id, by, "audit_key_reset", now, centre=centre_code, retired=len(rows))
    return len(rows)
