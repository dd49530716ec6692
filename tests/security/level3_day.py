"""A counter day with given ID numbers and mobiles through the services, and dumps of the database
it leaves (SQLite's iterdump and raw files, PostgreSQL's pg_dump): shared by the level-3 tests and
the encryption benchmark."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from app.services.cases import CaseService
from app.services.context import ServiceContext
from app.services.counter_dto import AgentInput, IntakeInput, MaterialInput
from app.services.documents import DocumentService
from app.services.dto import SignedInUser
from app.services.intake import IntakeService
from app.services.queue import QueueService
from app.services.residents import ResidentInput, ResidentService

# A 低保 form with income, disability and a bank account: the personal fields of a form.
FORM = {
    "household_size": "3",
    "household_monthly_income": "48613.97",
    "application_reason": "家中主要劳动力因病失去工作能力",
    "bank_name": "示范银行幸福路支行",
    "bank_account": "6222 0277 3141 5926",
    "has_disabled_member": "是",
}
MATERIALS = ("M01", "M02", "M03", "M04", "M05", "M08")


@dataclass
class DayRecord:
    """What the day typed in, to look for afterwards."""

    numbers: list[str] = field(default_factory=list)  # ID numbers and mobiles
    addresses: list[str] = field(default_factory=list)
    case_ids: list[uuid.UUID] = field(default_factory=list)


def counter_day(
    ctx: ServiceContext,
    centre_id: uuid.UUID,
    counter_id: uuid.UUID,
    clerk: SignedInUser,
    people: list[tuple[str, str, str, str]],
    *,
    print_papers: bool = True,
) -> DayRecord:
    """For each (ID, mobile, agent ID, agent mobile): a ticket by ID at the kiosk, the call, the
    resident registered and looked up, a 低保 intake with an agent, its receipt printed, the case
    found again by ID number and by phone."""
    queue, residents = QueueService(ctx), ResidentService(ctx)
    intake, cases, documents = IntakeService(ctx), CaseService(ctx), DocumentService(ctx)
    record = DayRecord()
    for i, (id_number, phone, agent_id, agent_phone) in enumerate(people):
        address = f"示范区幸福路{100 + i}号{uuid.uuid4().hex[:6]}室"
        record.numbers += [id_number, phone, agent_id, agent_phone]
        record.addresses.append(address)
        ticket = queue.issue_ticket(centre_id, "minzheng_jiuzhu", id_number=id_number)
        assert queue.call_next(counter_id, clerk) is not None
        queue.start_serving(ticket.id, clerk)
        resident = residents.register(
            ResidentInput(id_number=id_number, name="张秀兰", phone=phone, address=address), clerk
        )
        found = residents.lookup(id_number, clerk)
        assert found is not None and found.phone == phone and found.address == address
        result = intake.accept(
            IntakeInput(
                counter_id=counter_id,
                resident_id=resident.id,
                matter_code="MZ-001",
                ticket_id=ticket.id,
                form_data=FORM,
                materials=tuple(MaterialInput(c) for c in MATERIALS),
                agent=AgentInput(agent_id, "张小明", "子女", agent_phone),
            ),
            clerk,
        )
        record.case_ids.append(result.case_id)
        if print_papers:
            documents.print_for_intake(clerk, result)
        assert [c.id for c in cases.search(clerk, id_number=id_number)] == [result.case_id]
        assert result.case_id in [c.id for c in cases.search(clerk, phone=phone)]
        assert set(cases.detail(result.case_id, clerk).form_data) == set(FORM)
        queue.finish(ticket.id, clerk)
    return record


def fresh(url: str) -> str:
    """An empty database beside the test's (Hypothesis runs a failing example again to report it:
    each run gets its own): a new SQLite file, or PostgreSQL's public schema emptied."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(str(u.database))
        return f"sqlite:///{(path.parent / f'day-{uuid.uuid4().hex[:8]}.db').as_posix()}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def dump(url: str) -> str:
    """The database as text: `iterdump` plus the raw files (database, WAL) for SQLite, `pg_dump`
    for PostgreSQL."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(str(u.database))
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            text = "\n".join(conn.iterdump())
        finally:
            conn.close()
        raw = b"".join(
            p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
        )
        return text + "\n" + raw.decode("utf-8", errors="replace")
    plain = u.set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(
        ["pg_dump", "--no-owner", "--dbname", plain], capture_output=True, text=True, check=True
    )
    return done.stdout
