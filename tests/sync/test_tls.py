"""TLS: the centre verifies the hub's certificate; an unknown CA is refused, the district CA file accepted."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.hub.db import hub_engine, hub_sessions, upgrade
from app.sync.agent import SyncAgent
from app.sync.client import SyncError
from app.sync.enrol import enrol
from tests.sync.harness import new_centre
from tests.sync.test_processes import free_port

pytestmark = [
    pytest.mark.pg,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


def _certs(d: Path) -> tuple[Path, Path, Path]:
    ca_key, ca, key, csr, crt = (
        d / n for n in ("ca.key", "ca.pem", "hub.key", "hub.csr", "hub.crt")
    )
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "2",
        "-subj",
        "/CN=OneWindow test district CA",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(csr),
        "-subj",
        "/CN=127.0.0.1",
    )
    ext = d / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-out",
        str(crt),
        "-days",
        "2",
        "-extfile",
        str(ext),
    )
    return ca, crt, key


def test_centre_verifies_the_hub_certificate(tmp_path: Path, pg_url: str) -> None:
    ca, crt, key = _certs(tmp_path)
    engine = hub_engine(pg_url)
    upgrade(engine)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.hub.cli",
            "--db",
            pg_url,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ssl-certfile",
            str(crt),
            "--ssl-keyfile",
            str(key),
        ]
    )
    url = f"https://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/health", verify=str(ca), timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}", "990101")
        from app.clock import system_clock
        from app.hub.admin import new_enrol_code

        with hub_sessions(engine).begin() as s:
            code = new_enrol_code(s, "990101", system_clock())
        with pytest.raises(SyncError) as refused:  # system trust store: the test CA is unknown
            enrol(ctx, url, code)
        assert refused.value.kind == "offline" and "证书" in refused.value.message
        enrol(ctx, url, code, verify=str(ca))
        report: Any = SyncAgent(ctx, verify=str(ca)).run_once()
        assert report.ok, report.error
        assert not SyncAgent(ctx).run_once().ok  # without the CA file the hub is not trusted
        ctx.close()
    finally:
        proc.kill()
        proc.wait(10)
        engine.dispose()
