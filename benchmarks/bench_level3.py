"""What level 3's encryption costs the counter: intake (resident registered, 低保 case with an agent
taken in) and lookups (resident by ID number, cases by ID number and by phone) on a level-2 and a
level-3 database side by side, calls alternating between the two so that the machine's load falls
on both alike; reported as the level-3 / level-2 ratio of medians. Floor: `SELECT 1` on each engine.
Also the bare cost of the cipher: SM4-GCM of one ID number and its blind index (HMAC-SM3).

Run: .venv/bin/python -m benchmarks.bench_level3 [--people 150] [--pg-url postgresql://…/scratch]
(the PostgreSQL database given is emptied and used twice; SQLite files go to a temporary folder)
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import keyring
from sqlalchemy import select, text

from app.config import SecuritySettings
from app.db.models import Counter, User
from app.domain.field_crypto import DataKey, FieldCipher
from app.services.cases import CaseService
from app.services.context import ServiceContext
from app.services.counter_dto import AgentInput, IntakeInput, MaterialInput
from app.services.demo_people import FakePerson, make_person
from app.services.dto import SignedInUser
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import initialise
from tests.conftest import MemoryKeyring
from tests.security.level3_day import FORM, MATERIALS, fresh

LOOKUPS = 300


class Desk:
    """One database at one level, with the services a counter uses."""

    def __init__(self, url: str, level: int, folk: list[FakePerson]) -> None:
        self.ctx = ServiceContext.for_url(url, security=SecuritySettings(level=level))
        initialise(self.ctx)
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            u = s.scalars(select(User).where(User.username == "clerk1")).one()
            self.clerk = SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
            self.counter = s.scalars(select(Counter).where(Counter.number == 3)).one().id
        self.folk, self.half = folk, len(folk) // 2
        self.residents, self.intake = ResidentService(self.ctx), IntakeService(self.ctx)
        self.cases = CaseService(self.ctx)

    def floor(self, _i: int) -> None:
        with self.ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()

    def take_in(self, i: int) -> None:
        p, agent = self.folk[i], self.folk[self.half + i]
        r = self.residents.register(
            ResidentInput(p.id_number, p.name, p.phone, p.address, p.community, p.grid), self.clerk
        )
        self.intake.accept(
            IntakeInput(
                counter_id=self.counter,
                resident_id=r.id,
                matter_code="MZ-001",
                form_data=FORM,
                materials=tuple(MaterialInput(c) for c in MATERIALS),
                agent=AgentInput(agent.id_number, agent.name, "子女", agent.phone),
            ),
            self.clerk,
        )

    def by_id(self, i: int) -> None:
        assert self.residents.lookup(self.folk[i % self.half].id_number, self.clerk)

    def cases_by_id(self, i: int) -> None:
        assert self.cases.search(self.clerk, id_number=self.folk[i % self.half].id_number)

    def cases_by_phone(self, i: int) -> None:
        assert self.cases.search(self.clerk, phone=self.folk[i % self.half].phone)


def alternate(a: Callable[[int], Any], b: Callable[[int], Any], n: int) -> tuple[float, float]:
    """Median ms of a(i) and b(i), called in turn for i in range(n)."""
    ta: list[float] = []
    tb: list[float] = []
    for i in range(n):
        for fn, out in ((a, ta), (b, tb)):
            start = time.perf_counter()
            fn(i)
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(ta), statistics.median(tb)


def cipher_cost() -> tuple[float, float]:
    """µs for SM4-GCM encrypt+decrypt of an ID number, and for its blind index."""
    cipher, value, n = FieldCipher(DataKey.generate()), "11010119800307002X", 20_000
    start = time.perf_counter()
    for _ in range(n):
        cipher.decrypt_text(cipher.encrypt_text(value, "c"), "c")
    mid = time.perf_counter()
    for _ in range(n):
        cipher.blind_index("id", value)
    end = time.perf_counter()
    return (mid - start) / n * 1e6, (end - mid) / n * 1e6


def run(urls: list[str], people: int) -> None:
    keyring.set_keyring(MemoryKeyring())  # the benchmark never touches the OS keyring
    crypt, index = cipher_cost()
    print(f"cipher alone: SM4-GCM encrypt+decrypt {crypt:.1f} µs, blind index {index:.1f} µs")
    for url_pair in urls:
        u2, u3 = url_pair.split(" ")
        rng, used = random.Random(7), set[str]()
        folk = [make_person(rng, date(2026, 11, 23), used) for _ in range(people * 2)]
        two, three = Desk(fresh(u2), 2, folk), Desk(fresh(u3), 3, folk)
        rows = [
            ("floor (SELECT 1)", *alternate(two.floor, three.floor, LOOKUPS)),
            ("intake", *alternate(two.take_in, three.take_in, people)),
            ("resident by ID", *alternate(two.by_id, three.by_id, LOOKUPS)),
            ("cases by ID", *alternate(two.cases_by_id, three.cases_by_id, LOOKUPS)),
            ("cases by phone", *alternate(two.cases_by_phone, three.cases_by_phone, LOOKUPS)),
        ]
        backend = u2.split(":", 1)[0].split("+")[0]
        print(f"\n{backend}, {people} intakes, {LOOKUPS} lookups each, medians")
        print(f"{'what':<18} {'level 2 ms':>11} {'level 3 ms':>11} {'3 / 2':>7}")
        for name, a, b in rows:
            print(f"{name:<18} {a:>11.2f} {b:>11.2f} {b / a:>7.2f}")
        two.ctx.close()
        three.ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--pg-url", help="a scratch PostgreSQL database (emptied; level 2)")
    parser.add_argument("--pg-url3", help="a second scratch database for level 3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        urls = [f"sqlite:///{base / 'level2.db'} sqlite:///{base / 'level3.db'}"]
        if args.pg_url and args.pg_url3:
            urls.append(f"{args.pg_url} {args.pg_url3}")
        run(urls, args.people)


if __name__ == "__main__":
    main()
