"""The centre's sync agent (Qt-free): push the outbox in order, pull and apply, heartbeat, status."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
from sqlalchemy import Table, Text, bindparam, cast, func, select, type_coerce, update

from app.clock import Clock, system_clock
from app.db.models import OutboxOp, SyncConflict, SyncState
from app.db.protected import clear_json_text
from app.domain.print_blobs import PRINT_KINDS, without_bytes
from app.services.context import ServiceContext
from app.sync import protocol as P
from app.sync.apply import apply_changes
from app.sync.audit_key import register as _register_audit_key
from app.sync.client import HubClient, SyncError, op_json_raw
from app.sync.credentials import CredentialError, load_token
from app.sync.enrol import current_enrolment
from app.sync.protocol import conflict_id
from app.sync.retry import RetrySchedule
from app.sync.rounds import Pending, SyncReport, SyncStatus, _utc_iso, _uuid_text, read_status

__all__ = ["SyncAgent", "SyncReport", "SyncStatus"]

log = logging.getLogger(__name__)
_OUTBOX: Table = OutboxOp.__table__  # type: ignore[assignment]


class SyncAgent:
    """One per centre database; `run_once()` from any thread (calls are serialised), `status()` any time."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        clock: Clock = system_clock,
        batch_ops: int = P.MAX_BATCH_OPS,
        batch_bytes: int = P.MAX_BATCH_BYTES,
        pull_limit: int = 1000,
    ) -> None:
        self.ctx = ctx
        self.transport = transport
        self.verify = verify
        self.clock = clock
        self.batch_ops, self.batch_bytes, self.pull_limit = batch_ops, batch_bytes, pull_limit
        self._lock = threading.Lock()
        self._online: bool | None = None
        self._skew: float | None = None
        self._device: uuid.UUID | None = None

    # --- status -------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        return read_status(self.ctx, self._online, self._skew)

    # --- one round ------------------------------------------------------------------------------

    def run_once(self) -> SyncReport:
        """Push everything waiting, pull everything new, send a heartbeat. Never raises for sync errors."""
        with self._lock:
            started = datetime.now(UTC)
            pushed = conflicts = pulled = 0
            cursor = 0
            try:
                client = self._client()
                try:
                    if self._device is not None:  # once per device and key, before audit records go
                        _register_audit_key(self.ctx, client, self._device)
                    pushed, conflicts = self._push(client)
                    pulled, cursor = self._pull(client)
                    if pulled:  # applying decisions wrote outbox rows (待领取): send them now
                        more, more_conflicts = self._push(client)
                        pushed, conflicts = pushed + more, conflicts + more_conflicts
                    self._heartbeat(client)
                finally:
                    self._skew = (
                        client.skew_seconds if client.skew_seconds is not None else self._skew
                    )
                    client.close()
            except (SyncError, CredentialError) as exc:
                kind = exc.kind if isinstance(exc, SyncError) else "unauthorized"
                message = exc.message if isinstance(exc, SyncError) else str(exc)
                self._online = kind not in ("offline", "server")
                self._record(error=message)
                return SyncReport(
                    ok=False,
                    pushed=pushed,
                    conflicts=conflicts,
                    pulled=pulled,
                    error=message,
                    error_kind=kind,
                    retry_after=exc.retry_after if isinstance(exc, SyncError) else None,
                    skew_seconds=self._skew,
                    seconds=(datetime.now(UTC) - started).total_seconds(),
                )
            self._online = True
            self._record(error="")
            return SyncReport(
                ok=True,
                pushed=pushed,
                conflicts=conflicts,
                pulled=pulled,
                cursor=cursor,
                skew_seconds=self._skew,
                seconds=(datetime.now(UTC) - started).total_seconds(),
            )

    def _client(self) -> HubClient:
        enrolment = current_enrolment(self.ctx)
        if enrolment is None:
            raise SyncError(
                "unauthorized",
                "本中心尚未在区级平台注册（onewindow enrol --hub 地址 --code 注册码）",
            )
        token = load_token(enrolment.device_id)
        if not token:
            raise SyncError("unauthorized", "系统密钥库中没有设备令牌，请重新注册本中心")
        self._device = enrolment.device_id
        return HubClient(
            enrolment.hub_url,
            token,
            schema=enrolment.schema,
            catalogue=enrolment.catalogue,
            transport=self.transport,
            verify=self.verify,
            clock=self.clock,
        )

    def _next_batch(self, after: int, limit: tuple[int, int]) -> tuple[list[Pending], list[bytes]]:
        """The next unsent ops after seq `after`, serialised, within `limit` (ops, bytes)."""
        max_ops, max_bytes = limit
        with self.ctx.uow(read_only=True) as uow:
            # Walk the seq index only (a `sent_at IS NULL` filter makes SQLite pick the sent_at index
            # and sort the whole backlog for every batch); already-sent rows are skipped here.
            # Ids, times and payload come back as stored text: they go straight into the JSON (the
            # ORM's UUID and datetime objects cost more than the rest of packing a batch). The payload
            # is CAST for real: PostgreSQL's driver returns a json column as a dict whatever the
            # SQLAlchemy type says; SQLite's JSON is text already.
            found = uow.session.execute(
                select(
                    OutboxOp.seq,
                    type_coerce(OutboxOp.op_id, Text),
                    OutboxOp.entity,
                    type_coerce(OutboxOp.entity_id, Text),
                    OutboxOp.op,
                    cast(OutboxOp.payload, Text),
                    type_coerce(OutboxOp.created_at, Text),
                    type_coerce(OutboxOp.sent_at, Text),
                )
                .where(OutboxOp.seq > after)
                .order_by(OutboxOp.seq)
                .limit(max_ops)
            ).all()
        rows = [r for r in found if r[7] is None]
        if found and not rows:
            return self._next_batch(found[-1][0], limit)
        pending: list[Pending] = []
        batch: list[bytes] = []
        size = 0
        dialect = self.ctx.engine.dialect
        for seq, op_id, entity, entity_id, op, payload, created_at, _sent in rows:
            payload = clear_json_text(payload, dialect, "outbox.payload")  # level 3: decrypted
            kept = without_bytes(json.loads(payload)) if entity in PRINT_KINDS else None
            p = Pending(seq, _uuid_text(op_id), _uuid_text(entity_id), kept)
            pending.append(p)  # the first op that does not fit stays listed (alone: oversized)
            raw = op_json_raw(seq, p.op_id, entity, p.entity_id, op, payload, _utc_iso(created_at))
            if size + len(raw) > max_bytes:
                break
            batch.append(raw)
            size += len(raw)
        return pending, batch

    def _push(self, client: HubClient) -> tuple[int, int]:
        """Send batches in seq order with up to two in flight (the hub applies them in order, see
        `after_seq`); the next batch is read and packed meanwhile. Ops are marked sent only after
        their acknowledgement, in order."""
        pushed = conflicts = 0
        with self.ctx.uow(read_only=True) as uow:
            first = uow.session.scalar(
                select(func.min(OutboxOp.seq)).where(OutboxOp.sent_at.is_(None))
            )
        if first is None:
            return pushed, conflicts
        inflight: deque[tuple[list[Pending], list[bytes], int | None, Future[P.PushResponse]]] = (
            deque()
        )
        hub_ops, hub_bytes = client.batch_limit()
        limit = (min(self.batch_ops, hub_ops), min(self.batch_bytes, hub_bytes))
        with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(2) as sender:
            ahead = reader.submit(self._next_batch, first - 1, limit)
            previous: int | None = None
            done = False

            def top_up() -> None:
                nonlocal ahead, previous, done
                while not done and len(inflight) < 2:
                    rows, batch = ahead.result()
                    if not rows:
                        done = True
                        break
                    if (
                        not batch
                    ):  # one op alone is over the limit: list it, never block the queue on it
                        self._oversized(
                            uuid.UUID(rows[0].op_id), uuid.UUID(rows[0].entity_id), rows[0].seq
                        )
                        ahead = reader.submit(self._next_batch, rows[0].seq, limit)
                        continue
                    sent = rows[: len(batch)]
                    ahead = reader.submit(self._next_batch, sent[-1].seq, limit)
                    inflight.append(
                        (sent, batch, previous, sender.submit(client.push_raw, batch, previous))
                    )
                    previous = sent[-1].seq

            while True:
                top_up()
                if not inflight:
                    return pushed, conflicts
                sent, batch, after, future = inflight.popleft()
                try:
                    ack = future.result()
                except SyncError as exc:
                    if exc.kind != "retry":
                        raise
                    ack = client.push_raw(
                        batch, after
                    )  # the batch before it is acknowledged by now
                acked = {a.op_id for a in ack.acks}
                if any(r.op_id not in acked for r in sent):
                    raise SyncError("server", "区级平台的确认与发送的数据不一致，稍后重试")
                top_up()  # the hub gets its next batch before this one is marked, never waits for us
                self._mark_sent(sent[0].seq, sent[-1].seq, [r for r in sent if r.kept])
                pushed += len(sent)
                conflicts += ack.conflicts

    def _mark_sent(self, first: int, last: int, prints: Sequence[Pending] = ()) -> None:
        """Acknowledged ops are marked sent only now, after the acknowledgement; in the same
        transaction the acknowledged ops carrying print bytes keep their payload without the bytes
        (the printed record holds the paper; at level 3 the kept payload is encrypted as before)."""
        with self.ctx.uow() as uow:
            if prints:
                outbox = _OUTBOX
                uow.session.connection().execute(
                    update(outbox)
                    .where(
                        outbox.c.op_id == bindparam("b_op", type_=outbox.c.op_id.type),
                        outbox.c.seq >= first,
                        outbox.c.seq <= last,
                    )
                    .values(payload=bindparam("b_payload", type_=outbox.c.payload.type)),
                    [{"b_op": uuid.UUID(p.op_id), "b_payload": p.kept} for p in prints],
                )
            # A seq range walked on the seq index: with a plain `sent_at IS NULL` SQLite picks the
            # sent_at index and visits every unsent row of the backlog for each batch (10 ms at
            # 34 k rows, ~50 ms at 170 k); coalesce() hides the column from the planner. Nothing of
            # the outbox is in the session, so it need not be synchronised (else the ORM re-reads
            # the 500 rows it just updated).
            uow.session.execute(
                update(OutboxOp)
                .where(
                    OutboxOp.seq >= first,
                    OutboxOp.seq <= last,
                    func.coalesce(OutboxOp.sent_at, None).is_(None),
                )
                .values(sent_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            uow.session.execute(
                update(SyncState)
                .where(SyncState.name == "hub")
                .values(last_push_at=self.clock())
                .execution_options(synchronize_session=False)
            )

    def _oversized(self, op_id: uuid.UUID, entity_id: uuid.UUID, seq: int) -> None:
        with self.ctx.uow() as uow:
            cid = conflict_id("oversized", op_id)
            if uow.session.get(SyncConflict, cid) is None:
                uow.session.add(
                    SyncConflict(
                        id=cid,
                        kind="oversized",
                        subject_id=entity_id,
                        message=f"第 {seq} 条待发送数据超过单批上限，未能发送，请联系技术支持",
                    )
                )
            uow.session.execute(
                update(OutboxOp).where(OutboxOp.op_id == op_id).values(sent_at=self.clock())
            )

    def _pull(self, client: HubClient) -> tuple[int, int]:
        pulled = 0
        with self.ctx.uow(read_only=True) as uow:
            cursor = uow.session.scalars(
                select(SyncState.pull_cursor).where(SyncState.name == "hub")
            ).one()
        while True:
            resp = client.pull(cursor, self.pull_limit)
            if resp.cursor < cursor:
                raise SyncError("server", "区级平台返回的同步位置倒退，已停止接收")
            with self.ctx.uow() as uow:  # rows and the new cursor in one local transaction
                # a large print's slices wait in the database until it is whole (they may span
                # pages and rounds, and a round may be cut off between pages)
                pulled += apply_changes(uow, resp.changes)
                state = uow.session.scalars(select(SyncState).where(SyncState.name == "hub")).one()
                if state.pull_cursor != cursor:
                    raise SyncError("server", "同步位置被并发修改，稍后重试")
                state.pull_cursor = resp.cursor
                state.last_pull_at = self.clock()
            cursor = resp.cursor
            if any(ch.entity == "calendar_day" for ch in resp.changes):
                self.ctx.refresh_calendar()  # deadlines from now on use the district's table
            if not resp.more:
                return pulled, cursor

    def _heartbeat(self, client: HubClient) -> None:
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            depth, oldest = s.execute(
                select(func.count(), func.min(OutboxOp.created_at)).where(
                    OutboxOp.sent_at.is_(None)
                )
            ).one()
            last = s.scalar(select(SyncState.last_success_at).where(SyncState.name == "hub"))
        client.heartbeat(
            P.HeartbeatRequest(  # times with their zone (the hub refuses zone-less ones)
                queue_depth=int(depth or 0),
                oldest_unsent_at=datetime.fromisoformat(_utc_iso(oldest)) if oldest else None,
                last_success_at=datetime.fromisoformat(_utc_iso(last)) if last else None,
            )
        )

    def _record(self, *, error: str) -> None:
        try:
            with self.ctx.uow() as uow:
                state = uow.session.scalars(
                    select(SyncState).where(SyncState.name == "hub")
                ).first()
                if state is None:
                    return
                now = self.clock()
                if error:
                    state.last_error = f"{now.isoformat(timespec='seconds')} {error}"[:500]
                else:
                    state.last_success_at, state.last_error = now, ""
        except Exception:  # the status line must never take the agent down
            log.exception("could not record sync state")

    def run_forever(
        self,
        interval: float,
        stop: threading.Event,
        *,
        sleep: Callable[[float], object] | None = None,
        on_round: Callable[[SyncReport], object] | None = None,
    ) -> None:
        """`onewindow sync --watch`: a round every `interval` seconds; after a failed round the next
        comes with exponential back-off and full jitter (first window the smaller of 5 s and the
        interval), capped, and never before the hub's Retry-After (app.sync.retry), so 200 centres
        back from an outage do not retry in step. `on_round` sees every report; `sleep` replaces
        waiting on `stop` (tests)."""
        wait = sleep or stop.wait
        schedule = RetrySchedule(interval)
        while not stop.is_set():
            report = self.run_once()
            if on_round is not None:
                on_round(report)
            delay = schedule.after(report)
            if not stop.is_set():
                wait(delay)
