"""Load and check the matter catalogue YAML; every problem comes with its file, line and field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from app.catalogue.schema import (
    MatterModel,
    MattersFileModel,
    PublicationModel,
)
from app.catalogue.specs import group_spec, to_spec
from app.domain.catalogue import (
    CataloguePublication,
)
from app.resources import resource_path

PUBLICATION_FILE = "publication.yaml"
MATTERS_DIR = "matters"

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class CatalogueIssue:
    """One problem in a catalogue file; `line` is 1-based, `field` a dotted path."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class CatalogueError(Exception):
    """The catalogue could not be loaded; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[CatalogueIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(str(i) for i in self.issues[:20])
        more = f"\n…另有 {len(self.issues) - 20} 处问题" if len(self.issues) > 20 else ""
        super().__init__(f"事项目录有 {len(self.issues)} 处问题：\n{lines}{more}")


def field_path(loc: Loc) -> str:
    """('matters', 3, 'materials', 1, 'copies') -> 'matters[3].materials[1].copies'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(文件)"


# --- YAML with positions -------------------------------------------------------------------


@dataclass
class _Parsed:
    file: str
    node: yaml.Node | None
    data: Any


def _parse(path: Path, issues: list[CatalogueIssue]) -> _Parsed | None:
    """Parse one YAML file keeping its node tree; syntax errors become issues."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        issues.append(CatalogueIssue(name, 1, "(文件)", f"无法读取文件：{exc.strerror or exc}"))
        return None
    except UnicodeDecodeError:
        issues.append(CatalogueIssue(name, 1, "(文件)", "文件不是 UTF-8 编码"))
        return None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "无法解析"
        issues.append(CatalogueIssue(name, line, "(文件)", f"YAML 语法错误：{problem}"))
        return None
    except yaml.YAMLError as exc:
        issues.append(CatalogueIssue(name, 1, "(文件)", f"YAML 语法错误：{exc}"))
        return None
    finally:
        loader.dispose()
    _check_duplicate_keys(name, node, (), issues)
    return _Parsed(name, node, data)


def _check_duplicate_keys(
    file: str, node: yaml.Node | None, loc: Loc, issues: list[CatalogueIssue]
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            k = key.value
            if k in seen:
                issues.append(
                    CatalogueIssue(
                        file,
                        key.start_mark.line + 1,
                        field_path((*loc, k)),
                        f"键 {k} 重复（第 {seen[k]} 行已出现），后者会覆盖前者",
                    )
                )
            else:
                seen[k] = key.start_mark.line + 1
            _check_duplicate_keys(file, value, (*loc, k), issues)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicate_keys(file, item, (*loc, i), issues)


def line_of(node: yaml.Node | None, loc: Loc) -> int:
    """The 1-based line of the deepest node along `loc` (a mapping entry's key line)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.value == part:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


# --- pydantic errors in Chinese --------------------------------------------------------------


def _message(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    simple = {
        "missing": "缺少必填项",
        "extra_forbidden": "不认识的键（可能拼写错误）",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "string_type": "应为文本（字符串）",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "list_type": "应为列表",
        "dict_type": "应为键值映射",
        "model_type": "应为键值映射",
        "model_attributes_type": "应为键值映射",
        "date_type": "应为日期（如 2026-11-01）",
        "date_parsing": "应为日期（如 2026-11-01）",
        "date_from_datetime_parsing": "应为日期（如 2026-11-01）",
        "none_required": "应为空",
    }
    if kind == "catalogue":
        return str(ctx.get("message", err["msg"]))
    if kind in simple:
        text = simple[kind]
        if kind not in ("missing", "extra_forbidden") and given is not None:
            text += f"，实际为 {given!r}"
        return text
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字"
    if kind == "string_too_long":
        return f"过长：最多 {ctx.get('max_length')} 个字"
    if kind == "string_pattern_mismatch":
        return f"格式不对：{given!r} 不符合 {ctx.get('pattern')}"
    if kind == "too_short":
        return f"至少要有 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("greater_than_equal", "greater_than"):
        return f"应不小于 {ctx.get('ge', ctx.get('gt'))}，实际为 {given!r}"
    if kind in ("less_than_equal", "less_than"):
        return f"应不大于 {ctx.get('le', ctx.get('lt'))}，实际为 {given!r}"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", ", ")
        return f"应为以下之一：{expected}，实际为 {given!r}"
    return f"取值无效：{err['msg']}"


def _validate(
    model: type[BaseModel],
    parsed: _Parsed,
    issues: list[CatalogueIssue],
    context: dict[str, Any] | None = None,
) -> Any:
    try:
        return model.model_validate(parsed.data, context=context)
    except PydanticValidationError as exc:
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            index = (err.get("ctx") or {}).get("index")
            if isinstance(index, int):
                loc = (*loc, index)
            issues.append(
                CatalogueIssue(
                    parsed.file, line_of(parsed.node, loc), field_path(loc), _message(err)
                )
            )
        return None


# --- the catalogue as a whole --------------------------------------------------------------


def _read_publication(path: Path, issues: list[CatalogueIssue]) -> PublicationModel | None:
    if not path.is_file():
        issues.append(
            CatalogueIssue(str(path), 1, "(文件)", "缺少目录发布信息文件 publication.yaml")
        )
        return None
    parsed = _parse(path, issues)
    if parsed is None:
        return None
    result: PublicationModel | None = _validate(PublicationModel, parsed, issues)
    return result


def _read_matters(
    path: Path,
    groups: set[str] | None,
    issues: list[CatalogueIssue],
    seen: dict[str, tuple[str, int, str]],
) -> list[MatterModel]:
    """Validate one matters file; a code already `seen` elsewhere is reported at both places."""
    parsed = _parse(path, issues)
    if parsed is None:
        return []
    doc: MattersFileModel | None = _validate(
        MattersFileModel, parsed, issues, {"service_groups": groups}
    )
    if doc is None:
        return []
    kept: list[MatterModel] = []
    for i, matter in enumerate(doc.matters):
        line = line_of(parsed.node, ("matters", i, "code"))
        here = f"matters[{i}].code"
        if matter.code in seen:
            other_file, other_line, other_field = seen[matter.code]
            issues.append(
                CatalogueIssue(
                    parsed.file,
                    line,
                    here,
                    f"事项编码 {matter.code} 重复，另见 {other_file}:{other_line}",
                )
            )
            issues.append(
                CatalogueIssue(
                    other_file,
                    other_line,
                    other_field,
                    f"事项编码 {matter.code} 重复，另见 {parsed.file}:{line}",
                )
            )
            continue
        seen[matter.code] = (parsed.file, line, here)
        kept.append(matter)
    return kept


def _load(root: Path) -> tuple[CataloguePublication | None, list[CatalogueIssue]]:
    issues: list[CatalogueIssue] = []
    header = _read_publication(root / PUBLICATION_FILE, issues)
    groups = {g.code for g in header.service_groups} if header is not None else None
    folder = root / MATTERS_DIR
    files = sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []
    if not files:
        issues.append(CatalogueIssue(str(folder), 1, "(文件)", "没有找到事项文件 matters/*.yaml"))
    seen: dict[str, tuple[str, int, str]] = {}
    matters: list[MatterModel] = []
    for path in files:
        matters.extend(_read_matters(path, groups, issues, seen))
    issues.sort(key=lambda i: (i.file, i.line))
    if issues or header is None:
        return None, issues
    publication = CataloguePublication(
        version=header.version,
        published_on=header.published_on,
        publisher=header.publisher,
        service_groups=tuple(group_spec(g) for g in header.service_groups),
        matters=tuple(to_spec(m) for m in sorted(matters, key=lambda m: m.code)),
    )
    return publication, issues


def default_root() -> Path:
    """The shipped catalogue folder, resources/catalogue."""
    return resource_path("catalogue")


def load_publication(root: Path | None = None) -> CataloguePublication:
    """Load the catalogue folder `root` (default: the shipped one); CatalogueError on any issue."""
    publication, issues = _load(root if root is not None else default_root())
    if issues or publication is None:
        raise CatalogueError(issues)
    return publication


def check_catalogue(path: Path) -> list[CatalogueIssue]:
    """Every issue of a catalogue folder, or of one YAML file (against the shipped groups)."""
    path = Path(path)
    if path.is_dir():
        return _load(path)[1]
    issues: list[CatalogueIssue] = []
    if not path.is_file():
        return [CatalogueIssue(str(path), 1, "(文件)", "文件或目录不存在")]
    if path.name == PUBLICATION_FILE:
        _read_publication(path, issues)
        return issues
    shipped: list[CatalogueIssue] = []
    header = _read_publication(default_root() / PUBLICATION_FILE, shipped)
    groups = {g.code for g in header.service_groups} if header is not None else None
    _read_matters(path, groups, issues, {})
    issues.sort(key=lambda i: i.line)
    return shipped + issues
