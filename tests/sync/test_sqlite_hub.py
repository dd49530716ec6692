"""The try-out hub on SQLite: enrol, push, a department decision, pull back as 待领取."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.db.models import Case
from app.hub import departments
from app.hub.models import HubCaseState, HubStaff
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from tests.sync.conftest import HubHarness, verify_in_sync
from tests.sync.harness import WorkMaker, new_centre


def test_try_out_hub_on_sqlite(tmp_path: Path) -> None:
    hub = HubHarness(f"sqlite:///{(tmp_path / 'hub.db').as_posix()}")
    ctx = new_centre(f"sqlite:///{(tmp_path / 'centre.db').as_posix()}", "990101")
    device = enrol(ctx, "http://hub.test", hub.code("990101"), transport=hub.transport).device_id
    agent = SyncAgent(ctx, transport=hub.transport, batch_ops=50)
    WorkMaker(ctx).days(2, tickets=20, cases=5, events_per_case=2)
    assert agent.run_once().ok
    with hub.sessions.begin() as s:
        st = s.scalars(select(HubCaseState)).first()
        assert st is not None and st.status == "ROUTED"
        staff = HubStaff(
            username="d", display_name="审批员", department=st.department, role="department"
        )
        departments.decide(s, staff, st.case_id, "denied", "不符合条件", [], datetime.now(UTC))
        case_id = st.case_id
    assert agent.run_once().ok
    with ctx.uow(read_only=True) as uow:
        assert uow.session.get_one(Case, case_id).status == "READY_FOR_COLLECTION"
    verify_in_sync(ctx, hub.sessions, device)
    ctx.close()
    hub.engine.dispose()
