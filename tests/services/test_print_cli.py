"""`onewindow print KIND --case N --out F`: a real case's paper; the recorded bytes once it was printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db.models import PrintedDocument
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.documents import DocumentService
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from tests.documents.doc_helpers import decode_codes, pdf_text
from tests.services.conftest import DIBAO_FORM, Centre990101, make_id


def _prints(world: Centre990101) -> int:
    with world.ctx.uow(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PrintedDocument)) or 0)


def test_print_a_real_case_from_the_command_line(
    world: Centre990101,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clerk = world.users["clerk1"]
    resident = ResidentService(world.ctx).register(
        ResidentInput(id_number=make_id("11010119580307123"), name="张秀兰"), clerk
    )
    mats = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
    r = IntakeService(world.ctx).accept(
        IntakeInput(world.counters[3], resident.id, "MZ-001", DIBAO_FORM, mats), clerk
    )
    counter_paper = DocumentService(world.ctx).print_case(clerk, r.case_id, "receipt")

    out = tmp_path / "receipt.pdf"
    command = ["print", "receipt", "--case", r.case_number, "--out", str(out), "--db", db_url]
    assert main(command) == 1  # the CLI acts as a named, signed-in account
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "onewindow")
    assert main([*command, "--user", "admin"]) == 1  # administrators do no counter work
    assert "无权" in capsys.readouterr().err
    assert main([*command, "--user", "clerk1"]) == 0
    assert out.read_bytes() == counter_paper.pdf  # the recorded bytes, not a new rendering
    assert "原样输出" in capsys.readouterr().out and _prints(world) == 1

    refused = IntakeService(world.ctx).reject_at_intake(
        IntakeInput(world.counters[3], resident.id, "MZ-001"), clerk, reason="户籍不在本街道"
    )
    notice = tmp_path / "rejection.pdf"
    args = ["--db", db_url, "--user", "clerk1", "print", "rejection", "--case", refused.case_number]
    assert main([*args, "--out", str(notice)]) == 0
    text = pdf_text(notice.read_bytes())
    assert "不予受理通知书" in text and refused.document_number in text and "张秀兰" in text
    assert "已生成并登记" in capsys.readouterr().out and _prints(world) == 2
    again = tmp_path / "again.pdf"
    assert main([*args, "--out", str(again)]) == 0
    assert again.read_bytes() == notice.read_bytes() and _prints(world) == 2

    assert main([*args[:5], "completion", "--case", r.case_number, "--out", str(again)]) == 1
    assert "尚未办结" in capsys.readouterr().err
    assert main([*args[:5], "receipt", "--case", "990101209901010001", "--out", str(out)]) == 1
    assert "找不到办件" in capsys.readouterr().err


def test_demo_printing_still_works(tmp_path: Path) -> None:
    out = tmp_path / "demo.pdf"
    assert main(["print", "receipt", "--out", str(out)]) == 0
    assert decode_codes(out.read_bytes())
