"""Application-form layouts: the shipped six, validation errors, and values landing inside their boxes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from doc_helpers import decode_codes, fragments, page_count, pdf_text

from app.documents.demo import DEMO_CASE, DEMO_MATTERS, demo_form
from app.documents.form_render import plan_form, render_application_form
from app.documents.forms import (
    LayoutError,
    available_layouts,
    forms_dir,
    load_layout,
    load_layout_file,
    parse_layout,
)

# The form-field keys of each matter, as the catalogue defines them.
MATTER_FORM_KEYS = {
    "MZ-001": (
        "dibao",
        {
            "household_size",
            "household_monthly_income",
            "application_reason",
            "bank_name",
            "bank_account",
        },
    ),
    "MZ-002": (
        "linshi_jiuzhu",
        {"hardship_type", "hardship_description", "amount_requested", "bank_name", "bank_account"},
    ),
    "JY-001": (
        "shiye_dengji",
        {"education", "last_employer", "unemployment_date", "unemployment_reason", "job_intention"},
    ),
    "JY-002": ("jiuye_chuangye_zheng", {"education", "employment_status", "household_type"}),
    "RS-001": (
        "jumin_yanglao",
        {"household_type", "contribution_grade", "bank_name", "bank_account"},
    ),
    "CL-001": (
        "canji_liangxiang",
        {
            "disability_certificate_no",
            "disability_category",
            "disability_grade",
            "subsidy_kind",
            "bank_name",
            "bank_account",
        },
    ),
}


def test_six_layouts_ship() -> None:
    assert {v[0] for v in MATTER_FORM_KEYS.values()} <= set(available_layouts())


@pytest.mark.parametrize("code", sorted(MATTER_FORM_KEYS))
def test_layout_uses_exactly_the_matter_keys(code: str) -> None:
    name, keys = MATTER_FORM_KEYS[code]
    layout = load_layout_file(forms_dir() / f"{name}.yaml", form_keys=keys)
    assert layout.form_keys() == keys
    assert layout.matter_code == code
    assert DEMO_MATTERS[code][0] == name


def _inside(f, box, slack: float = 0.5) -> bool:
    x0, y0, x1, y1 = box
    return x0 - slack <= f.x <= x1 + slack and y0 - slack <= f.y <= y1 + slack


@pytest.mark.parametrize("code", sorted(MATTER_FORM_KEYS))
def test_values_land_in_their_boxes(code: str) -> None:
    data = demo_form(code)
    layout = load_layout(data.layout)
    pdf = render_application_form(layout, data)
    frags = fragments(pdf)
    plan = plan_form(layout, data)
    checked = 0
    for cell in plan.cells:
        if not cell.cell.field or not cell.value or cell.cell.choices:
            continue
        mine = [
            f
            for f in frags
            if f.page == cell.page and f.text in cell.value and _inside(f, cell.value_box)
        ]
        assert mine, f"{cell.cell.field}={cell.value!r} not found in {cell.value_box}"
        assert "".join(f.text for f in mine).replace(" ", "") == cell.value.replace(" ", "")
        checked += 1
    assert checked >= 8
    text = pdf_text(pdf)
    for value in data.values.values():
        assert "".join(value.split()) in text


def test_choice_cells_print_every_choice() -> None:
    data = demo_form("JY-002")
    text = pdf_text(render_application_form(data.layout, data))
    for choice in ("城镇", "农村", "就业", "失业", "创业", "灵活就业"):
        assert choice in text


def test_long_value_wraps_inside_its_box() -> None:
    long_reason = "因家庭成员长期患病、收入骤减、子女就学支出较大，生活陷入困难。" * 12
    data = replace(
        demo_form("MZ-001"),
        values={**demo_form("MZ-001").values, "application_reason": long_reason},
    )
    layout = load_layout("dibao")
    pdf = render_application_form(layout, data)
    plan = plan_form(layout, data)
    cell = next(c for c in plan.cells if c.cell.field == "form.application_reason")
    assert len(cell.lines) > 4
    inside = [f for f in fragments(pdf) if f.page == cell.page and _inside(f, cell.value_box)]
    assert "".join(f.text for f in inside) == long_reason
    assert "".join(long_reason.split()) in pdf_text(pdf)


def test_form_runs_onto_a_second_page_when_needed() -> None:
    data = replace(
        demo_form("MZ-001"),
        values={**demo_form("MZ-001").values, "application_reason": "情况说明。" * 400},
    )
    pdf = render_application_form("dibao", data)
    assert page_count(pdf) >= 2
    assert "最低生活保障申请表（续）" in pdf_text(pdf)
    assert ("CODE128", DEMO_CASE) in decode_codes(pdf)


GOOD = {
    "name": "demo",
    "title": "演示表",
    "sections": [{"title": "一", "rows": [[{"label": "姓名", "field": "applicant.name"}]]}],
}


def _errors(raw, source: str = "demo.yaml", keys=None) -> list[str]:
    with pytest.raises(LayoutError) as e:
        parse_layout(raw, source, keys)
    return e.value.errors


def test_minimal_layout_parses() -> None:
    layout = parse_layout(GOOD, "demo.yaml")
    assert layout.sections[0].rows[0].cells[0].field == "applicant.name"


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ({"label": "证号", "field": "applicant.id_number_masked"}, "unknown applicant field"),
        ({"label": "x", "field": "person.name"}, "must start with applicant. or form."),
        ({"label": "x", "field": "form.Bad-Key"}, "bad form key"),
        ({"field": "form.bank_name"}, "needs a label"),
        ({"label": "x", "field": "form.a", "text": "y"}, "exactly one of"),
        ({"label": "x"}, "exactly one of"),
        ({"label": "x", "field": "form.a", "width": 0}, "width: must be a positive number"),
        ({"label": "x", "field": "form.a", "lines": 99}, "lines: must be an integer"),
        ({"label": "x", "field": "form.a", "colour": "red"}, "unknown key 'colour'"),
        ({"label": "x", "handwritten": True, "choices": ["a"]}, "only a field cell"),
    ],
)
def test_cell_errors_name_file_and_path(cell: dict, fragment: str) -> None:
    raw = {
        **GOOD,
        "sections": [{"title": "一", "rows": [[GOOD["sections"][0]["rows"][0][0], cell]]}],
    }
    errors = _errors(raw)
    assert any(
        fragment in e and e.startswith("demo.yaml: sections[0].rows[0].cells[1]") for e in errors
    ), errors


def test_layout_level_errors_are_all_reported() -> None:
    errors = _errors({"name": "other", "sections": [], "paper": "A3"})
    joined = "\n".join(errors)
    assert "unknown key 'paper'" in joined
    assert "title: required string" in joined
    assert "sections: required non-empty list" in joined
    assert "differs from the file name 'demo'" in joined


def test_unknown_form_key_for_the_matter() -> None:
    raw = {**GOOD, "sections": [{"rows": [[{"label": "x", "field": "form.bank_nmae"}]]}]}
    errors = _errors(raw, keys={"bank_name"})
    assert any("form field 'bank_nmae' is not defined" in e for e in errors)


def test_bad_yaml_file_reports_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(LayoutError) as e:
        load_layout_file(bad)
    assert e.value.errors[0].startswith("broken.yaml: not valid YAML")


def test_row_height_must_be_sane(tmp_path: Path) -> None:
    raw = {
        **GOOD,
        "sections": [{"rows": [{"cells": GOOD["sections"][0]["rows"][0], "height": 1000}]}],
    }
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LayoutError, match=r"rows\[0\]\.height"):
        load_layout_file(path)


def test_unknown_layout_name() -> None:
    with pytest.raises(LayoutError, match="no layout file"):
        load_layout("no_such_form")
