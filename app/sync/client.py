"""HTTP client of the hub: version headers on every request, gzip batches, errors sorted by kind."""

from __future__ import annotations

import contextlib
import gzip
import json
from datetime import datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from app import __version__
from app.clock import Clock, system_clock
from app.sync import protocol as P
from app.sync.retry import parse_retry_after

ErrorKind = Literal["offline", "incompatible", "unauthorized", "rejected", "server", "retry"]


class SyncError(Exception):
    """Why talking to the hub failed: kind for the program, message for people (Chinese)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after  # seconds the hub asked us to wait (Retry-After)
        self.status = status  # the hub's HTTP status, when it answered with an error


class HubClient:
    """HTTP client of the hub's sync API (enrol, push, pull, heartbeat)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        schema: str = "0001",
        catalogue: str = "",
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        timeout: float = 60.0,
        clock: Clock = system_clock,
    ) -> None:
        self.token = token
        self.schema = schema
        self.catalogue = catalogue
        self.clock = clock
        self.skew_seconds: float | None = None
        self._batch_limit: tuple[int, int] | None = None  # as the hub announced it (H_BATCH_LIMIT)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            verify=verify,
            timeout=timeout,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def _headers(self) -> dict[str, str]:
        h = {
            P.H_PROTOCOL: str(P.PROTOCOL_VERSION),
            P.H_APP: __version__,
            P.H_SCHEMA: self.schema,
            P.H_CATALOGUE: self.catalogue,
            P.H_DEVICE_TIME: self.clock().isoformat(),
        }
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def _send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> bytes:
        try:
            resp = self._http.request(
                method,
                path,
                content=content,
                params=params,
                headers={**self._headers(), **(headers or {})},
            )
        except httpx.TransportError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise SyncError(
                    "offline",
                    "区级平台的证书无法验证（不是受信任的证书），已拒绝连接；"
                    "请核对地址，或用 --ca-file 指定区里提供的根证书",
                ) from exc
            raise SyncError("offline", f"无法连接区级平台：{type(exc).__name__}") from exc
        if resp.status_code < 500:  # a proxy's error page says nothing of the hub
            self._batch_limit = P.batch_limit(resp.headers.get(P.H_BATCH_LIMIT))
        hub_time = resp.headers.get(P.H_HUB_TIME)
        if hub_time:
            with contextlib.suppress(ValueError):
                self.skew_seconds = (
                    self.clock() - datetime.fromisoformat(hub_time)
                ).total_seconds()
        if resp.status_code >= 400:
            try:
                detail = str(resp.json().get("detail"))
            except (ValueError, AttributeError):
                detail = resp.text[:200]
            if resp.status_code == 426:
                raise SyncError("incompatible", detail)
            if resp.status_code == 409 and path.endswith("/push"):
                raise SyncError("retry", detail)
            if resp.status_code in (401, 403):
                raise SyncError("unauthorized", detail)
            if resp.status_code >= 500 or resp.status_code == 429:
                raise SyncError(
                    "server",
                    f"区级平台暂时出错（{resp.status_code}）：{detail}",
                    parse_retry_after(resp.headers.get("retry-after")),
                    status=resp.status_code,
                )
            raise SyncError(
                "rejected",
                f"区级平台拒绝了请求（{resp.status_code}）：{detail}",
                status=resp.status_code,
            )
        return resp.content

    def _model(self, model: type[BaseModel], content: bytes) -> Any:
        """The response parsed and checked in one pass (pydantic reads the JSON itself: 500 acks
        through `json.loads` and then `model_validate` cost three times as much)."""
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise SyncError("server", "区级平台的回应无法解析") from exc
            raise SyncError("server", f"区级平台的回应格式不符：{exc.error_count()} 处") from exc

    def enrol(self, code: str, device_name: str) -> P.EnrolResponse:
        body = P.EnrolRequest(code=code, device_name=device_name).model_dump_json().encode()
        data = self._send(
            "POST", "/api/v1/enrol", content=body, headers={"Content-Type": "application/json"}
        )
        return self._model(P.EnrolResponse, data)

    def batch_limit(self) -> tuple[int, int]:
        """The push batch (ops, bytes) the hub takes, as it announces on every answer; asked once
        (its health check) if nothing was asked of it yet. A hub before this step announces nothing
        and gets the base size."""
        if self._batch_limit is None:
            try:
                self._send("GET", "/health")
            except SyncError as exc:
                if exc.kind != "rejected":  # no health check here: the base size will do
                    raise
        return self._batch_limit or (P.BASE_BATCH_OPS, P.BASE_BATCH_BYTES)

    def push_raw(self, ops_json: list[bytes], after_seq: int | None = None) -> P.PushResponse:
        """Push ops already serialised one by one (the agent sizes batches on these bytes)."""
        after = b"" if after_seq is None else b',"after_seq":' + str(after_seq).encode()
        body = gzip.compress(
            b'{"ops":[' + b",".join(ops_json) + b"]" + after + b"}", compresslevel=1
        )
        data = self._send(
            "POST",
            "/api/v1/push",
            content=body,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        return self._model(P.PushResponse, data)

    def register_audit_key(self, key_hex: str, from_seq: int) -> str:
        """Give the hub this centre's audit key: "registered", "unchanged", "refused" (the hub has
        another one: a conflict is listed), "unsupported" (a hub from before this step) or
        "deferred" (503: the hub cannot seal it now, e.g. its master secret is missing; offered
        again at the next round, and the round goes on: the queue never waits on it)."""
        body = P.AuditKeyRequest(key=key_hex, from_seq=from_seq).model_dump_json().encode()
        try:
            data = self._send(
                "PUT",
                "/api/v1/audit-key",
                content=body,
                headers={"Content-Type": "application/json"},
            )
        except SyncError as exc:
            if exc.status == 409:
                return "refused"
            if exc.status in (404, 405):
                return "unsupported"
            if exc.status == 503:
                return "deferred"
            raise
        return str(self._model(P.AuditKeyResponse, data).status)

    def audit_key(self) -> P.AuditKeyServed:
        """The centre's audit key as the hub holds it (a restore); empty if it has none."""
        try:
            data = self._send("GET", "/api/v1/audit-key")
        except SyncError as exc:
            if exc.status in (404, 405):
                return P.AuditKeyServed()
            raise
        return self._model(P.AuditKeyServed, data)

    def pull(self, cursor: int, limit: int = 1000) -> P.PullResponse:
        data = self._send("GET", "/api/v1/pull", params={"cursor": cursor, "limit": limit})
        return self._model(P.PullResponse, data)

    def heartbeat(self, req: P.HeartbeatRequest) -> P.HeartbeatResponse:
        data = self._send(
            "POST",
            "/api/v1/heartbeat",
            content=req.model_dump_json().encode(),
            headers={"Content-Type": "application/json"},
        )
        return self._model(P.HeartbeatResponse, data)


_str = (
    json.encoder.encode_basestring
)  # a JSON string literal, non-ASCII kept (as ensure_ascii=False)


def op_json_raw(
    seq: int,
    op_id: Any,
    entity: str,
    entity_id: Any,
    op: str,
    payload_json: str,
    created_at: datetime | str,
) -> bytes:
    """One op with its payload spliced in as stored (already JSON): no decode and re-encode.
    `created_at` is a datetime or its ISO text; the ids are UUIDs or their text."""
    created = created_at if isinstance(created_at, str) else created_at.isoformat()
    return (
        f'{{"seq":{int(seq)},"op_id":{_str(str(op_id))},"entity":{_str(entity)},'
        f'"entity_id":{_str(str(entity_id))},"op":{_str(op)},"created_at":{_str(created)},'
        f'"payload":{payload_json or "{}"}}}'
    ).encode()


def op_json(
    seq: int,
    op_id: Any,
    entity: str,
    entity_id: Any,
    op: str,
    payload: dict[str, Any],
    created_at: datetime,
) -> bytes:
    return json.dumps(
        {
            "seq": seq,
            "op_id": str(op_id),
            "entity": entity,
            "entity_id": str(entity_id),
            "op": op,
            "payload": payload,
            "created_at": created_at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()
