"""What level 3's encryption costs the counter: intake (resident registered, 低保 case with an agent
taken in) and lookups (resident by ID number, cases by ID number and by phone) at level 2 and at
level 3 on fresh databases in the same run, reported as the level-3 / level-2 ratio of medians.
Floor: a `SELECT 1` on each engine.

Run: .venv/bin/python -m benchmarks.bench_level3 [--people 150] [--pg-url postgresql://…]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import date
from pathlib import Path

import keyring
from sqlalchemy import select, text

from app.config import SecuritySettings
from app.db.models import Counter, User
from app.services.cases import CaseService
from app.services.context import ServiceContext
from app.services.counter_dto import AgentInput, IntakeInput, MaterialInput
from app.services.demo_people import make_person
from app.services.dto import SignedInUser
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import initialise
from benchmarks.stats import Timing, time_calls
from tests.conftest import MemoryKeyring
from tests.security.level3_day import FORM, MATERIALS, fresh

OPS = ("intake", "resident by ID", "cases by ID", "cases by phone")


def measure(url: str, level: int, people: int) -> dict[str, Timing]:
    ctx = ServiceContext.for_url(url, security=SecuritySettings(level=level))
    initialise(ctx)
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        u = s.scalars(select(User).where(User.username == "clerk1")).one()
        clerk = SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
        counter = s.scalars(select(Counter).where(Counter.number == 3)).one().id
    rng, used = random.Random(7), set[str]()
    today = date(2026, 11, 23)
    folk = [make_person(rng, today, used) for _ in range(people * 2)]
    residents, intake, cases = ResidentService(ctx), IntakeService(ctx), CaseService(ctx)

    taken: list[int] = []

    def take_in(_i: int) -> None:  # warm-up and timed calls each take a new person
        i = len(taken)
        taken.append(i)
        p, agent = folk[i], folk[people + i]
        r = residents.register(
            ResidentInput(p.id_number, p.name, p.phone, p.address, p.community, p.grid), clerk
        )
        intake.accept(
            IntakeInput(
                counter_id=counter,
                resident_id=r.id,
                matter_code="MZ-001",
                form_data=FORM,
                materials=tuple(MaterialInput(c) for c in MATERIALS),
                agent=AgentInput(agent.id_number, agent.name, "子女", agent.phone),
            ),
            clerk,
        )

    def floor(_i: int) -> None:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()

    out = {"floor": time_calls("floor", floor, 300)}
    out["intake"] = time_calls("intake", take_in, people - 10, warmup=10)
    n = len(taken)
    out["resident by ID"] = time_calls(
        "resident by ID", lambda i: residents.lookup(folk[i % n].id_number, clerk), 300
    )
    out["cases by ID"] = time_calls(
        "cases by ID", lambda i: cases.search(clerk, id_number=folk[i % n].id_number), 300
    )
    out["cases by phone"] = time_calls(
        "cases by phone", lambda i: cases.search(clerk, phone=folk[i % n].phone), 300
    )
    ctx.close()
    return out


def run(urls: list[str], people: int) -> None:
    keyring.set_keyring(MemoryKeyring())  # the benchmark never touches the OS keyring
    for url in urls:
        backend = url.split(":", 1)[0].split("+")[0]
        two = measure(fresh(url), 2, people)
        three = measure(fresh(url), 3, people)
        print(f"\n{backend}: median ms (p99) at level 2 and level 3, {people} people")
        print(f"{'what':<18} {'level 2':>16} {'level 3':>16} {'3 / 2':>7} {'3 / floor':>10}")
        for op in ("floor", *OPS):
            a, b = two[op], three[op]
            print(
                f"{op:<18} {a.median:>7.2f} ({a.p99:>6.2f}) {b.median:>7.2f} ({b.p99:>6.2f}) "
                f"{b.median / a.median:>7.2f} {b.median / three['floor'].median:>10.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--pg-url", help="also measure on this PostgreSQL database (emptied!)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite:///{Path(folder) / 'bench.db'}"]
        if args.pg_url:
            urls.append(args.pg_url)
        run(urls, args.people)


if __name__ == "__main__":
    main()
