"""The wire protocol between a centre and the hub: versions, headers, limits and pydantic messages."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

PROTOCOL_VERSION = 1
# Oldest centre app (major.minor) the hub still talks to; newer minor versions are accepted.
MIN_APP_VERSION = (0, 1)
SCHEMA_VERSIONS = frozenset(
    {"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011"}
)  # centre revisions understood
# (0004 adds centre_settings, which travels as the district-owned kind "centre_settings";
# 0005 adds case_file.extended_days, in the case row; 0006 indexes only; 0007 adds
# centre.long_wait_minutes, a local setting that does not travel; 0008 indexes only; 0009 adds
# matter.name_keys, computed at the centre when a catalogue is imported or pulled; 0010 level 3:
# blind indexes and TOTP columns, which do not travel, and the local protection table; 0011 the
# local pulled_print_chunk table: slices of another device's print waiting for the rest)

H_PROTOCOL = "X-OneWindow-Protocol"
H_APP = "X-OneWindow-App"
H_SCHEMA = "X-OneWindow-Schema"
H_CATALOGUE = "X-OneWindow-Catalogue"
H_DEVICE_TIME = "X-OneWindow-Device-Time"
H_HUB_TIME = "X-OneWindow-Hub-Time"

H_BATCH_LIMIT = "X-OneWindow-Batch-Limit"  # "<ops> <bytes>": the push batch this hub takes

# One push batch as every hub takes it: a hub that announces no H_BATCH_LIMIT (before 2026-11-30)
# takes no more.
BASE_BATCH_OPS = 500
BASE_BATCH_BYTES = 1_000_000
# One push batch as this hub takes it, announced on every response: a backlog goes in a quarter of
# the requests and transactions of the base size (each has a fixed cost at both ends and in the
# database; a centre's 30 days offline syncs in ~20 % less time, docs/hub.md "Figures").
MAX_BATCH_OPS = 2000
MAX_BATCH_BYTES = 4_000_000  # uncompressed JSON of one batch, as packed by the centre
MAX_PUSH_BYTES = 4_800_000  # a push body the hub accepts after decompression (envelope included)
MAX_BODY_BYTES = 1_200_000  # the body of any other request
MAX_PULL = 2000
SKEW_WARN_SECONDS = 300
MAX_SEQ = 2**63 - 1  # the outbox's and the hub's BIGINT
MAX_INT = 2**31 - 1  # INTEGER columns (queue depth)


def batch_limit(announced: str | None) -> tuple[int, int]:
    """The push batch (ops, bytes) a hub takes, from its H_BATCH_LIMIT header, never above what
    this version sends; the base size for a hub that announces none or nothing readable."""
    try:
        ops, size = (int(v) for v in (announced or "").split())
    except ValueError:
        return BASE_BATCH_OPS, BASE_BATCH_BYTES
    if ops < 1 or size < 1:
        return BASE_BATCH_OPS, BASE_BATCH_BYTES
    return min(ops, MAX_BATCH_OPS), min(size, MAX_BATCH_BYTES)


CONFLICT_NS = uuid.UUID("5b0c1f0e-6a8e-4f7e-9a51-6f6e65776e64")


def conflict_id(kind: str, *ids: uuid.UUID | str | None) -> uuid.UUID:
    """The same id wherever the conflict is found (hub or centre), so it is listed once."""
    parts = sorted(str(i) for i in ids if i is not None)
    return uuid.uuid5(CONFLICT_NS, kind + ":" + ":".join(parts))


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Op(_Msg):
    """One queued change. `entity` and `op` are checked against the registry (app.sync.kinds) by
    the hub's ingest, which lists an unknown one as a conflict (a newer app's kind) instead of
    refusing the whole batch."""

    seq: int = Field(ge=1, le=MAX_SEQ)
    op_id: uuid.UUID
    entity: str = Field(min_length=1, max_length=30, pattern=r"^[a-z_]+$")
    entity_id: uuid.UUID
    op: str = Field(min_length=1, max_length=20)
    payload: dict[str, Any]
    created_at: AwareDatetime


class PushRequest(_Msg):
    """A batch of outbox ops sent to the hub."""

    ops: list[Op] = Field(min_length=1, max_length=MAX_BATCH_OPS)
    # With two batches in flight: apply this one only after the device's op `after_seq` is applied
    # (else 409 and the centre resends it once the earlier batch is acknowledged).
    after_seq: int | None = Field(default=None, ge=0, le=MAX_SEQ)


OpStatus = Literal["applied", "conflict"]


class OpAck(_Msg):
    """The hub's answer for one pushed op."""

    # text, not uuid.UUID: the centre compares it with the text it sent, and 500 UUID objects per
    # acknowledgement were an eighth of the centre's CPU during a catch-up
    op_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    seq: int
    status: OpStatus


class PushResponse(_Msg):
    """The hub's answer for a pushed batch."""

    acks: list[OpAck]
    last_seq: int
    conflicts: int
    hub_time: datetime


class Change(_Msg):
    """One row of the hub's change log sent to a centre."""

    pos: int
    entity: str
    entity_id: uuid.UUID
    op: str
    payload: dict[str, Any]


class PullResponse(_Msg):
    """Changes newer than a centre's cursor."""

    changes: list[Change]
    cursor: int
    more: bool
    hub_time: datetime


class HeartbeatRequest(_Msg):
    """A centre's queue depth and last success, sent to the hub."""

    queue_depth: int = Field(ge=0, le=MAX_INT)
    oldest_unsent_at: AwareDatetime | None = None
    last_success_at: AwareDatetime | None = None


class HeartbeatResponse(_Msg):
    """The hub's time, for the clock-skew warning."""

    hub_time: datetime
    skew_seconds: float


class EnrolRequest(_Msg):
    """A device's one-time enrolment code and name."""

    code: str = Field(min_length=4, max_length=64)
    device_name: str = Field(default="", max_length=100)


class EnrolResponse(_Msg):
    """The device id, token and centre the hub enrolled."""

    device_id: uuid.UUID
    token: str
    centre_id: uuid.UUID
    centre_code: str
    centre_name: str
    hub_time: datetime


AUDIT_KEY_WORDS = "审计密钥须为 64 位十六进制数字（32 字节）"


class AuditKeyRequest(_Msg):
    """A centre's audit-chain key for the hub, and the first record number it sealed."""

    key: str
    from_seq: int = Field(ge=1, le=MAX_SEQ)

    @field_validator("key")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not _KEY_HEX.fullmatch(v):
            raise ValueError(AUDIT_KEY_WORDS)
        return v


_KEY_HEX = re.compile(r"[0-9a-f]{64}")


class AuditKeyResponse(_Msg):
    """registered (new) / unchanged (the hub had this key), and the number the key checks from."""

    status: Literal["registered", "unchanged"]
    from_seq: int


class AuditKeyServed(_Msg):
    """The centre's audit key, for a restore; `key` empty when the centre never registered one."""

    key: str = ""
    from_seq: int = Field(default=0, ge=0, le=MAX_SEQ)

    @field_validator("key")
    @classmethod
    def _hex(cls, v: str) -> str:
        if v and not _KEY_HEX.fullmatch(v):
            raise ValueError(AUDIT_KEY_WORDS)
        return v


def parse_app_version(text: str) -> tuple[int, int] | None:
    parts = text.strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None


def incompatibility(
    protocol: str | None, app: str | None, schema: str | None, catalogue: str | None
) -> str | None:
    """Why a client with these version headers cannot talk to this hub (Chinese), or None."""
    if not protocol or not app or not schema or catalogue is None:
        return "请求缺少版本信息（协议、程序、数据库结构、目录），请升级一窗通客户端"
    if protocol != str(PROTOCOL_VERSION):
        return f"同步协议版本 {protocol} 与区级平台（版本 {PROTOCOL_VERSION}）不兼容，请升级一窗通"
    parsed = parse_app_version(app)
    if parsed is None or parsed < MIN_APP_VERSION:
        need = ".".join(map(str, MIN_APP_VERSION))
        return f"一窗通程序版本 {app} 过旧，区级平台要求 {need} 或更新版本，请升级"
    if schema not in SCHEMA_VERSIONS:
        return f"本地数据库结构版本 {schema} 不被区级平台支持，请升级一窗通"
    return None
