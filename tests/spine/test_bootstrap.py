"""The composition root builds every service over one context and answers today's business date."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime

from app.services.bootstrap import Services, bootstrap


def test_every_service_shares_the_roots_context(sqlite_url: str) -> None:
    services = bootstrap(sqlite_url)
    try:
        # Every service property (`signed_in`, a bool about the desk's session, is not one).
        names = [
            n
            for n, v in vars(Services).items()
            if isinstance(v, property) and typing.get_type_hints(v.fget).get("return") is not bool
        ]
        assert {"catalogue", "centre", "queue", "intake", "cases", "residents"} <= set(names)
        for name in names:
            assert getattr(services, name).ctx is services.ctx, name
    finally:
        services.close()


def test_today_is_the_centres_business_date_not_the_pcs(sqlite_url: str) -> None:
    # 2026-03-01 17:30 UTC is already 2026-03-02 in Beijing.
    services = bootstrap(sqlite_url, clock=lambda: datetime(2026, 3, 1, 17, 30, tzinfo=UTC))
    try:
        assert services.today() == date(2026, 3, 2)
    finally:
        services.close()
