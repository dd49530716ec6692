"""The shipped catalogue loads, is large enough and has the matters other parts depend on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from app.catalogue import check_catalogue, load_publication
from app.catalogue.schema import render_json_schema
from app.domain.catalogue import CaseType, CataloguePublication, FieldKind
from app.resources import resource_path

EDUCATION = ["初中及以下", "高中", "中专", "大专", "本科", "研究生"]

REQUIRED: dict[str, tuple[str, dict[str, FieldKind]]] = {
    "MZ-001": (
        "dibao",
        {
            "household_size": FieldKind.INTEGER,
            "household_monthly_income": FieldKind.MONEY,
            "application_reason": FieldKind.TEXTAREA,
            "bank_name": FieldKind.TEXT,
            "bank_account": FieldKind.BANK_ACCOUNT,
        },
    ),
    "MZ-002": (
        "linshi_jiuzhu",
        {
            "hardship_type": FieldKind.CHOICE,
            "hardship_description": FieldKind.TEXTAREA,
            "amount_requested": FieldKind.MONEY,
            "bank_name": FieldKind.TEXT,
            "bank_account": FieldKind.BANK_ACCOUNT,
        },
    ),
    "JY-001": (
        "shiye_dengji",
        {
            "education": FieldKind.CHOICE,
            "last_employer": FieldKind.TEXT,
            "unemployment_date": FieldKind.DATE,
            "unemployment_reason": FieldKind.CHOICE,
            "job_intention": FieldKind.TEXT,
        },
    ),
    "JY-002": (
        "jiuye_chuangye_zheng",
        {
            "education": FieldKind.CHOICE,
            "employment_status": FieldKind.CHOICE,
            "household_type": FieldKind.CHOICE,
        },
    ),
    "RS-001": (
        "jumin_yanglao",
        {
            "household_type": FieldKind.CHOICE,
            "contribution_grade": FieldKind.CHOICE,
            "bank_name": FieldKind.TEXT,
            "bank_account": FieldKind.BANK_ACCOUNT,
        },
    ),
    "CL-001": (
        "canji_liangxiang",
        {
            "disability_certificate_no": FieldKind.TEXT,
            "disability_category": FieldKind.CHOICE,
            "disability_grade": FieldKind.CHOICE,
            "subsidy_kind": FieldKind.CHOICE,
            "bank_name": FieldKind.TEXT,
            "bank_account": FieldKind.BANK_ACCOUNT,
        },
    ),
}


@pytest.fixture(scope="module")
def publication() -> CataloguePublication:
    return load_publication()


def test_shipped_catalogue_has_no_issues() -> None:
    assert check_catalogue(resource_path("catalogue")) == []


def test_size_and_spread(publication: CataloguePublication) -> None:
    assert publication.version == "2026.12"
    assert len(publication.matters) >= 40
    departments = Counter(m.department for m in publication.matters)
    assert len(departments) >= 6
    for dept in ("人社", "就业", "民政", "医保", "残联", "卫健", "退役军人"):
        assert departments[dept] >= 1, dept
    assert {m.case_type for m in publication.matters} == set(CaseType)


def test_codes_unique_and_groups_exist(publication: CataloguePublication) -> None:
    codes = [m.code for m in publication.matters]
    assert len(codes) == len(set(codes))
    groups = {g.code for g in publication.service_groups}
    prefixes = [g.prefix for g in publication.service_groups]
    assert len(prefixes) == len(set(prefixes))
    assert all(m.service_group in groups for m in publication.matters)


def test_every_matter_is_documented(publication: CataloguePublication) -> None:
    for m in publication.matters:
        assert m.sources, m.code
        assert m.materials, m.code
        assert m.procedure and m.conditions, m.code
        assert m.keywords, m.code
        assert m.legal_days is None or m.promised_days <= m.legal_days
        if m.case_type is CaseType.JOINT:
            assert m.co_departments, m.code


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_required_matters_and_fields(publication: CataloguePublication, code: str) -> None:
    layout, fields = REQUIRED[code]
    matter = publication.matter(code)
    assert matter.form_layout == layout
    by_key = {f.key: f for f in matter.form_fields}
    for key, kind in fields.items():
        assert key in by_key, f"{code}.{key}"
        assert by_key[key].kind is kind, f"{code}.{key}"
    for f in matter.form_fields:
        if f.kind is FieldKind.CHOICE:
            assert len(f.choices) >= 2


def test_required_choices(publication: CataloguePublication) -> None:
    def choices(code: str, key: str) -> list[str]:
        return next(list(f.choices) for f in publication.matter(code).form_fields if f.key == key)

    assert choices("MZ-002", "hardship_type") == ["急难型", "支出型"]
    assert choices("JY-001", "education") == EDUCATION
    assert choices("JY-002", "education") == EDUCATION
    assert choices("JY-002", "household_type") == ["城镇", "农村"]
    assert choices("RS-001", "household_type") == ["城镇", "农村"]
    assert "200元" in choices("RS-001", "contribution_grade")
    assert choices("CL-001", "disability_category") == [
        "视力", "听力", "言语", "肢体", "智力", "精神", "多重",
    ]  # fmt: skip
    assert choices("CL-001", "disability_grade") == ["一级", "二级", "三级", "四级"]
    assert choices("CL-001", "subsidy_kind") == ["生活补贴", "护理补贴", "两项补贴"]


def test_matter_files_are_one_per_department(publication: CataloguePublication) -> None:
    folder = resource_path("catalogue", "matters")
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert f"code: {path.stem.upper()}-" in text, path.name


def test_schema_json_is_generated_from_the_models() -> None:
    on_disk = resource_path("catalogue", "schema.json").read_text(encoding="utf-8")
    assert on_disk == render_json_schema(), "run: python -m app.catalogue.schema"
    schema = json.loads(on_disk)
    assert {"CataloguePublication", "MattersFile", "MatterModel"} <= set(schema["$defs"])


def test_check_single_shipped_file() -> None:
    assert check_catalogue(resource_path("catalogue", "matters", "mz.yaml")) == []
    assert check_catalogue(resource_path("catalogue", "publication.yaml")) == []
    assert check_catalogue(Path("/nonexistent/catalogue.yaml"))[0].line == 1
