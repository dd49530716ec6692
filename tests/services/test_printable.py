"""What the font cannot print is refused at input, naming the character: emoji, NUL, bidi overrides."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.documents.printable import check_printable, first_unprintable, font_characters
from app.domain.errors import ValidationError
from app.services.counter_dto import IntakeInput
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from tests.services.conftest import DIBAO_FORM, Centre990101, make_id

APPLICANT = make_id("11010119800101123")
COMMON = "张王李赵刘陈杨黄周吴秀兰建国小梅幸福路号楼单元室"


@given(st.text(alphabet=COMMON + "0123456789-（）·", max_size=30))
def test_common_chinese_text_prints(text: str) -> None:
    assert first_unprintable(text) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("张\U0001f600三", "U+1F600"),
        ("张\x00三", "U+0000"),
        ("abc\u202eevil", "U+202E"),
        ("李\u2066四", "U+2066"),
        ("王\u200b五", "U+200B"),
    ],
)
def test_each_bad_character_is_named(text: str, named: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(named)) as refused:
        check_printable(text, "姓名", "name")
    assert refused.value.code == "TEXT_UNPRINTABLE" and "姓名" in refused.value.message


def test_the_font_is_the_embedded_one() -> None:
    glyphs = font_characters()
    assert ord("张") in glyphs and 0x1F600 not in glyphs and len(glyphs) > 20000


def test_services_refuse_what_would_not_print(world: Centre990101) -> None:
    clerk = world.users["clerk1"]
    residents = ResidentService(world.ctx)
    with pytest.raises(ValidationError, match=r"U\+1F600"):
        residents.register(ResidentInput(APPLICANT, "张\U0001f600三"), clerk)
    assert residents.lookup(APPLICANT, clerk) is None
    r = residents.register(ResidentInput(APPLICANT, "张三", address="幸福路1号"), clerk)
    intake = IntakeService(world.ctx)
    form = {**DIBAO_FORM, "application_reason": "因病\u202e失去劳动能力"}
    with pytest.raises(ValidationError, match=r"U\+202E"):
        intake.accept(IntakeInput(world.counters[1], r.id, "MZ-001", form, ()), clerk)
    problems = intake.validate_form("MZ-001", form)
    assert [p.key for p in problems] == ["application_reason"]  # as typed, on the field
    with pytest.raises(ValidationError, match=r"U\+0000"):
        intake.consult(world.counters[1], clerk, note="问\x00低保")
    with pytest.raises(ValidationError, match=r"U\+1F600"):
        intake.reject_at_intake(
            IntakeInput(world.counters[1], r.id, "MZ-001"), clerk, reason="不符合\U0001f600"
        )
    assert residents.printable_problem("幸福路\U0001f3e0", "住址").startswith("“住址”")
