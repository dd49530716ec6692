"""`onewindow-hub` commands against PostgreSQL: init-db, enrol-code, add-user, publish-catalogue, silent."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.hub.cli import main
from app.hub.db import hub_engine, hub_sessions
from app.hub.models import HubChange, HubEnrolCode, HubStaff

pytestmark = pytest.mark.pg


def test_hub_commands(pg_url: str, capsys: Any) -> None:
    assert main(["--db", pg_url, "init-db"]) == 0
    assert main(["--db", pg_url, "enrol-code", "--centre", "990101", "--name", "幸福街道"]) == 0
    out = capsys.readouterr().out
    code = re.search(r"([0-9A-F]{4}(-[0-9A-F]{4}){3})", out)
    assert code is not None
    assert (
        main(
            [
                "--db",
                pg_url,
                "add-user",
                "--username",
                "mz",
                "--name",
                "民政",
                "--role",
                "department",
                "--department",
                "区民政局",
                "--password",
                "pw",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                pg_url,
                "add-user",
                "--username",
                "c1",
                "--name",
                "社工",
                "--role",
                "clerk",
                "--password",
                "pw",
            ]
        )
        == 2
    )
    assert main(["--db", pg_url, "publish-catalogue", "resources/catalogue"]) == 0
    assert main(["--db", pg_url, "silent"]) == 0
    engine = hub_engine(pg_url)
    with hub_sessions(engine)() as s:
        stored = s.scalars(select(HubEnrolCode)).one()
        assert code.group(1) not in stored.code_hash  # only a hash is kept
        assert s.scalars(select(HubStaff)).one().department == "区民政局"
        assert s.scalars(select(HubChange).where(HubChange.entity == "catalogue")).one()
    engine.dispose()
