"""What ingest keeps beside the records for the district's figures: ratings and 差评整改 follow-ups
as narrow rows (hub_rating, hub_follow_up), daily counts of ratings and of routed cases
(hub_rating_day, hub_routed_day) kept by adding each row's change, and applicants' names on their
case states."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from pydantic_core import to_json
from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from app.hub.changes import Probe, upsert
from app.hub.merge import Batch, Routed, instant, routed_part, to_day
from app.hub.models import HubCaseState, HubFollowUp, HubRating, HubRatingDay, HubRoutedDay
from app.hub.workdays import BUSINESS_ZONE


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


def _add(session: Session, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE adding the rows' counts to the stored ones: on
    PostgreSQL one statement with the rows as one JSON parameter (as `changes.upsert`)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    cols = list(rows[0])
    counts = [c for c in cols if c not in keys]
    if dialect.name == "postgresql":
        names = ", ".join(cols)
        types = ", ".join(f"{c} {table.c[c].type.compile(dialect)}" for c in cols)
        adds = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in counts)
        session.execute(
            text(
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM "
                f"json_to_recordset(CAST(:doc AS json)) AS r({types}) "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"
            ),
            {"doc": to_json(rows).decode()},
        )
        return
    ins = sqlite.insert(table)
    stmt = ins.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + ins.excluded[c] for c in counts}
    )
    session.execute(stmt, rows)


# by resident only: with `centre_id = …` beside it, a planner without statistics (a hub filling up
# from empty) read every state of the centre through the centre index for each resident
_NAMED = Probe(
    (
        HubCaseState.case_id,
        HubCaseState.centre_id,
        HubCaseState.applicant_name,
        HubCaseState.resident_id,
    ),
    HubCaseState.resident_id,
)


def rename_applicants(session: Session, batch: Batch) -> None:
    """A resident in the batch gives its name to the case states of this centre that name it:
    the batch's own states before they are written, the stored ones found through the
    resident index (one probe; usually none) updated by case id."""
    names = {
        rid: str(data.get("name") or "")[:100]
        for (entity, rid), data in batch.records.items()
        if entity == "resident" and isinstance(data, dict)
    }
    if not names:
        return
    for st in batch.states.values():
        if st.resident_id in names and st.centre_id == batch.centre_id:
            st.applicant_name = names[st.resident_id]
    stale = [
        {"cid": cid, "name": names[rid]}
        for cid, centre, name, rid in _NAMED(session, list(names))
        if centre == batch.centre_id and cid not in batch.states and name != names[rid]
    ]
    if stale:
        t = cast(Table, HubCaseState.__table__)
        session.execute(
            update(t)
            .where(t.c.case_id == bindparam("cid"))
            .values(applicant_name=bindparam("name")),
            stale,
        )


def add_routed(session: Session, changes: Iterable[tuple[Routed | None, Routed | None]]) -> None:
    """Moves the routed-case counts by each case's (before, after) parts."""
    sums: dict[tuple[date, str, uuid.UUID], list[int]] = {}
    for before, after in changes:
        if before == after:
            continue
        for part, sign in ((before, -1), (after, 1)):
            if part is not None:
                key, responded, decided = part
                s = sums.setdefault(key, [0, 0, 0])
                s[0] += sign
                s[1] += sign * responded
                s[2] += sign * decided
    rows = [
        {
            "day": k[0],
            "department": k[1],
            "centre_id": k[2],
            "routed": a,
            "responded": b,
            "decided": c,
        }
        for k, (a, b, c) in sorted(sums.items())
        if (a, b, c) != (0, 0, 0)
    ]
    _add(session, cast(Table, HubRoutedDay.__table__), ("day", "department", "centre_id"), rows)


_RATED = Probe((HubRating.centre_id, HubRating.rated_at, HubRating.level), HubRating.id)


def _add_ratings(session: Session, ratings: list[dict[str, Any]]) -> None:
    """Daily rating counts moved by the batch's ratings (a re-sent rating first takes its old
    level and day away)."""
    sums: dict[tuple[date, uuid.UUID, int], int] = {}

    def bump(centre: uuid.UUID, at: Any, level: int, sign: int) -> None:
        key = (at.astimezone(BUSINESS_ZONE).date(), centre, level)
        sums[key] = sums.get(key, 0) + sign

    for centre, at, level in _RATED(session, [r["id"] for r in ratings]):
        bump(centre, at, level, -1)
    for r in ratings:
        bump(r["centre_id"], r["rated_at"], r["level"], 1)
    rows = [
        {"day": d, "centre_id": c, "level": lv, "n": n}
        for (d, c, lv), n in sorted(sums.items())
        if n
    ]
    _add(session, cast(Table, HubRatingDay.__table__), ("day", "centre_id", "level"), rows)


def write_derived(session: Session, batch: Batch) -> None:
    """After the batch's records and case states are written: the routed-case counts moved by the
    batch's cases, and the batch's ratings and follow-ups."""
    add_routed(
        session,
        ((before, routed_part(batch.states.get(cid))) for cid, before in batch.before.items()),
    )
    ratings, follow_ups = [], []
    for (entity, eid), data in batch.records.items():
        if not isinstance(data, dict):
            continue
        if entity == "rating" and (row := rating_row(batch.centre_id, eid, data)) is not None:
            ratings.append(row)
        elif entity == "follow_up":
            follow_ups.append(follow_up_row(batch.centre_id, eid, data))
    if ratings:
        _add_ratings(session, ratings)
    upsert(session, cast(Table, HubRating.__table__), ratings, ("id",))
    upsert(session, cast(Table, HubFollowUp.__table__), follow_ups, ("id",))
