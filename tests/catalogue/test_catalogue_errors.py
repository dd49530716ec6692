"""Broken catalogues: every problem is reported with its file, line and dotted field path."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from app.catalogue import CatalogueError, CatalogueIssue, check_catalogue, load_publication
from app.resources import resource_path

MATTER = """\
  - code: {code}
    name: 测试事项
    department: 民政
    category: 社会救助
    case_type: 承诺件
    legal_days: 20
    promised_days: 10
    service_group: minzheng_jiuzhu
    deciding_body: 区民政局
    materials:
      - code: M01
        name: 居民身份证
        form: 原件核验
        copies: 1
      - code: M02
        name: 申请书
        form: 原件
        copies: 2
    form_fields:
      - key: reason
        label: 申请理由
        kind: textarea
"""


def matters_text(*codes: str) -> str:
    return "matters:\n" + "".join(MATTER.format(code=c) for c in codes)


def make_root(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "catalogue"
    (root / "matters").mkdir(parents=True)
    shutil.copy(resource_path("catalogue", "publication.yaml"), root / "publication.yaml")
    for name, text in files.items():
        (root / "matters" / name).write_text(text, encoding="utf-8")
    return root


def line_containing(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def only(issues: list[CatalogueIssue]) -> CatalogueIssue:
    assert len(issues) == 1, [str(i) for i in issues]
    return issues[0]


def test_valid_fixture_loads(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"mz.yaml": matters_text("MZ-101", "MZ-102")})
    publication = load_publication(root)
    assert [m.code for m in publication.matters] == ["MZ-101", "MZ-102"]
    assert publication.matter("MZ-102").materials[1].copies == 2


def test_wrong_type_reports_file_line_and_field(tmp_path: Path) -> None:
    text = matters_text("MZ-101", "MZ-102").replace("copies: 2", "copies: 两份", 2)
    root = make_root(tmp_path, {"mz.yaml": text})
    issues = check_catalogue(root)
    assert len(issues) == 2
    first = issues[0]
    assert first.file == str(root / "matters" / "mz.yaml")
    assert first.line == line_containing(text, "copies: 两份")
    assert first.field == "matters[0].materials[1].copies"
    assert "整数" in first.message
    assert issues[1].field == "matters[1].materials[1].copies"
    assert issues[1].line == line_containing(text, "copies: 两份", 2)
    assert str(first) == f"{first.file}:{first.line}: {first.field}: {first.message}"


def test_missing_required_key(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace("    deciding_body: 区民政局\n", "")
    path = tmp_path / "mz.yaml"
    path.write_text(text, encoding="utf-8")
    issue = only(check_catalogue(path))
    assert issue.file == str(path)
    assert issue.field == "matters[0].deciding_body"
    assert issue.line == line_containing(text, "- code: MZ-101")
    assert "缺少" in issue.message


def test_unknown_key(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace("    category:", "    catagory: 拼错\n    category:")
    path = tmp_path / "mz.yaml"
    path.write_text(text, encoding="utf-8")
    issue = only(check_catalogue(path))
    assert (issue.line, issue.field) == (line_containing(text, "catagory"), "matters[0].catagory")


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace("    name: 测试事项", "    name: [测试事项")
    root = make_root(tmp_path, {"mz.yaml": text})
    issue = only(check_catalogue(root))
    assert issue.file == str(root / "matters" / "mz.yaml")
    assert "YAML" in issue.message
    bad = line_containing(text, "name: [测试事项")
    assert bad <= issue.line <= bad + 2


def test_duplicate_code_across_files_reports_both(tmp_path: Path) -> None:
    first, second = matters_text("MZ-101", "MZ-102"), matters_text("MZ-102")
    root = make_root(tmp_path, {"a.yaml": first, "b.yaml": second})
    issues = check_catalogue(root)
    places = {(Path(i.file).name, i.line, i.field) for i in issues}
    assert places == {
        ("a.yaml", line_containing(first, "code: MZ-102"), "matters[1].code"),
        ("b.yaml", line_containing(second, "code: MZ-102"), "matters[0].code"),
    }
    assert all("MZ-102" in i.message for i in issues)
    with pytest.raises(CatalogueError) as caught:
        load_publication(root)
    assert len(caught.value.issues) == 2


def test_promise_longer_than_law(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace("promised_days: 10", "promised_days: 30")
    path = tmp_path / "mz.yaml"
    path.write_text(text, encoding="utf-8")
    issue = only(check_catalogue(path))
    assert issue.field == "matters[0].promised_days"
    assert issue.line == line_containing(text, "promised_days: 30")
    assert "超过法定时限" in issue.message


def test_unknown_service_group(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace("minzheng_jiuzhu", "no_such_group")
    path = tmp_path / "mz.yaml"
    path.write_text(text, encoding="utf-8")
    issue = only(check_catalogue(path))
    assert (issue.field, issue.line) == ("matters[0].service_group", 9)


def test_duplicate_material_code_points_at_the_item(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace("code: M02", "code: M01")
    path = tmp_path / "mz.yaml"
    path.write_text(text, encoding="utf-8")
    issue = only(check_catalogue(path))
    assert issue.field == "matters[0].materials[1]"
    assert issue.line == line_containing(text, "code: M01", 2)


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = (
        matters_text("MZ-101", "MZ-102", "MZ-103")
        .replace("case_type: 承诺件", "case_type: 快办件", 1)
        .replace("code: MZ-102", "code: mz-102")
        .replace("kind: textarea", "kind: choice")
        .replace("    name: 测试事项", "    name: 测试事项\n    name: 重复的名称", 1)
    )
    path = tmp_path / "mz.yaml"
    path.write_text(text, encoding="utf-8")
    issues = check_catalogue(path)
    fields = {i.field for i in issues}
    assert "matters[0].case_type" in fields
    assert "matters[1].code" in fields
    assert "matters[0].name" in fields  # duplicate YAML key
    assert {f"matters[{i}].form_fields[0]" for i in range(3)} <= fields
    assert len(issues) >= 6
    assert all(i.file == str(path) and i.line >= 1 for i in issues)


def test_department_must_match_code(tmp_path: Path) -> None:
    text = matters_text("RS-101")
    path = tmp_path / "rs.yaml"
    path.write_text(text, encoding="utf-8")
    issue = only(check_catalogue(path))
    assert issue.field == "matters[0].department"
    assert "人社" in issue.message


def test_broken_publication(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"mz.yaml": matters_text("MZ-101")})
    publication = root / "publication.yaml"
    text = textwrap.dedent(
        """\
        version: 2026.11
        published_on: 2026-11-02
        publisher: 示范区
        service_groups:
          - {code: minzheng_jiuzhu, prefix: C, name: 民政救助}
          - {code: other, prefix: CC, name: 其他}
        """
    )
    publication.write_text(text, encoding="utf-8")
    fields = {(i.field, i.line) for i in check_catalogue(root)}
    assert ("version", 1) in fields  # unquoted: a float, not text
    assert ("service_groups[1].prefix", 6) in fields
    assert check_catalogue(publication) != []


def test_missing_files(tmp_path: Path) -> None:
    issues = check_catalogue(tmp_path)
    assert {Path(i.file).name for i in issues} == {"publication.yaml", "matters"}
    with pytest.raises(CatalogueError, match="事项目录有 2 处问题"):
        load_publication(tmp_path)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("kind: choice\n        choices: [甲, 乙]\n        default: 丙", "不在选项"),
        ("kind: bool\n        default: 对", "只能是“是”或“否”"),
        ("kind: textarea\n        default: 无", "只有选择型或是否型"),
    ],
)
def test_a_field_default_must_be_one_of_its_values(
    tmp_path: Path, field: str, message: str
) -> None:
    text = matters_text("MZ-101").replace("kind: textarea", field)
    issue = only(check_catalogue(make_root(tmp_path, {"mz.yaml": text})))
    assert issue.field.startswith("matters[0].form_fields[0]") and message in issue.message


def test_a_choice_default_reaches_the_matter_spec(tmp_path: Path) -> None:
    text = matters_text("MZ-101").replace(
        "kind: textarea", "kind: choice\n        choices: [甲, 乙]\n        default: 乙"
    )
    publication = load_publication(make_root(tmp_path, {"mz.yaml": text}))
    assert publication.matter("MZ-101").form_fields[0].default == "乙"
