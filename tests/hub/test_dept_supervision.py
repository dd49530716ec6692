"""督办 and 延期 from a centre's supervisor reach the department: real counter services, a real sync,
then headless Chromium on a real hub process reads the list (mark, note, filter, extended due date
in the overdue logic) and the case page (督办 note, 延期 days, dates, reason)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.clock import business_date
from app.db.models import Case, Centre, Counter
from app.hub.models import HubCaseState
from app.services.case_numbers import sync_row
from app.services.centre import CentreService
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import DEMO_PASSWORD
from app.services.supervision import SupervisionService
from tests.hub.browser import chromium, hub_process, sign_in
from tests.services.conftest import DIBAO_FORM, make_id
from tests.sync.conftest import centre_factory, hub  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.pg, pytest.mark.slow]

NOTE = "群众多次来电催办，请于三个工作日内办结"
REASON = "需调取申请人户籍档案核对家庭成员"


def take_in(ctx: Any, clerk: Any, n: int) -> list[uuid.UUID]:
    """`n` 低保 cases of new residents, routed to the department."""
    with ctx.uow(read_only=True) as uow:
        counter_id = uow.session.scalars(select(Counter.id).where(Counter.number == 1)).one()
    materials = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
    out = []
    for i in range(n):
        resident = ResidentService(ctx).register(
            ResidentInput(
                make_id(f"11010119580307{i + 1:03d}"), f"张秀{'兰梅芳'[i]}", phone="13800138000"
            ),
            clerk,
        )
        taken = IntakeService(ctx).accept(
            IntakeInput(counter_id, resident.id, "MZ-001", DIBAO_FORM, materials), clerk
        )
        assert taken.status == "ROUTED"
        out.append(taken.case_id)
    return out


def make_overdue(ctx: Any, case_ids: list[uuid.UUID]) -> None:
    """These cases' due date is yesterday (as if taken in weeks ago), synced like any change."""
    yesterday = business_date(ctx.clock()) - timedelta(days=1)
    with ctx.uow() as uow:
        uow.session.execute(update(Case).where(Case.id.in_(case_ids)).values(due_date=yesterday))
        for case in uow.session.scalars(select(Case).where(Case.id.in_(case_ids))):
            sync_row(uow, "case_file", case)


def test_department_sees_supervision_and_extension(hub: Any, centre_factory: Any) -> None:  # noqa: F811
    ctx, agent = centre_factory("990101")
    clerk = CentreService(ctx).sign_in("clerk1", DEMO_PASSWORD)
    boss = CentreService(ctx).sign_in("supervisor", DEMO_PASSWORD)
    marked, extended, late = take_in(ctx, clerk, 3)
    make_overdue(ctx, [extended, late])
    supervision = SupervisionService(ctx)
    supervision.supervise(marked, boss, NOTE)
    granted = supervision.extend(
        extended, boss, working_days=5, reason=REASON, requested_by="department"
    )
    assert granted.new_due > business_date(ctx.clock())
    assert agent.run_once().ok
    with ctx.uow(read_only=True) as uow:
        numbers = dict(uow.session.execute(select(Case.id, Case.case_number)).all())
        department = uow.session.scalars(select(Case.routed_department)).first()
        assert uow.session.scalars(select(Centre.code)).one() == "990101"
    with hub.sessions() as s:
        st = s.get_one(HubCaseState, marked)
        assert st.supervised_at is not None and st.supervision_note == NOTE
        ext = s.get_one(HubCaseState, extended)
        assert ext.due_date == granted.new_due and ext.extended_days == 5
        assert s.get_one(HubCaseState, late).supervised_at is None
    hub.staff("mz01", department)
    url = hub.engine.url.render_as_string(hide_password=False)
    with hub_process(url) as base, chromium() as page:
        sign_in(page, base, "mz01", "pw-mz01")
        rows = {
            numbers[c]: page.inner_text(f"tr:has(a:text-is('{numbers[c]}'))")
            for c in (marked, extended, late)
        }
        # the 督办 mark with its note on the list
        assert "督办" in rows[numbers[marked]] and NOTE in rows[numbers[marked]]
        assert "督办" not in rows[numbers[late]]
        # the extended due date counts: the extended case is not overdue, the other one is
        assert str(granted.new_due) in rows[numbers[extended]]
        assert "已延期 5 个工作日" in rows[numbers[extended]]
        assert "已超期" not in rows[numbers[extended]] and "已超期" in rows[numbers[late]]
        assert "已超期 1" in page.inner_text("ul.counts")  # only the unextended late case
        assert "待办中有 1 件督办件" in page.inner_text("main")
        # filter by 督办 through the form
        page.click("summary:has-text('更多筛选和排序')")
        page.select_option("select[name=supervised]", "yes")
        page.click("button:has-text('查询')")
        page.wait_for_load_state()
        assert "supervised=yes" in page.url
        listed = page.locator("table.cases a").all_inner_texts()
        assert listed == [numbers[marked]]
        page.select_option("select[name=supervised]", "no")
        page.click("button:has-text('查询')")
        page.wait_for_load_state()
        listed = page.locator("table.cases a").all_inner_texts()
        assert sorted(listed) == sorted([numbers[extended], numbers[late]])
        # the case pages: the 督办 note; the 延期 with days, dates, reason, requester, approver
        page.goto(f"{base}/dept/cases/{marked}")
        box = page.inner_text("div.supervision")
        assert "督办" in box and NOTE in box
        page.goto(f"{base}/dept/cases/{extended}")
        table = page.inner_text("table.extensions")
        yesterday = business_date(ctx.clock()) - timedelta(days=1)
        for text in ("5 个工作日", str(yesterday), str(granted.new_due), REASON, "部门"):
            assert text in table, text
        facts = page.inner_text("dl.facts")
        assert str(granted.new_due) in facts and "已延期" in facts and "已超期" not in facts
