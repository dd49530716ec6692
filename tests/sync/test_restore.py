"""A centre whose database was lost is rebuilt from the hub: every synced table comes back identical,
nothing is queued again, numbering continues, and new work reaches the hub once."""

from __future__ import annotations

import hashlib
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

from app.cli import main as cli_main
from app.db.models import (
    AuditRecord,
    Base,
    Case,
    CaseEvent,
    Centre,
    Counter,
    OutboxOp,
    PrintedDocument,
    SequenceCounter,
    SyncConflict,
    SyncState,
    Ticket,
    User,
)
from app.hub.models import HubCaseState, HubChange, HubRecord
from app.services.accounts import AccountService, AuthError
from app.services.audit import verify_database
from app.services.case_numbers import rebuild_number_counters
from app.services.cases import CaseService
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.counter_dto import AgentInput, IntakeInput, MaterialInput
from app.services.demo_data import generate_demo_data
from app.services.documents import DocumentService
from app.services.dto import SignedInUser
from app.services.follow_ups import FollowUpService
from app.services.intake import IntakeService
from app.services.prints import PrintService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import WINDOWS_QUEUED, initialise, record_window
from app.services.sync_backfill import MARKERS
from app.services.uow import ACCOUNT_REF_FIELDS
from app.sync.agent import SyncAgent
from app.sync.client import HubClient, SyncError
from app.sync.conflicts import list_conflicts, resolve_conflict
from app.sync.enrol import enrol
from app.sync.kinds import centre_kinds
from app.sync.protocol import MAX_PULL
from app.sync.restore import LOCAL_TABLES, REBUILT_TABLES, RESTORED_TABLES, RestoreError, restore
from tests.conftest import PG_URL
from tests.services.conftest import DIBAO_FORM, START, MovableClock, make_id
from tests.sync.conftest import HubHarness, verify_in_sync
from tests.sync.harness import WorkMaker, new_centre

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

HUB = "http://hub.test"
APPLICANT = make_id("11010119580307123")
SECOND = make_id("11010119700101002")
THIRD = make_id("11010119950101002")
AGENT = make_id("11010119900307109")
DIBAO_MATERIALS = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))


# --- databases and the hub's department desk ------------------------------------------------------


@pytest.fixture
def pg_databases() -> Iterator[Callable[[], str]]:
    """Fresh PostgreSQL databases for centres (the hub has the session database to itself)."""
    assert PG_URL
    base = make_url(PG_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"ow_restore_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _url(kind: str, tmp_path: Path, pg: Callable[[], str], name: str) -> str:
    return f"sqlite:///{(tmp_path / f'{name}.db').as_posix()}" if kind == "sqlite" else pg()


def _department(hub: Any, department: str) -> tuple[TestClient, dict[str, str]]:
    hub.staff("dept", department)
    http = TestClient(hub.app)
    token = http.post(
        "/api/v1/staff/login", json={"username": "dept", "password": "pw-dept"}
    ).json()["token"]
    return http, {"Authorization": f"Bearer {token}"}


def _decide(http: TestClient, auth: dict[str, str], case_id: uuid.UUID, *decisions: str) -> None:
    for decision in decisions:
        if decision == "accept":
            r = http.post(f"/api/v1/dept/cases/{case_id}/accept", json={}, headers=auth)
        else:
            r = http.post(
                f"/api/v1/dept/cases/{case_id}/decision", json={"decision": decision}, headers=auth
            )
        assert r.status_code == 200, r.text


# --- a centre at work -------------------------------------------------------------------------------


class Desk:
    """The counter services of one centre database, with its accounts and windows."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        with ctx.uow(read_only=True) as uow:
            s = uow.session
            self.centre_id = s.scalars(select(Centre.id)).one()
            self.windows = {c.number: c.id for c in s.scalars(select(Counter)) if c.active}
            self.users = {
                u.username: SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
                for u in s.scalars(select(User))
                if u.active
            }
        self.queue, self.intake = QueueService(ctx), IntakeService(ctx)
        self.cases, self.prints, self.ratings = (
            CaseService(ctx),
            PrintService(ctx),
            RatingService(ctx),
        )
        self.follow_ups = FollowUpService(ctx)

    def resident(self, id_number: str, name: str) -> uuid.UUID:
        return (
            ResidentService(self.ctx)
            .register(
                ResidentInput(id_number=id_number, name=name, phone="13800138000"),
                self.users["clerk1"],
            )
            .id
        )

    def dibao(self, resident_id: uuid.UUID, ticket_id: uuid.UUID | None = None) -> Any:
        data = IntakeInput(
            self.windows[3],
            resident_id,
            "MZ-001",
            DIBAO_FORM,
            DIBAO_MATERIALS,
            ticket_id,
            AgentInput(AGENT, "张小明", "子女", "13900139000") if ticket_id else None,
        )
        return self.intake.accept(data, self.users["clerk1"])

    def refuse(self, resident_id: uuid.UUID, reason: str) -> Any:
        refused = self.intake.reject_at_intake(
            IntakeInput(self.windows[2], resident_id, "MZ-001"), self.users["clerk3"], reason=reason
        )
        self.prints.record_print(
            self.users["clerk3"],
            "rejection",
            f"%PDF {refused.document_number}".encode(),
            case_id=refused.case_id,
            document_number=refused.document_number,
        )
        return refused


def _centre(url: str, clock: MovableClock) -> ServiceContext:
    ctx = new_centre(url, "990101")
    ctx.clock = clock
    return ctx


def _work_and_sync(hub: Any, ctx: ServiceContext, agent: SyncAgent) -> dict[str, Any]:
    """A few days of synthetic history, then a real counter day with department decisions, a
    refusal with its numbered notice, prints and reprints, ratings, a follow-up and a resolved
    conflict; synced after each step."""
    WorkMaker(ctx, seed=3).days(2, tickets=12, cases=3, events_per_case=3)
    desk = Desk(ctx)
    clerk, boss = desk.users["clerk1"], desk.users["supervisor"]
    ticket = desk.queue.issue_ticket(desk.centre_id, "minzheng_jiuzhu", id_number=APPLICANT)
    other = desk.queue.issue_ticket(desk.centre_id, "minzheng_jiuzhu")
    assert desk.queue.call_next(desk.windows[3], clerk) is not None
    desk.queue.start_serving(ticket.id, clerk)
    applicant = desk.resident(APPLICANT, "张秀兰")
    receipt = desk.dibao(applicant, ticket.id)
    receipt_print = DocumentService(ctx).print_case(clerk, receipt.case_id, "receipt").record
    desk.prints.record_print(  # the same paper again, as a reprint: its bytes travel once
        clerk,
        "receipt",
        desk.prints.get_print(receipt_print.id, clerk),
        reprint_of=receipt_print.id,
        reason="打印机卡纸",
    )
    desk.queue.finish(ticket.id, clerk)
    desk.ratings.rate(clerk, ticket_id=ticket.id, case_id=receipt.case_id, level=5)
    second = desk.resident(SECOND, "李建华")
    first_refusal = desk.refuse(second, "户籍不在本街道")
    original_print = desk.prints.list_prints(first_refusal.case_id, clerk)[0]
    desk.prints.record_print(
        clerk, "rejection", b"%PDF again", reprint_of=original_print.id, reason="申请人遗失"
    )
    desk.refuse(second, "不属于受理范围")
    assert desk.queue.call_next(desk.windows[1], clerk) is not None
    desk.intake.consult(
        desk.windows[1],
        clerk,
        note="咨询低保申请条件，已告知所需材料",
        matter_code="MZ-001",
        resident_id=second,
        ticket_id=other.id,
    )
    desk.queue.finish(other.id, clerk)
    bad = desk.ratings.rate(clerk, ticket_id=other.id, level=1, comment="等待时间太长")
    assert bad.follow_up_id is not None
    desk.follow_ups.record_call_back(bad.follow_up_id, boss, resident_said="理解", satisfied=True)
    desk.follow_ups.record_rectification(bad.follow_up_id, boss, "高峰时段增开窗口")
    # a supervisor the security administrator made at this PC, named only by the follow-up they close
    made = AccountService(ctx).create_account(
        desk.users["secadmin"], "duty2", "王值班", "supervisor", "Tmp-pass-2026"
    )
    duty = SignedInUser(made.id, "duty2", "王值班", "supervisor", desk.centre_id)
    desk.follow_ups.close(bad.follow_up_id, duty, "已电话回访致歉")
    third = desk.resident(THIRD, "刘洋")
    disputed = desk.dibao(third)
    assert agent.run_once().ok

    http, auth = _department(hub, receipt.department)
    _decide(http, auth, receipt.case_id, "accept", "approved")
    _decide(http, auth, disputed.case_id, "approved")
    desk.cases.withdraw(disputed.case_id, clerk, "申请人不再申请")  # before the approval arrives
    assert agent.run_once().ok
    assert desk.cases.timeline(receipt.case_id, clerk)[-1].event_type == "NOTIFY_READY"
    desk.cases.deliver(receipt.case_id, clerk)
    conflicts = list_conflicts(ctx)
    assert [c.kind for c in conflicts] == ["illegal_event"], [c.message for c in conflicts]
    (conflict,) = conflicts
    resolve_conflict(ctx, conflict.id, boss.id, "已联系申请人，以撤回为准")
    report = agent.run_once()
    assert report.ok and report.pushed > 0
    return {
        "receipt": receipt,
        "refusal": first_refusal,
        "disputed": disputed.case_id,
        "receipt_print": receipt_print.id,
        "duty": made.id,
    }


# --- comparing two centre databases -------------------------------------------------------------


def _rows(ctx: ServiceContext, table: str) -> dict[Any, dict[str, Any]]:
    t = Base.metadata.tables[table]
    with ctx.uow(read_only=True) as uow:
        return {r["id"]: dict(r) for r in uow.session.execute(select(t)).mappings()}


def _counters(ctx: ServiceContext) -> dict[str, int]:
    with ctx.uow(read_only=True) as uow:
        return {
            k: v
            for k, v in uow.session.execute(select(SequenceCounter.scope, SequenceCounter.value))
        }


def assert_restored(
    original: ServiceContext, restored: ServiceContext, *, every_table: bool = True
) -> None:
    """Every table of the centre, one by one: the ones the hub keeps are identical (and, with
    `every_table`, none of them empty); the rest as documented in app/sync/restore.py."""
    assert set(Base.metadata.tables) == set(RESTORED_TABLES) | set(REBUILT_TABLES) | set(
        LOCAL_TABLES
    )
    for table in RESTORED_TABLES:
        before, after = _rows(original, table), _rows(restored, table)
        assert before or not every_table, table
        assert set(after) == set(before), table
        for key, row in before.items():
            assert after[key] == row, (table, key)

    # centre: the old id back, code and name from the hub
    (centre,) = _rows(original, "centre").values()
    (back,) = _rows(restored, "centre").values()
    assert (back["id"], back["code"]) == (centre["id"], centre["code"])
    # every account and window the history names exists under its old id; named accounts keep their login
    users_before, users_after = _rows(original, "app_user"), _rows(restored, "app_user")
    named = {r["actor_id"] for r in _rows(original, "case_event").values() if r["actor_id"]}
    referenced = named | {
        r["clerk_id"] for r in _rows(original, "ticket").values() if r["clerk_id"]
    }
    assert referenced <= set(users_after)
    for uid in named:
        assert users_after[uid]["active"]
    if every_table:  # every account under its id, as itself (its password stays on the lost PC)
        for uid, row in users_before.items():
            assert {k: users_after[uid][k] for k in ("id", *ACCOUNT_REF_FIELDS)} == {
                k: row[k] for k in ("id", *ACCOUNT_REF_FIELDS)
            }, row["username"]
    windows = {r["counter_id"] for r in _rows(original, "ticket").values() if r["counter_id"]}
    assert windows <= set(_rows(restored, "counter"))

    # catalogue: same publications; the matters cases point at under their old ids
    def versions(ctx: ServiceContext) -> set[tuple[str, str]]:
        return {(m["code"], m["version"]) for m in _rows(ctx, "matter").values()}

    assert versions(restored) == versions(original)
    matters = _rows(restored, "matter")
    for case in _rows(original, "case_file").values():
        m = matters[case["matter_id"]]
        assert (m["code"], m["version"]) == (case["matter_code"], case["catalogue_version"])
    # numbering: every counter the lost database had, at the same value
    old, new = _counters(original), _counters(restored)
    for scope, value in old.items():
        if scope not in ("outbox", "audit", *MARKERS):  # this database's own bookkeeping
            assert new.get(scope) == value, scope
    # local tables: nothing queued again, the cursor at the end of the centre's history
    with restored.uow(read_only=True) as uow:
        queued = uow.session.scalars(select(OutboxOp.entity)).all()
        assert set(queued) <= {"audit_record"}  # only its own audit records: the restore's
        assert uow.session.scalars(select(SyncState.pull_cursor)).one() > 0
    assert_audit_restored(original, restored)


def assert_audit_restored(original: ServiceContext, restored: ServiceContext) -> None:
    """The audit trail comes back whole: every record the lost PC sent, field for field as it was
    sealed (numbers, hashes, MACs), then the new database's own records chained after them; and
    `audit verify` finds the whole trail sound."""
    before = {r["seq"]: r for r in _rows(original, "audit_record").values()}
    after = {r["seq"]: r for r in _rows(restored, "audit_record").values()}
    assert before and set(before) <= set(after)
    for seq, row in before.items():
        assert after[seq] == row, seq
    extra = sorted(set(after) - set(before))
    assert extra == list(range(max(before) + 1, max(before) + 1 + len(extra)))
    assert after[extra[-1]]["action"] == "centre_restored"
    report = verify_database(restored)
    assert report.chain.ok, report.chain.first_break
    assert report.chain.checked == len(after)


# --- tests ------------------------------------------------------------------------------------------


def test_every_kind_a_centre_sends_is_compared_after_a_restore() -> None:
    """Row for row (RESTORED_TABLES), or as assert_restored checks them: a print's bytes in its
    records, the audit trail record by record, each account as itself."""
    assert centre_kinds() == set(RESTORED_TABLES) | {
        "print_blob",
        "print_chunk",
        "audit_record",
        "account_ref",
    }


@pytest.mark.pg
@pytest.mark.parametrize(
    ("lost", "new"), [("sqlite", "sqlite"), ("postgresql", "postgresql"), ("sqlite", "postgresql")]
)
def test_lost_centre_is_rebuilt_from_the_hub(
    hub: Any, tmp_path: Path, pg_databases: Any, lost: str, new: str
) -> None:
    clock = MovableClock(START)
    original = _centre(_url(lost, tmp_path, pg_databases, "lost"), clock)
    old_device = enrol(original, HUB, hub.code("990101"), transport=hub.transport).device_id
    made = _work_and_sync(hub, original, SyncAgent(original, transport=hub.transport))
    with hub.sessions() as h:
        hub_ops = h.scalar(
            select(func.count()).select_from(HubChange).where(HubChange.op_id.is_not(None))
        )

    # the disk dies: a new PC, a new database, a new one-time code
    fresh = ServiceContext.for_url(_url(new, tmp_path, pg_databases, "new"), clock=clock)
    seen: list[int] = []
    report = restore(
        fresh,
        HUB,
        hub.code("990101"),
        transport=hub.transport,
        page=50,
        on_progress=lambda p: seen.append(p.changes),
    )
    assert report.centre_code == "990101" and report.device_id != old_device
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == report.changes
    assert report.queued == 0 and report.decisions_applied == 0 and report.counters > 0
    assert report.rows["case_file"] == 3 * 2 + 4 and report.rows["rating"] == 2
    assert report.rows["consultation"] == 1 and report.rows["counter"] == 6
    # every account comes back under its id as itself: the seven seeded ones (the new database's own
    # take back the lost ids, with their passwords), and the supervisor made at the lost PC, named only
    # by the follow-up they closed, with their user name, name and role — not a stand-in; the
    # windows are the real ones (the seeded six of the new database gave way to them)
    assert (report.adopted_accounts, report.placeholder_accounts, report.placeholder_windows) == (
        7,
        0,
        0,
    )
    assert_restored(original, fresh)
    assert [(c.number, c.id) for c in CentreService(fresh).overview().counters] == [
        (c.number, c.id) for c in CentreService(original).overview().counters
    ]
    # a printed document comes back with its exact bytes: the restored PC reprints it as it was
    clerk_back = Desk(fresh).users["clerk1"]
    kept = PrintService(original).get_print(made["receipt_print"], Desk(original).users["clerk1"])
    assert PrintService(fresh).get_print(made["receipt_print"], clerk_back) == kept
    again = DocumentService(fresh).reprint(clerk_back, made["receipt_print"], "申请人遗失")
    assert again.pdf == kept and again.record.reprint_of == made["receipt_print"]
    with hub.sessions() as h:  # the receipt's bytes reached the hub once, though printed twice
        blobs = [
            p["sha256"]
            for p in h.scalars(select(HubChange.payload).where(HubChange.entity == "print_blob"))
        ]
    assert blobs.count(hashlib.sha256(kept).hexdigest()) == 1
    with fresh.uow(
        read_only=True
    ) as uow:  # withdrawn here while the department approved at the hub
        assert [
            e.event_type
            for e in uow.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == made["disputed"])
                .order_by(CaseEvent.seq)
            )
        ] == ["RECEIVE", "ROUTE", "WITHDRAW", "APPROVE"]
        assert uow.session.scalars(select(SyncConflict.status)).one() == "resolved"

    accounts = _rows(fresh, "app_user")
    duty = accounts[made["duty"]]
    assert (duty["username"], duty["display_name"], duty["role"], duty["active"]) == (
        "duty2",
        "王值班",
        "supervisor",
        True,
    )
    assert duty["password_hash"] == "!" and duty["must_change_password"]  # reset before use
    with pytest.raises(AuthError):  # the password never left the lost PC
        CentreService(fresh).sign_in("duty2", "Tmp-pass-2026")
    boss = accounts[Desk(original).users["supervisor"].id]
    assert (boss["username"], boss["role"], boss["active"]) == ("supervisor", "supervisor", True)

    # new work after the restore continues every number, and the hub gets only the new ops
    desk = Desk(fresh)
    assert CentreService(fresh).sign_in("clerk1", "onewindow").id == desk.users["clerk1"].id
    ticket = desk.queue.issue_ticket(desk.centre_id, "minzheng_jiuzhu")
    assert ticket.number == "C003"  # C001 and C002 were issued this morning on the lost PC
    case = desk.dibao(desk.resident(make_id("11010119800101003"), "陈晨"))
    assert (
        case.case_number == "990101202611230005"
    )  # four cases were numbered today before the loss
    refusal = desk.refuse(desk.resident(make_id("11010119850101004"), "周敏"), "材料不属实")
    assert refusal.document_number == "〔2026〕第3号"
    with fresh.uow(read_only=True) as uow:
        new_ops = uow.session.scalar(select(func.count()).select_from(OutboxOp))
    agent = SyncAgent(fresh, transport=hub.transport)
    sync = agent.run_once()
    assert sync.ok and sync.pushed == new_ops and sync.conflicts == 0 and sync.pulled == 0
    verify_in_sync(fresh, hub.sessions, report.device_id)
    with hub.sessions() as h:
        assert (
            h.scalar(
                select(func.count()).select_from(HubChange).where(HubChange.op_id.is_not(None))
            )
            == hub_ops + new_ops
        )
        numbers = list(h.scalars(select(HubCaseState.case_number)))
        assert len(numbers) == len(set(numbers)) == 12
        tickets = [
            (r.data["business_date"], r.data["service_group"], r.data["seq"])
            for r in h.scalars(select(HubRecord).where(HubRecord.entity == "ticket"))
        ]
        assert len(tickets) == len(set(tickets))
    assert made["refusal"].document_number == "〔2026〕第1号"
    fresh.close()
    original.close()


@pytest.mark.pg
@pytest.mark.parametrize("pages", ["whole", "one_by_one", "swap_on_its_own_page"])
def test_windows_come_back_and_only_unknown_ones_become_stand_ins(
    hub: Any, tmp_path: Path, pages: str
) -> None:
    clock = MovableClock(START)
    original = _centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", clock)
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    agent = SyncAgent(original, transport=hub.transport)
    with original.uow() as uow:  # a database set up before windows were sent: they never went out
        uow.session.execute(delete(OutboxOp).where(OutboxOp.entity == "counter"))
        uow.session.execute(delete(AuditRecord).where(AuditRecord.action == WINDOWS_QUEUED))
    desk = Desk(original)
    clerk = desk.users["clerk1"]

    def serve(window: uuid.UUID) -> None:
        ticket = desk.queue.issue_ticket(desk.centre_id, "minzheng_jiuzhu")
        called = desk.queue.call_next(window, clerk)
        assert called is not None and called.id == ticket.id
        desk.queue.finish(ticket.id, clerk)

    serve(desk.windows[1])
    serve(desk.windows[3])
    assert agent.run_once().ok

    def queued_windows() -> int:
        with original.uow(read_only=True) as uow:
            return int(
                uow.session.scalar(
                    select(func.count()).select_from(OutboxOp).where(OutboxOp.entity == "counter")
                )
                or 0
            )

    initialise(original)  # the first start of a version that sends windows: all six, once
    initialise(original)
    assert queued_windows() == 6
    assert agent.run_once().ok
    with hub.sessions() as h:
        before_swap = h.scalar(select(func.count()).select_from(HubChange))
    with original.uow() as uow:  # later, windows 5 and 6 swap numbers in one change
        s = uow.session
        five, six = s.get_one(Counter, desk.windows[5]), s.get_one(Counter, desk.windows[6])
        five.number = 99
        s.flush()
        six.number = 5
        s.flush()
        five.number = 6
        record_window(uow, five)
        record_window(uow, six)
    seventh = uuid.uuid4()  # a window made by hand in the database: never sent, but used
    with original.uow() as uow:
        uow.session.add(
            Counter(id=seventh, centre_id=desk.centre_id, number=7, name="7号窗口", all_groups=True)
        )
    serve(seventh)
    assert agent.run_once().ok
    with (
        hub.sessions() as h
    ):  # accounts are the district's: never sent from a centre, nor their passwords
        sent = list(
            h.execute(
                select(HubChange.entity, HubChange.payload).where(HubChange.op_id.is_not(None))
            )
        )
    assert {e for e, _ in sent} == {
        "counter",
        "ticket",
        "call_record",
        "audit_record",
        "account_ref",
    } and all("password_hash" not in p for _, p in sent)

    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}", clock=clock)
    page = {"whole": MAX_PULL, "one_by_one": 1, "swap_on_its_own_page": before_swap}[pages]
    report = restore(fresh, HUB, hub.code("990101"), transport=hub.transport, page=page)
    assert report.placeholder_windows == 1 and report.rows["counter"] == 7
    before, after = _rows(original, "counter"), _rows(fresh, "counter")
    assert set(after) == set(before)  # the new PC's seeded windows gave way to the real ones
    stand_in = after.pop(seventh)
    assert (stand_in["number"], stand_in["active"], stand_in["centre_id"]) == (
        901,
        False,
        desk.centre_id,
    )
    before.pop(seventh)
    assert after == before  # ids, numbers (5 and 6 swapped), names, groups, times
    assert _rows(fresh, "ticket") == _rows(original, "ticket")
    overview = CentreService(fresh).overview()
    assert [(c.number, c.id) for c in overview.counters] == [
        (n, desk.windows[{5: 6, 6: 5}.get(n, n)]) for n in range(1, 7)
    ]  # no stand-in among working windows
    # the stand-in is the one row the hub never had: it goes with the next sync, nothing else
    assert report.queued == 1
    with fresh.uow(read_only=True) as uow:  # beside the restore's own audit records
        waiting = uow.session.scalars(select(OutboxOp.entity)).all()
    assert sorted(set(waiting)) == ["audit_record", "counter"] and waiting.count("counter") == 1
    sync = SyncAgent(fresh, transport=hub.transport).run_once()
    assert sync.ok and sync.pushed == len(waiting) and sync.conflicts == 0
    with hub.sessions() as h:
        assert (
            h.scalars(select(HubRecord.data).where(HubRecord.entity_id == seventh)).one()["number"]
            == 901
        )
    fresh.close()
    original.close()


@pytest.mark.pg
def test_decisions_the_lost_pc_never_received_are_applied(hub: Any, tmp_path: Path) -> None:
    original = _centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", MovableClock(START))
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    agent = SyncAgent(original, transport=hub.transport)
    desk = Desk(original)
    case = desk.dibao(desk.resident(APPLICANT, "张秀兰"))
    assert agent.run_once().ok
    http, auth = _department(hub, case.department)
    _decide(http, auth, case.case_id, "accept")
    assert agent.run_once().ok  # the lost PC still saw the acceptance …
    _decide(http, auth, case.case_id, "approved")  # … but not the approval

    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    report = restore(fresh, HUB, hub.code("990101"), transport=hub.transport)
    assert report.decisions_applied == 1 and report.queued == 2
    with fresh.uow(read_only=True) as uow:
        restored = uow.session.get_one(Case, case.case_id)
        assert restored.status == "READY_FOR_COLLECTION"
        events = [
            e.event_type
            for e in uow.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.case_id).order_by(CaseEvent.seq)
            )
        ]
        assert events == ["RECEIVE", "ROUTE", "DEPARTMENT_ACCEPT", "APPROVE", "NOTIFY_READY"]
    with fresh.uow(read_only=True) as uow:  # the two, and the restore's own audit records
        waiting = uow.session.scalar(select(func.count()).select_from(OutboxOp))
    sync = SyncAgent(fresh, transport=hub.transport).run_once()
    assert sync.ok and sync.pushed == waiting and sync.pulled == 0 and sync.conflicts == 0
    with hub.sessions() as h:
        assert h.get_one(HubCaseState, case.case_id).status == "READY_FOR_COLLECTION"
    fresh.close()
    original.close()


@pytest.mark.pg
def test_an_open_conflict_comes_back_as_the_centre_had_it(hub: Any, tmp_path: Path) -> None:
    """Withdrawn at the counter while the department accepted and approved: the centre finds the
    department's steps illegal, the hub the withdrawal. Every open conflict comes back as the lost
    PC had it, column for column (its own findings too, not only the hub's)."""
    original = _centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", MovableClock(START))
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    agent = SyncAgent(original, transport=hub.transport)
    desk = Desk(original)
    case = desk.dibao(desk.resident(APPLICANT, "张秀兰"))
    assert agent.run_once().ok
    http, auth = _department(hub, case.department)
    _decide(http, auth, case.case_id, "accept", "approved")
    desk.cases.withdraw(case.case_id, desk.users["clerk1"], "申请人不再申请")
    assert agent.run_once().ok
    assert agent.run_once().ok  # the conflict found here goes up
    before = _rows(original, "sync_conflict")
    # the department's two steps were found illegal here, the withdrawal at the hub
    assert sorted(r["kind"] for r in before.values()) == ["illegal_event"] * 3
    assert {r["status"] for r in before.values()} == {"open"}

    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    restore(fresh, HUB, hub.code("990101"), transport=hub.transport)
    assert _rows(fresh, "sync_conflict") == before
    fresh.close()
    original.close()


@pytest.mark.pg
def test_restore_refuses_a_database_with_work_and_keeps_the_code(hub: Any, tmp_path: Path) -> None:
    busy = new_centre(f"sqlite:///{(tmp_path / 'busy.db').as_posix()}", "990101")
    WorkMaker(busy).days(1, tickets=3, cases=1, events_per_case=1)
    code = hub.code("990101")
    with pytest.raises(RestoreError) as err:
        restore(busy, HUB, code, transport=hub.transport)
    assert "已有业务数据" in err.value.message and "排队号 3" in err.value.message
    assert "already holds work" in err.value.message
    with busy.uow(read_only=True) as uow:
        assert uow.session.scalars(select(SyncState)).first() is None  # not enrolled
    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'fresh.db').as_posix()}")
    assert restore(fresh, HUB, code, transport=hub.transport).changes == 0  # the code was not spent
    WorkMaker(fresh).days(1, tickets=1, cases=0)
    with pytest.raises(
        RestoreError, match="已有业务数据"
    ):  # a database at work is not restored over
        restore(fresh, transport=hub.transport)
    busy.close()
    fresh.close()


@pytest.mark.pg
def test_a_restore_cut_off_half_way_leaves_nothing_and_runs_again(hub: Any, tmp_path: Path) -> None:
    original = new_centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", "990101")
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    WorkMaker(original).days(2, tickets=20, cases=4, events_per_case=3)
    assert SyncAgent(original, transport=hub.transport).run_once().ok
    pulls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal pulls
        if request.url.path.endswith("/pull"):
            pulls += 1
            if pulls == 3:
                raise httpx.ConnectError("cable pulled", request=request)
        return hub.transport.handle_request(request)

    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    with pytest.raises(SyncError):
        restore(fresh, HUB, hub.code("990101"), transport=httpx.MockTransport(flaky), page=20)
    with fresh.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert uow.session.scalars(select(SyncState.pull_cursor)).one() == 0
    report = restore(
        fresh, transport=hub.transport, page=20
    )  # enrolled already: no new code needed
    assert report.rows["ticket"] == 40 and report.rows["case_event"] == 24
    assert_restored(original, fresh, every_table=False)
    original.close()
    fresh.close()


@pytest.mark.pg
def test_restore_command(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = new_centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", "990101")
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    WorkMaker(original).days(1, tickets=5, cases=2, events_per_case=2)
    assert SyncAgent(original, transport=hub.transport).run_once().ok
    real_init = HubClient.__init__

    def in_process(self: HubClient, *args: Any, **kw: Any) -> None:
        kw["transport"] = kw.get("transport") or hub.transport
        real_init(self, *args, **kw)

    monkeypatch.setattr(HubClient, "__init__", in_process)
    url = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"
    assert cli_main(["--db", url, "restore", "--hub", HUB, "--code", hub.code("990101")]) == 0
    out = capsys.readouterr().out
    assert "已接收" in out and "恢复完成" in out and "排队号 5" in out and "办件 2" in out
    assert cli_main(["--db", url, "restore", "--hub", HUB, "--code", hub.code("990101")]) == 1
    err = capsys.readouterr().err
    assert "已有业务数据" in err and "already holds work" in err
    assert cli_main(["--db", url, "restore", "--code", "X"]) == 2
    original.close()


def test_restore_from_a_try_out_hub_on_sqlite(tmp_path: Path) -> None:
    hub = HubHarness(f"sqlite:///{(tmp_path / 'hub.db').as_posix()}")
    original = new_centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", "990101")
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    WorkMaker(original).days(2, tickets=10, cases=3, events_per_case=4)
    assert SyncAgent(original, transport=hub.transport).run_once().ok
    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    report = restore(fresh, HUB, hub.code("990101"), transport=hub.transport)
    assert report.rows["case_event"] == 24 and report.queued == 0
    assert_restored(original, fresh, every_table=False)
    original.close()
    fresh.close()
    hub.engine.dispose()


@pytest.mark.pg
def test_a_demo_data_centre_comes_back_identical(hub: Any, tmp_path: Path) -> None:
    """`onewindow demo-data` queues its bulk rows as stored: creation times and every defaulted
    column reach the hub, so the restored rows are the same (not the defaults of the restore's time)."""
    original = _centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", MovableClock(START))
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    generate_demo_data(original, days=5, seed=4, tickets_per_day=10)
    assert SyncAgent(original, transport=hub.transport).run_once().ok
    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    report = restore(fresh, HUB, hub.code("990101"), transport=hub.transport)
    assert report.rows["resident"] >= 300 and report.rows["ticket"] > 0 and report.queued == 0
    assert_restored(original, fresh, every_table=False)
    original.close()
    fresh.close()


def test_counters_rebuilt_from_stored_numbers(db_url: str) -> None:
    ctx = new_centre(db_url, "990101")
    WorkMaker(ctx).days(1, tickets=4, cases=1, events_per_case=1, start=date(2026, 11, 23))
    with ctx.uow() as uow:
        s = uow.session
        centre = s.scalars(select(Centre)).one()
        case = s.scalars(select(Case)).one()
        case.case_number = "990101202611230042"
        s.add(
            PrintedDocument(
                id=uuid.uuid4(),
                centre_id=centre.id,
                case_id=case.id,
                kind="rejection",
                document_number="〔2026〕第7号",
                printed_at=datetime.now(UTC),
                sha256="0" * 64,
                content=b"",
            )
        )
        s.add(SequenceCounter(id=uuid.uuid4(), scope="rejection:990101:2025", value=3))
    with ctx.uow() as uow:
        assert rebuild_number_counters(uow.session) == 3
    counters = _counters(ctx)
    group = next(s for s in counters if s.startswith("ticket:990101:G"))
    assert counters[group] == 4 and group.endswith(":20261123")
    assert counters["case:990101:20261123"] == 42 and counters["rejection:990101:2026"] == 7
    with ctx.uow() as uow:
        assert rebuild_number_counters(uow.session) == 0  # already high enough: left alone
    ctx.close()


@pytest.mark.pg
def test_a_postgresql_centre_pushes_its_payloads_as_json(hub: Any, pg_databases: Any) -> None:
    ctx = new_centre(pg_databases(), "990101")
    enrol(ctx, HUB, hub.code("990101"), transport=hub.transport)
    WorkMaker(ctx).days(1, tickets=2, cases=0)
    report = SyncAgent(ctx, transport=hub.transport).run_once()
    assert report.ok, report.error
    with ctx.uow(read_only=True) as uow:
        sent = {
            r.entity_id: r.payload
            for r in uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "ticket"))
        }
    ctx.close()
    with hub.sessions() as h:
        stored = {
            r.entity_id: r.data
            for r in h.scalars(select(HubRecord).where(HubRecord.entity == "ticket"))
        }
    assert sent and stored == sent  # the same JSON objects, not Python reprs
