"""A hub that cannot seal a centre's audit key (its master secret is missing) does not hold up the
centre: the key is offered again each round while everything else syncs, and taken once the secret
is there; the records that came meanwhile are checked with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.hub.models import HubAuditKey, HubChange, HubConflict
from app.services.audit_keys import audit_key
from app.services.centre import CentreService
from app.sync.audit_key import registered

pytestmark = pytest.mark.pg


def test_the_queue_moves_while_the_hub_has_no_secret_and_the_key_goes_once_it_has(
    hub: Any, centre_factory: Callable[..., Any], tmp_path: Path
) -> None:
    secret = hub.app.state.hub.secret
    kept, secret.path = secret.path, tmp_path / "not-yet.key"
    ctx, agent = centre_factory(
        "990101"
    )  # enrolment offers the key: deferred, enrolled all the same
    CentreService(ctx).sign_in("clerk1", "onewindow")
    report = agent.run_once()
    assert report.ok and report.pushed > 0, report
    with hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubAuditKey)) == 0
        held = s.scalar(
            select(func.count()).select_from(HubChange).where(HubChange.entity == "audit_record")
        )
    assert held and held > 0
    device = agent._device
    assert device is not None and registered(ctx, device) is None  # to be offered again

    secret.path = kept  # the operator restored the file: no restart needed
    assert agent.run_once().ok
    assert registered(ctx, device) == "registered"
    with hub.sessions() as s:
        (row,) = s.scalars(select(HubAuditKey)).all()
        assert row.from_seq == 1 and row.retired_at is None
        assert s.scalars(select(HubConflict)).all() == []  # what it holds checks with the key
        from app.hub.secret import sealer_of

        assert sealer_of(s).open(row.centre_id, row.from_seq, row.key_sealed) == audit_key(
            ctx.engine
        )
