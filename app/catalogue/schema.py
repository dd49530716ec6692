"""Pydantic models of the catalogue YAML files and the JSON Schema made from them."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain.catalogue import CaseType, FieldKind, MaterialForm

MATTER_CODE = r"^[A-Z]{2}-[0-9]{3}$"
MATERIAL_CODE = r"^M[0-9]{2}$"
GROUP_CODE = r"^[a-z][a-z0-9_]{1,31}$"
FIELD_KEY = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
LAYOUT_NAME = r"^[a-z][a-z0-9_]{1,39}$"
PREFIX = r"^[A-Z]$"

# Department code (the first part of a matter code) -> the department's short name.
DEPARTMENTS: dict[str, str] = {
    "RS": "人社",
    "JY": "就业",
    "MZ": "民政",
    "YB": "医保",
    "CL": "残联",
    "WJ": "卫健",
    "TY": "退役军人",
    "SF": "司法",
    "ZJ": "住建",
    "GA": "公安",
}

SCHEMA_ID = "https://onewindow.example/schema/catalogue.json"

Text = Annotated[str, Field(min_length=1)]
ShortText = Annotated[str, Field(min_length=1, max_length=60)]
LongText = Annotated[str, Field(min_length=1, max_length=400)]
# Enums and dates are given as YAML scalars, so they are parsed leniently from their values.
CaseTypeField = Annotated[CaseType, Field(strict=False)]
MaterialFormField = Annotated[MaterialForm, Field(strict=False)]
FieldKindField = Annotated[FieldKind, Field(strict=False)]


def _error(message: str, index: int | None = None) -> PydanticCustomError:
    """A validation error with a Chinese message; `index` points into the list being checked."""
    context: dict[str, Any] = {"message": message}
    if index is not None:
        context["index"] = index
    return PydanticCustomError("catalogue", "{message}", context)


def _first_duplicate(values: list[str]) -> tuple[int, str] | None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            return i, value
        seen.add(value)
    return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ServiceGroupModel(_Strict):
    """A service group (queue) of the centre."""

    code: str = Field(pattern=GROUP_CODE, description="stable code, snake_case")
    prefix: str = Field(pattern=PREFIX, description="ticket prefix: one capital letter")
    name: str = Field(min_length=1, max_length=20)
    departments: list[ShortText] = Field(default_factory=list, max_length=20)


class PublicationModel(_Strict):
    """The header of a catalogue publication: publication.yaml."""

    model_config = ConfigDict(title="CataloguePublication")

    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]{1,2}(\.[0-9]{1,3})?$")
    published_on: Annotated[date, Field(strict=False)]
    publisher: str = Field(min_length=1, max_length=60)
    service_groups: list[ServiceGroupModel] = Field(min_length=1, max_length=26)

    @field_validator("service_groups")
    @classmethod
    def _unique_groups(cls, groups: list[ServiceGroupModel]) -> list[ServiceGroupModel]:
        dup = _first_duplicate([g.code for g in groups])
        if dup:
            raise _error(f"服务分组编码 {dup[1]} 重复", dup[0])
        dup = _first_duplicate([g.prefix for g in groups])
        if dup:
            raise _error(f"排队号前缀 {dup[1]} 被多个服务分组使用", dup[0])
        return groups


class MaterialModel(_Strict):
    """One material of a matter."""

    code: str = Field(pattern=MATERIAL_CODE, description="M01, M02 … unique within the matter")
    name: str = Field(min_length=1, max_length=80)
    form: MaterialFormField
    copies: int = Field(default=1, ge=0, le=10)
    required: bool = True
    deferrable: bool = False
    where_to_get: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _deferrable_only_if_required(self) -> MaterialModel:
        if self.deferrable and not self.required:
            raise _error("非必需材料无需标记容缺")
        return self


class FormFieldModel(_Strict):
    """One field of a matter's application form."""

    key: str = Field(pattern=FIELD_KEY, max_length=40, description="snake_case")
    label: str = Field(min_length=1, max_length=30)
    kind: FieldKindField = FieldKind.TEXT
    required: bool = False
    max_length: int = Field(default=100, ge=1, le=2000)
    choices: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=30
    )
    help: str = Field(default="", max_length=200)
    minimum: int | None = Field(default=None, ge=0, description="integer / money: smallest value")
    maximum: int | None = Field(default=None, ge=0, description="integer / money: largest value")
    not_future: bool = Field(default=False, description="date: not after the day it is entered")
    default: str = Field(
        default="",
        max_length=30,
        description="choice / bool: the value the form starts with (one of the choices; 是 or 否)",
    )

    @field_validator("choices")
    @classmethod
    def _unique_choices(cls, choices: list[str]) -> list[str]:
        dup = _first_duplicate(choices)
        if dup:
            raise _error(f"选项“{dup[1]}”重复", dup[0])
        return choices

    @model_validator(mode="after")
    def _choices_match_kind(self) -> FormFieldModel:
        if self.kind is FieldKind.CHOICE and len(self.choices) < 2:
            raise _error("选择型字段至少要有两个选项（choices）")
        if self.kind is not FieldKind.CHOICE and self.choices:
            raise _error("只有选择型字段（choice）才能有选项")
        numeric = self.kind in (FieldKind.INTEGER, FieldKind.MONEY)
        if (self.minimum is not None or self.maximum is not None) and not numeric:
            raise _error("只有整数或金额字段才能有取值范围（minimum/maximum）")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise _error("取值范围的下限大于上限")
        if self.not_future and self.kind is not FieldKind.DATE:
            raise _error("只有日期字段才能限定不晚于今天（not_future）")
        self._check_default()
        return self

    def _check_default(self) -> None:
        if not self.default:
            return
        if self.kind is FieldKind.CHOICE and self.default not in self.choices:
            raise _error(f"默认值“{self.default}”不在选项（choices）中")
        if self.kind is FieldKind.BOOL and self.default not in ("是", "否"):
            raise _error("是否型字段的默认值只能是“是”或“否”")
        if self.kind not in (FieldKind.CHOICE, FieldKind.BOOL):
            raise _error("只有选择型或是否型字段才能有默认值（default）")


class MatterModel(_Strict):
    """One matter (事项) as written in a matters/<dept>.yaml file."""

    code: str = Field(pattern=MATTER_CODE, description="<DEPT>-<NNN>, e.g. MZ-001")
    name: str = Field(min_length=1, max_length=60)
    department: str = Field(min_length=1, max_length=10)
    category: str = Field(min_length=1, max_length=20)
    case_type: CaseTypeField
    legal_days: int | None = Field(ge=1, le=365)
    promised_days: int = Field(ge=0, le=365)
    service_group: str = Field(pattern=GROUP_CODE)
    deciding_body: str = Field(min_length=1, max_length=120)
    fee: str = Field(default="不收费", min_length=1, max_length=60)
    conditions: list[LongText] = Field(default_factory=list, max_length=20)
    procedure: list[LongText] = Field(default_factory=list, max_length=20)
    materials: list[MaterialModel] = Field(default_factory=list, max_length=40)
    form_fields: list[FormFieldModel] = Field(default_factory=list, max_length=40)
    co_departments: list[Annotated[str, Field(min_length=1, max_length=10)]] = Field(
        default_factory=list, max_length=5
    )
    legal_basis: list[LongText] = Field(default_factory=list, max_length=20)
    keywords: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list, max_length=30
    )
    form_layout: str | None = Field(default=None, pattern=LAYOUT_NAME)
    sources: list[LongText] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=800)

    @field_validator("department")
    @classmethod
    def _known_department(cls, department: str, info: ValidationInfo) -> str:
        code = info.data.get("code")
        if isinstance(code, str) and re.match(MATTER_CODE, code):
            expected = DEPARTMENTS.get(code[:2])
            if expected is None:
                raise _error(f"事项编码前缀 {code[:2]} 不对应任何已知部门")
            if department != expected:
                raise _error(f"事项编码 {code} 属于“{expected}”，与部门“{department}”不符")
        elif department not in DEPARTMENTS.values():
            raise _error(f"未知部门“{department}”")
        return department

    @field_validator("promised_days")
    @classmethod
    def _promise_within_law(cls, promised: int, info: ValidationInfo) -> int:
        legal = info.data.get("legal_days")
        if legal is not None and promised > legal:
            raise _error(f"承诺时限 {promised} 个工作日超过法定时限 {legal} 个工作日")
        return promised

    @field_validator("service_group")
    @classmethod
    def _group_exists(cls, group: str, info: ValidationInfo) -> str:
        groups = (info.context or {}).get("service_groups")
        if groups is not None and group not in groups:
            known = "、".join(sorted(groups))
            raise _error(f"服务分组 {group} 未在目录发布信息中定义（已有：{known}）")
        return group

    @field_validator("materials")
    @classmethod
    def _unique_materials(cls, materials: list[MaterialModel]) -> list[MaterialModel]:
        dup = _first_duplicate([m.code for m in materials])
        if dup:
            raise _error(f"材料编码 {dup[1]} 在本事项内重复", dup[0])
        dup = _first_duplicate([m.name for m in materials])
        if dup:
            raise _error(f"材料“{dup[1]}”在本事项内重复", dup[0])
        return materials

    @field_validator("form_fields")
    @classmethod
    def _unique_fields(cls, fields: list[FormFieldModel]) -> list[FormFieldModel]:
        dup = _first_duplicate([f.key for f in fields])
        if dup:
            raise _error(f"表单字段键 {dup[1]} 在本事项内重复", dup[0])
        return fields

    @field_validator("co_departments")
    @classmethod
    def _known_partners(cls, others: list[str]) -> list[str]:
        for i, other in enumerate(others):
            if other not in DEPARTMENTS.values():
                raise _error(f"未知协办部门“{other}”", i)
        return others

    @model_validator(mode="after")
    def _joint_has_partners(self) -> MatterModel:
        if self.case_type is CaseType.JOINT and not self.co_departments:
            raise _error("联办件须填写协办部门（co_departments）")
        if self.department in self.co_departments:
            raise _error("协办部门不能包含牵头部门本身")
        if self.case_type is CaseType.IMMEDIATE and self.promised_days > 1:
            raise _error("即办件的承诺时限不能超过 1 个工作日")
        return self


class MattersFileModel(_Strict):
    """A matters/<dept>.yaml file: the matters of one department."""

    model_config = ConfigDict(title="MattersFile")

    matters: list[MatterModel] = Field(min_length=1, max_length=200)

    @field_validator("matters")
    @classmethod
    def _unique_codes(cls, matters: list[MatterModel]) -> list[MatterModel]:
        dup = _first_duplicate([m.code for m in matters])
        if dup:
            raise _error(f"事项编码 {dup[1]} 在本文件内重复", dup[0])
        return matters


def catalogue_json_schema() -> dict[str, Any]:
    """The JSON Schema of both catalogue file kinds, generated from the models."""
    publication = PublicationModel.model_json_schema()
    matters = MattersFileModel.model_json_schema()
    defs: dict[str, Any] = {}
    for schema in (publication, matters):
        defs.update(schema.pop("$defs", {}))
    defs["CataloguePublication"] = publication
    defs["MattersFile"] = matters
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "OneWindow matter catalogue (事项目录)",
        "description": "publication.yaml: CataloguePublication; matters/*.yaml: MattersFile.",
        "anyOf": [
            {"$ref": "#/$defs/CataloguePublication"},
            {"$ref": "#/$defs/MattersFile"},
        ],
        "$defs": dict(sorted(defs.items())),
    }


def render_json_schema() -> str:
    """The schema.json text exactly as it is kept on disk."""
    return json.dumps(catalogue_json_schema(), ensure_ascii=False, indent=2) + "\n"


def write_json_schema(path: Path | None = None) -> Path:
    """Write schema.json (default resources/catalogue/schema.json) and return its path."""
    if path is None:
        from app.resources import resource_path

        path = resource_path("catalogue", "schema.json")
    path.write_text(render_json_schema(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover - `python -m app.catalogue.schema`
    print(write_json_schema())
