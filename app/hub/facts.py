"""What ingest keeps beside the records for the district's figures: ratings and 差评整改 follow-ups
as narrow indexed rows (hub_rating, hub_follow_up), and applicants' names on their case states."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.hub.changes import upsert
from app.hub.merge import Batch, instant, rename_applicants, to_day
from app.hub.models import HubFollowUp, HubRating


def rating_row(centre_id: uuid.UUID, rid: uuid.UUID, data: dict[str, Any]) -> dict[str, Any] | None:
    """A rating as counted: its time and a level 1 to 5 (anything else is not counted)."""
    level = data.get("level")
    at = instant(data.get("rated_at")) if data.get("rated_at") else None
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5 or at is None:
        return None
    return {"id": rid, "centre_id": centre_id, "rated_at": at, "level": level}


def follow_up_row(centre_id: uuid.UUID, fid: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    """A follow-up's state, deadline, opening and closing."""
    return {
        "id": fid,
        "centre_id": centre_id,
        "status": str(data.get("status") or "")[:20],
        "due_date": to_day(data.get("due_date")),
        "opened_at": instant(data.get("opened_at")) if data.get("opened_at") else None,
        "closed_at": instant(data.get("closed_at")) if data.get("closed_at") else None,
    }


def write_derived(session: Session, batch: Batch) -> None:
    """After the batch's records and case states are written: new names on case states, and the
    batch's ratings and follow-ups upserted into their narrow tables."""
    rename_applicants(session, batch)
    ratings, follow_ups = [], []
    for (entity, eid), data in batch.records.items():
        if not isinstance(data, dict):
            continue
        if entity == "rating" and (row := rating_row(batch.centre_id, eid, data)) is not None:
            ratings.append(row)
        elif entity == "follow_up":
            follow_ups.append(follow_up_row(batch.centre_id, eid, data))
    upsert(session, cast(Table, HubRating.__table__), ratings, ("id",))
    upsert(session, cast(Table, HubFollowUp.__table__), follow_ups, ("id",))
