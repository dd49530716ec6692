"""One clock for business: a counter day just after midnight in China, run in processes whose OS zone
is UTC or New York (where it is still the 29th), prints, lists, searches and reports the 30th."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DAY_SCRIPT = r"""
import io, json, re, sys, time
from datetime import UTC, date, datetime
from pypdf import PdfReader
from app.clock import local_time
from app.services.bootstrap import Services
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.residents import ResidentInput
from tests.services.conftest import DIBAO_FORM, make_id

assert time.localtime().tm_zone == sys.argv[2] or sys.argv[2] == "", time.localtime().tm_zone
moment = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)  # 00:30 on the 30th in China
s = Services.for_url(sys.argv[1], clock=lambda: moment)
s.initialise()

def dates(pdf):
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    text = "".join(text.split())
    return sorted({f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)})

clerk = s.centre.sign_in("clerk1", "onewindow")
centre = s.centre.overview().centre
counter = s.centre.overview().counters[0].id
out = {}
slip = s.queue.issue_ticket_with_slip(centre.id, "minzheng_jiuzhu")
out["slip"] = dates(slip.slip_pdf)
out["ticket_day"] = slip.ticket.business_date.isoformat()
r = s.residents.register(ResidentInput(make_id("11010119580307123"), "张秀兰"), clerk)
mats = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
case = s.intake.accept(IntakeInput(counter, r.id, "MZ-001", DIBAO_FORM, mats), clerk)
out["case_number"] = case.case_number
out["receipt"] = dates(s.documents.print_case(clerk, case.case_id, "receipt", paper="A4").pdf)
y = s.residents.register(ResidentInput(make_id("11010119950101002"), "刘洋"), clerk)
done = s.intake.complete_on_spot(IntakeInput(counter, y.id, "JY-001", {
    "education": "本科", "unemployment_date": "2026-10-31", "unemployment_reason": "解除或终止劳动合同"},
    (MaterialInput("M01"), MaterialInput("M02"))), clerk)
out["completion"] = dates(s.documents.print_case(clerk, done.case_id, "completion").pdf)
found = s.cases.search(clerk, received_on=date(2026, 11, 30))
out["search_30th"] = sorted(c.case_number for c in found)
out["search_29th"] = len(s.cases.search(clerk, received_on=date(2026, 11, 29)))
out["listed"] = sorted(local_time(c.received_at).strftime("%Y-%m-%d %H:%M") for c in found)
out["history"] = [h.printed_at.strftime("%Y-%m-%d %H:%M") for h in s.documents.history(clerk, case.case_id)]
s.accounts.sign_in("supervisor", "onewindow")  # today's figures are the supervisor's
fig = s.reports.day_figures(centre.id)
out["report"] = [fig.day.isoformat(), fig.tickets_issued, fig.cases_received, fig.completed_on_spot]
out["today"] = s.today().isoformat()
s.close()
print(json.dumps(out, ensure_ascii=False))
"""


def _day(tmp_path: Path, zone: str, abbreviation: str) -> dict[str, object]:
    url = f"sqlite:///{tmp_path / (zone.replace('/', '_') + '.db')}"
    env = {**os.environ, "TZ": zone, "ONEWINDOW_DATA_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", DAY_SCRIPT, url, abbreviation],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(("zone", "abbreviation"), [("UTC", "UTC"), ("America/New_York", "EST")])
def test_a_counter_day_is_the_centres_day_whatever_the_pc_zone(
    tmp_path: Path, zone: str, abbreviation: str
) -> None:
    day = _day(tmp_path, zone, abbreviation)
    assert day["today"] == day["ticket_day"] == "2026-11-30"
    assert day["slip"] == ["2026-11-30"]
    assert "2026-11-30" in day["receipt"] and "2026-11-29" not in day["receipt"]  # type: ignore[operator]
    assert day["completion"] == ["2026-11-30"]
    assert str(day["case_number"])[6:14] == "20261130"
    assert len(day["search_30th"]) == 2 and day["search_29th"] == 0  # type: ignore[arg-type]
    assert day["listed"] == ["2026-11-30 00:30", "2026-11-30 00:30"]
    assert day["history"] == ["2026-11-30 00:30"]
    assert day["report"] == ["2026-11-30", 1, 2, 1]


def test_the_same_day_in_both_zones(tmp_path: Path) -> None:
    utc = _day(tmp_path / "a", "UTC", "UTC")
    ny = _day(tmp_path / "b", "America/New_York", "EST")
    assert utc == ny
    assert re.fullmatch(r"\d{18}", str(utc["case_number"]))
