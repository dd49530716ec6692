"""The hub's log never holds personal data: a database error on a payload with an ID number and a
phone, in a real hub process, leaves neither in its log (no SQL parameters, no error text)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.clock import system_clock
from app.hub.admin import new_enrol_code
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.logging_setup import scrub
from tests.hub.conftest import VERSIONS
from tests.hub.test_security import op
from tests.services.conftest import make_id
from tests.sync.harness import free_port, start_hub_process

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def test_a_database_error_logs_no_personal_data(pg_url: str, tmp_path: Path) -> None:
    engine = hub_engine(pg_url)
    upgrade(engine)
    assert engine.hide_parameters  # the hub's (and every centre's) engine
    with engine.begin() as conn:  # rows quoted in the error's own text, both kinds of error
        conn.execute(
            text(
                "CREATE FUNCTION refuse_marked() RETURNS trigger AS $$ BEGIN "
                "IF NEW.data::text LIKE '%refuse-me%' THEN "
                "RAISE EXCEPTION 'refused row %', NEW.data USING ERRCODE = '23514'; END IF; "
                "IF NEW.data::text LIKE '%crash-me%' THEN "
                "RAISE EXCEPTION 'crashed on %', NEW.data USING ERRCODE = '57014'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_marked BEFORE INSERT OR UPDATE ON hub_record "
                "FOR EACH ROW EXECUTE FUNCTION refuse_marked()"
            )
        )
    with hub_sessions(engine).begin() as s:
        code = new_enrol_code(s, "100001", system_clock())
    log = tmp_path / "hub.log"
    port = free_port()
    with log.open("wb") as err:
        proc = start_hub_process(pg_url, port, stderr=err)
        try:
            url = f"http://127.0.0.1:{port}"
            token = httpx.post(f"{url}/api/v1/enrol", json={"code": code}, headers=VERSIONS).json()[
                "token"
            ]
            h = {**VERSIONS, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            id_number = make_id(f"11010119{uuid.uuid4().int % 10**9:09d}"[:17])
            phone = f"139{uuid.uuid4().int % 10**8:08d}"
            person = {"id_number": id_number, "phone": phone, "name": "测试居民"}
            refused = op(1, "resident", None, note="refuse-me", **person)
            r = httpx.post(f"{url}/api/v1/push", content=json.dumps({"ops": [refused]}), headers=h)
            assert r.status_code == 200 and r.json()["acks"][0]["status"] == "conflict"
            crashed = op(2, "resident", None, note="crash-me", **person)
            r = httpx.post(f"{url}/api/v1/push", content=json.dumps({"ops": [crashed]}), headers=h)
            assert r.status_code == 503
        finally:
            proc.terminate()
            proc.wait(10)
    engine.dispose()
    written = log.read_text(encoding="utf-8", errors="replace")
    assert "database" in written  # both errors were logged …
    for secret in (id_number, phone, id_number[6:14], phone[3:]):
        assert secret not in written, secret  # … without the person
    assert scrub(written) == written
