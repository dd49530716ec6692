"""The latest catalogue the district published, parsed once per publication and kept in memory:
pages ask one small query (which publication is the latest) instead of parsing its JSON each time.
Every hub process keeps its own copy; a new publication is seen at the next request."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hub.models import HubRecord

_lock = threading.Lock()
_cached: tuple[tuple[uuid.UUID, datetime] | None, dict[str, dict[str, Any]]] | None = None


def _latest_key(s: Session) -> tuple[uuid.UUID, datetime] | None:
    """The latest district publication (only district rows: a centre may push rows of any name)."""
    row = s.execute(
        select(HubRecord.entity_id, HubRecord.updated_at)
        .where(HubRecord.entity == "catalogue", HubRecord.centre_id.is_(None))
        .order_by(HubRecord.updated_at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def matters(s: Session) -> dict[str, dict[str, Any]]:
    """The latest publication's matters by code ({} when nothing is published)."""
    global _cached
    key = _latest_key(s)
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
    found: dict[str, dict[str, Any]] = {}
    if key is not None:
        data = s.scalar(
            select(HubRecord.data).where(
                HubRecord.entity_id == key[0], HubRecord.entity == "catalogue"
            )
        )
        data = json.loads(data) if isinstance(data, str) else data
        listed = data.get("matters") if isinstance(data, dict) else None
        for m in listed if isinstance(listed, list) else ():
            if isinstance(m, dict) and isinstance(m.get("code"), str):
                found.setdefault(m["code"], m)
    with _lock:
        _cached = (key, found)
    return found


def matter_names(s: Session, codes: Collection[str]) -> dict[str, str]:
    """Chinese names by matter code from the latest published catalogue. A code the catalogue does
    not (or no longer) name is left out: callers show the code."""
    known = matters(s)
    out = {}
    for code in codes:
        name = known.get(code, {}).get("name") if code else None
        if isinstance(name, str) and name:
            out[code] = name
    return out


def form_fields(s: Session, code: str) -> dict[str, tuple[str, str]]:
    """The matter's application-form fields by key, (label, kind), in the form's order (empty when
    the matter or its form is unknown)."""
    fields = matters(s).get(code, {}).get("form_fields") if code else None
    return {
        f["key"]: (str(f.get("label") or f["key"]), str(f.get("kind") or "text"))
        for f in (fields if isinstance(fields, list) else ())
        if isinstance(f, dict) and isinstance(f.get("key"), str)
    }
