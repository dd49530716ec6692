"""Every synced kind goes through the registry (app/sync/kinds.py): the district's centre settings
too — pulled, restored and refused from a centre like any other district kind, never by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.hub.publish import publish_centre_settings
from app.services.centre_settings import CentreSettingsService
from app.services.context import ServiceContext
from app.sync.kinds import KINDS, Owner, Restore
from app.sync.restore import restore

pytestmark = pytest.mark.pg

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"address": "示范区幸福路 8 号", "enquiry_phone": "010-87654321", "max_recalls": 4}


def _publish(hub: Any) -> None:
    from datetime import UTC, datetime

    with hub.sessions.begin() as s:
        publish_centre_settings(s, "990101", SETTINGS, datetime.now(UTC))


def _settings(ctx: ServiceContext) -> tuple[str, str, int]:
    view = CentreSettingsService(ctx).get()
    return view.address, view.enquiry_phone, view.max_recalls


def test_centre_settings_is_a_district_kind_of_the_registry() -> None:
    kind = KINDS["centre_settings"]
    assert (kind.owner, kind.restore) == (Owner.DISTRICT, Restore.SETTINGS)
    for path in ("app/sync/apply.py", "app/sync/restore_apply.py", "app/hub/ingest.py"):
        assert '"centre_settings"' not in (ROOT / path).read_text("utf-8"), path


def test_published_settings_are_pulled_and_restored(
    hub: Any, centre_factory: Any, tmp_path: Path
) -> None:
    ctx, agent = centre_factory("990101")
    assert agent.run_once().ok
    _publish(hub)
    assert agent.run_once().ok
    assert _settings(ctx) == ("示范区幸福路 8 号", "010-87654321", 4)
    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'fresh.db').as_posix()}")
    try:
        restore(fresh, "http://hub.test", hub.code("990101"), transport=hub.transport)
        assert _settings(fresh) == ("示范区幸福路 8 号", "010-87654321", 4)
    finally:
        fresh.close()
