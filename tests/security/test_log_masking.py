"""Logs never hold an ID number or a phone: every typed form, inside tracebacks, in the real file."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.logging_setup import scrub, setup_logging
from tests.security.pii_strategies import (
    id_numbers,
    leaks,
    mobiles,
    old_id_numbers,
    typed_forms_of_id,
    typed_forms_of_mobile,
)

AROUND = st.sampled_from(["", "身份证", "ID:", "电话 ", "(", "居民「", "x=", " 号码：", "\t"])


@given(id_numbers(), AROUND, AROUND)
def test_every_typed_form_of_an_id_number_is_masked(number: str, before: str, after: str) -> None:
    for form in typed_forms_of_id(number):
        out = scrub(f"{before}{form}{after}")
        assert not leaks(out, number), (form, out)
        assert not leaks(out, number[:-1]), (form, out)  # not even the 17 digits before the check


@given(old_id_numbers(), AROUND)
def test_fifteen_digit_id_numbers_are_masked(number: str, before: str) -> None:
    out = scrub(f"{before}{number} 已登记")
    assert not leaks(out, number), out


@given(mobiles(), AROUND, AROUND)
def test_every_typed_form_of_a_mobile_is_masked(number: str, before: str, after: str) -> None:
    for form in typed_forms_of_mobile(number):
        out = scrub(f"{before}{form}{after}")
        assert not leaks(out, number), (form, out)


@given(id_numbers(), mobiles())
def test_numbers_typed_next_to_each_other_are_masked(number: str, mobile: str) -> None:
    for text in (f"{number} {mobile}", f"{mobile}-{number}", f"{number}{mobile}"):
        out = scrub(text)
        assert not leaks(out, number) and not leaks(out, mobile), out


def test_ordinary_log_text_is_left_alone() -> None:
    for text in (
        "2026-11-29 17:11:02 同步完成：发送 120 条",
        "ticket A017 called to window 3",
        "uuid 0193a1b2-7c3d-7e4f-8a9b-123456789012 saved",
        "ingest 100000 rows in 1.5 s",
    ):
        assert scrub(text) == text
    # A case number has the shape of an ID number (6 + 8 + 4 digits): masked like one, on purpose.
    assert scrub("case 990101202611290001") == "case 990101********0001"


@settings(max_examples=20)
@given(id_numbers(), mobiles())
def test_tracebacks_and_exception_text_are_masked_in_the_log_file(
    tmp_path_factory, number: str, mobile: str
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("logs")
    path = setup_logging("INFO", log_dir=folder)
    try:
        assert path is not None
        try:
            raise ValueError(
                f"居民 {number.translate(str.maketrans('0123456789', '０１２３４５６７８９'))} 电话 +86 {mobile}"
            )
        except ValueError:
            logging.getLogger("onewindow.test").exception("登记失败")
        try:
            {}[number]  # a KeyError's text is its key
        except KeyError as exc:
            logging.getLogger("onewindow.test").warning("lookup failed: %r", exc, exc_info=True)
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "Traceback" in text and "登记失败" in text
        assert not leaks(text, number) and not leaks(text, mobile)
    finally:
        logging.getLogger().handlers.clear()


def test_log_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = setup_logging("INFO", log_dir=tmp_path / "logs")
    try:
        assert path is not None
        logging.getLogger("onewindow.test").warning("hello")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        logging.getLogger().handlers.clear()
