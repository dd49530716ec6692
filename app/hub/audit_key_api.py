"""The hub's audit-key endpoints: a centre registers its key, a restore takes it back, an admin resets it."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from app.hub import audit_keys, web
from app.hub.models import HubDevice, HubStaff
from app.hub.secret import SecretUnavailable
from app.hub.state import Hub
from app.sync import protocol as P

log = logging.getLogger(__name__)
RETRY_AFTER_NO_SECRET = 300  # seconds: the secret comes back by an operator's hand, not by itself


async def no_secret(r: Request, exc: Exception) -> Response:
    """The master secret is missing or wrong (app/hub/secret.py): only an audit key to store or
    serve gets here, never a push (records are taken and their MACs checked once it is back). 503
    with Retry-After, not 409: the centre offers its key again at its next round and goes on
    pushing meanwhile; a 409 would read as a refused key, never offered again."""
    message = exc.message if isinstance(exc, SecretUnavailable) else "区级平台主密钥不可用"
    log.warning("master secret unavailable: %s", message)
    if web.is_page(r):
        return web.error_page(r, 503, message)
    return JSONResponse(
        {"detail": message}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_NO_SECRET)}
    )


def add_routes(
    app: FastAPI, hub: Hub, versions: Callable[[Request], Awaitable[datetime | None]]
) -> None:
    """Register the routes (`versions`: the API's check of the version headers)."""
    app.add_exception_handler(SecretUnavailable, no_secret)

    def admin_dep(request: Request) -> HubStaff:
        return hub.staff(request, role="admin")

    Device = Annotated[HubDevice, Depends(hub.device)]
    Versions = Annotated[datetime | None, Depends(versions)]
    Admin = Annotated[HubStaff, Depends(admin_dep)]

    @app.put("/api/v1/audit-key", response_model=None)
    def register_audit_key(
        body: P.AuditKeyRequest, device: Device, _v: Versions
    ) -> P.AuditKeyResponse | JSONResponse:
        """The centre's audit-chain key, once (app/hub/audit_keys.py); another key is a conflict."""
        with hub.tx() as s:
            d = s.get_one(HubDevice, device.id)
            done = audit_keys.register(s, d, bytes.fromhex(body.key), body.from_seq, hub.clock())
        if done.status == "refused":  # listed as a conflict (committed), the key not taken
            return JSONResponse({"detail": done.message}, status_code=409)
        return P.AuditKeyResponse(status=done.status, from_seq=done.from_seq)  # type: ignore[arg-type]

    @app.get("/api/v1/audit-key")
    def served_audit_key(device: Device, _v: Versions) -> P.AuditKeyServed:
        """The centre's audit key for a restore: only to a new device that has pushed nothing."""
        with hub.tx() as s:
            d = s.get_one(HubDevice, device.id)
            found = audit_keys.served_key(s, d, hub.clock())
        if found is None:
            return P.AuditKeyServed()
        return P.AuditKeyServed(key=found[0], from_seq=found[1])

    @app.post("/api/v1/admin/centres/{code}/audit-key/reset")
    def reset_audit_key(code: str, staff: Admin) -> dict[str, int]:
        """Retire a centre's audit key (audited) so that it may register a new one."""
        with hub.tx() as s:
            retired = audit_keys.reset(s, code, staff.id, staff.username, hub.clock())
        return {"retired": retired}
