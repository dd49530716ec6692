"""The hub's HTTP API (FastAPI): enrolment, push, pull, heartbeat, department and admin endpoints."""

import logging
import uuid
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.clock import Clock, system_clock
from app.hub import admin, audit_key_api, departments, dept_case, district_web, ingest, web
from app.hub.admin import HubError
from app.hub.batch import PushResult, prepare
from app.hub.changes import begin_snapshot, read_changes
from app.hub.db import db_error_summary
from app.hub.models import HubConflict, HubDevice, HubStaff
from app.hub.secret import HubSecret
from app.hub.state import Hub
from app.sync import protocol as P

BAD_VALUE = "请求中含有无法保存或查询的字符或数值（例如空字符 NUL），请修改后重试"

log = logging.getLogger(__name__)
RETRY_AFTER_DB_DOWN = 10  # seconds


class LoginRequest(BaseModel):
    """A department staff member's sign-in (JSON API)."""

    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=200)


class NoteRequest(BaseModel):
    """A note a department adds to a case (JSON API)."""

    note: str = Field(default="", max_length=500)


class DecisionRequest(BaseModel):
    """A department's decision on a routed case (JSON API)."""

    decision: str = Field(max_length=30)
    reason: str = Field(default="", max_length=500)
    deferred_materials: list[Annotated[str, Field(max_length=200)]] = Field(
        default=[], max_length=50
    )


def _message(exc: ValidationError | RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return "请求内容不符合格式：" + "；".join(parts)


async def check_versions(request: Request) -> datetime | None:
    """Headers only: async, so FastAPI runs it on the loop instead of a thread-pool hop."""
    h = request.headers
    problem = P.incompatibility(
        h.get(P.H_PROTOCOL), h.get(P.H_APP), h.get(P.H_SCHEMA), h.get(P.H_CATALOGUE)
    )
    if problem:
        raise HubError(426, problem)
    raw = h.get(P.H_DEVICE_TIME)
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise HubError(422, f"{P.H_DEVICE_TIME} 须为带时区的 ISO 8601 时间")
    return at


async def read_body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HubError(413, f"请求过大：上限 {limit} 字节")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = d.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise HubError(400, "压缩数据损坏，无法解压") from exc
        if len(raw) > limit or d.unconsumed_tail:
            raise HubError(413, f"一批数据解压后超过上限 {limit} 字节")
    return raw


class LimitsAndTime:
    """Refuses a body without a length or over the limit before it is read, and stamps the hub's
    time on every response. Plain ASGI: `@app.middleware("http")` costs a task and two memory
    streams per request, measured at a tenth of the hub's CPU for a push."""

    def __init__(self, app: ASGIApp, clock: Callable[[], datetime]) -> None:
        self.app, self.clock = app, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (_HUB_TIME, self.clock().isoformat().encode()),
                        _BATCH_LIMIT,
                    ],
                }
            await send(message)

        if scope["method"] in ("POST", "PUT", "PATCH"):
            length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
            refusal: Response | None = None
            if length is None or not length.isdigit():
                refusal = JSONResponse({"detail": "请求须带 Content-Length"}, status_code=411)
            elif int(length) > (limit := body_limit(scope["path"])):
                refusal = JSONResponse({"detail": f"请求过大：上限 {limit} 字节"}, status_code=413)
            if refusal is not None and web.is_page(request := Request(scope)):
                words = "提交的内容过大" if refusal.status_code == 413 else "请求不完整"
                refusal = web.error_page(request, refusal.status_code, words + "，操作未执行")
            if refusal is not None:
                await refusal(scope, receive, stamped)
                return
        await self.app(scope, receive, stamped)


_HUB_TIME = P.H_HUB_TIME.lower().encode()
_BATCH_LIMIT = (P.H_BATCH_LIMIT.lower().encode(), f"{P.MAX_BATCH_OPS} {P.MAX_BATCH_BYTES}".encode())
_PUSH = "/api/v1/push"


def body_limit(path: str) -> int:
    """The largest body a request to `path` may carry (a push batch, or anything else)."""
    return P.MAX_PUSH_BYTES if path == _PUSH else P.MAX_BODY_BYTES


def create_app(
    engine: Engine, clock: Clock = system_clock, secret: HubSecret | None = None
) -> FastAPI:
    """The hub's app; `secret` (default: ONEWINDOW_HUB_SECRET_FILE) seals the audit keys."""
    hub = Hub(engine, clock, secret)
    app = FastAPI(
        title="一窗通 区级平台", version=str(P.PROTOCOL_VERSION), docs_url=None, redoc_url=None
    )
    app.state.hub = hub

    app.add_middleware(LimitsAndTime, clock=lambda: hub.clock())

    # Errors answer in JSON on the API and as a Chinese page under /dept (never raw JSON there).
    @app.exception_handler(HubError)
    async def hub_error(r: Request, exc: HubError) -> Response:
        if web.is_page(r):
            return web.error_page(r, exc.status, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(r: Request, exc: RequestValidationError) -> Response:
        if web.is_page(r):
            return web.error_page(r, 422, "提交的内容不完整或格式不对，操作未执行。请返回重试")
        return JSONResponse({"detail": _message(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(r: Request, exc: StarletteHTTPException) -> Response:
        if web.is_page(r):
            words = {404: "没有这个页面", 405: "不支持这种请求方式"}
            return web.error_page(r, exc.status_code, words.get(exc.status_code, "请求未能完成"))
        return await http_exception_handler(r, exc)

    @app.exception_handler(DBAPIError)
    async def db_down(r: Request, exc: DBAPIError) -> Response:
        # the error's class and SQLSTATE only: its text may quote a row (DETAIL: Failing row …)
        log.warning("database error: %s", db_error_summary(exc))
        if isinstance(exc, DataError):
            # A value of the request the database cannot hold or compare (a NUL character in a
            # name or a search, a number out of range): the sender's to correct, not an outage.
            if web.is_page(r):
                return web.error_page(r, 422, BAD_VALUE)
            return JSONResponse({"detail": BAD_VALUE}, status_code=422)
        if web.is_page(r):
            return web.error_page(r, 503, "区级平台数据库暂时不可用，请稍后重试")
        return JSONResponse(
            {"detail": "区级平台数据库暂时不可用，请稍后重试"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_DB_DOWN)},  # centres add their own jitter
        )

    Device = Annotated[HubDevice, Depends(hub.device)]
    Versions = Annotated[datetime | None, Depends(check_versions)]

    def staff_dep(request: Request) -> HubStaff:
        return hub.staff(request)

    def admin_dep(request: Request) -> HubStaff:
        return hub.staff(request, role="admin")

    Staff = Annotated[HubStaff, Depends(staff_dep)]
    Admin = Annotated[HubStaff, Depends(admin_dep)]

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "protocol": P.PROTOCOL_VERSION, "hub_time": hub.clock().isoformat()}

    @app.post("/api/v1/enrol")
    def enrol(body: P.EnrolRequest, _v: Versions) -> P.EnrolResponse:
        with hub.tx() as s:
            return admin.enrol(s, body.code, body.device_name, hub.clock())

    @app.post(_PUSH, response_model=P.PushResponse)
    async def push(request: Request, device: Device, device_time: Versions) -> Response:
        raw = await read_body(request, P.MAX_PUSH_BYTES)

        def work() -> PushResult:
            # validated and encoded in the worker thread, before the transaction (no lock held)
            try:
                batch = P.PushRequest.model_validate_json(raw)
            except ValidationError as exc:
                raise HubError(422, _message(exc)) from exc
            prepared = prepare(batch.ops)

            def apply(s: Session, one_by_one: bool) -> PushResult:
                now, h = hub.clock(), request.headers
                return ingest.push(
                    s,
                    device.id,
                    batch.ops,
                    now,
                    batch.after_seq,
                    prepared,
                    device.centre_id,
                    one_by_one=one_by_one,
                    touch=lambda d: admin.touch(
                        d, now, device_time, h.get(P.H_APP, ""), h.get(P.H_CATALOGUE, "")
                    ),
                )

            return ingest.push_batch(hub.tx, apply)

        try:
            result = await run_in_threadpool(work)
        except ingest.OutOfOrder as exc:
            raise HubError(409, str(exc)) from exc  # serialised once, not re-validated by FastAPI
        return Response(result.json(), media_type="application/json")

    @app.get("/api/v1/pull")
    def pull(
        device: Device,
        _v: Versions,
        cursor: Annotated[int, Query(ge=0, le=P.MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1, le=P.MAX_PULL)] = 1000,
    ) -> P.PullResponse:
        with hub.sessions() as s:
            begin_snapshot(s)
            changes, new_cursor, more = read_changes(s, device.centre_id, device.id, cursor, limit)
            s.rollback()
        return P.PullResponse(changes=changes, cursor=new_cursor, more=more, hub_time=hub.clock())

    @app.post("/api/v1/heartbeat")
    def heartbeat(
        body: P.HeartbeatRequest, request: Request, device: Device, device_time: Versions
    ) -> P.HeartbeatResponse:
        now = hub.clock()
        with hub.tx() as s:
            d = s.get_one(HubDevice, device.id)
            admin.touch(
                d,
                now,
                device_time,
                request.headers.get(P.H_APP, ""),
                request.headers.get(P.H_CATALOGUE, ""),
            )
            admin.heartbeat(d, body)
            skew = d.skew_seconds
        return P.HeartbeatResponse(hub_time=now, skew_seconds=skew)

    @app.post("/api/v1/staff/login", response_model=None)
    def login(body: LoginRequest, request: Request) -> dict[str, str] | JSONResponse:
        client = request.client.host if request.client else ""
        try:
            token = admin.staff_login(
                hub.sessions, body.username, body.password, client, hub.clock()
            )
        except admin.LoginThrottled as exc:
            return JSONResponse(
                {"detail": exc.message},
                status_code=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return {"token": token}

    @app.get("/api/v1/dept/cases")
    def dept_cases(
        staff: Staff,
        response: Response,
        all: bool = False,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    ) -> list[dict[str, Any]]:
        """A page of cases, oldest change first; X-Total-Count says how many there are in all."""
        with hub.sessions() as s:
            rows, total = departments.list_cases(
                s, staff.department, include_done=all, offset=offset, limit=limit
            )
        response.headers["X-Total-Count"] = str(total)
        return rows

    @app.get("/api/v1/dept/cases/{case_id}")
    def dept_case_detail(case_id: uuid.UUID, staff: Staff) -> dict[str, Any]:
        with hub.sessions() as s:
            view = dept_case.case_view(s, staff, case_id, hub.clock())
        return jsonable_encoder(view)

    @app.post("/api/v1/dept/cases/{case_id}/accept")
    def dept_accept(case_id: uuid.UUID, body: NoteRequest, staff: Staff) -> dict[str, Any]:
        with hub.tx() as s:
            return departments.accept(s, staff, case_id, hub.clock(), body.note)

    @app.post("/api/v1/dept/cases/{case_id}/decision")
    def dept_decide(case_id: uuid.UUID, body: DecisionRequest, staff: Staff) -> dict[str, Any]:
        with hub.tx() as s:
            return departments.decide(
                s, staff, case_id, body.decision, body.reason, body.deferred_materials, hub.clock()
            )

    @app.get("/api/v1/admin/silent-centres")
    def silent(_a: Admin) -> list[dict[str, Any]]:
        with hub.sessions() as s:
            return admin.silent_devices(s, hub.clock())

    @app.post("/api/v1/admin/devices/{device_id}/revoke")
    def revoke(device_id: uuid.UUID, _a: Admin) -> dict[str, bool]:
        with hub.tx() as s:
            if not admin.revoke_device(s, device_id, hub.clock()):
                raise HubError(404, "没有这个设备")
        return {"revoked": True}

    @app.get("/api/v1/admin/conflicts")
    def conflicts(_a: Admin) -> list[dict[str, Any]]:
        with hub.sessions() as s:
            rows = s.scalars(
                select(HubConflict)
                .where(HubConflict.resolved_at.is_(None))
                .order_by(HubConflict.detected_at)
                .limit(1000)
            ).all()
            return [ingest.conflict_payload(c) | {"centre_id": str(c.centre_id)} for c in rows]

    audit_key_api.add_routes(app, hub, check_versions)
    web.add_pages(app, hub)
    district_web.add_pages(app, hub)
    return app


def app_from_env() -> FastAPI:
    """Entry for `uvicorn --factory app.hub.api:app_from_env` (reads ONEWINDOW_HUB_DB and
    ONEWINDOW_HUB_SECRET_FILE)."""
    import os

    from app.hub.db import hub_engine

    app = create_app(hub_engine(os.environ["ONEWINDOW_HUB_DB"]))
    tune_gc()
    return app


def tune_gc() -> None:
    """Start-up objects frozen out of every collection (they live as long as the process); a first
    threshold above the ~60 k containers two 2 000-op batches in flight hold (freed by reference
    counting), so the collector stops walking them: in a 170 k-op catch-up collections took 1.4 s
    of the hub's CPU at 10 000, 0.2 s at 200 000. Cycles are still collected."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 20, 20)
