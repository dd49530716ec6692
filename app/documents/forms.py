"""Application-form layouts as data (resources/forms/*.yaml): types, loader and validation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from app.documents.model import APPLICANT_FIELD_KEYS
from app.resources import resource_path

FORM_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
LAYOUT_KEYS = {"name", "title", "subtitle", "matter_code", "sections", "notes"}
SECTION_KEYS = {"title", "rows"}
ROW_KEYS = {"cells", "height"}
CELL_KEYS = {
    "label",
    "field",
    "text",
    "handwritten",
    "width",
    "lines",
    "label_width",
    "choices",
    "suffix",
    "footer",
    "align",
}


class LayoutError(ValueError):
    """A form layout file is not valid; `errors` lists every problem as 'file: path: message'."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(f"invalid form layout {source}:\n  " + "\n  ".join(errors))


@dataclass(frozen=True)
class CellLayout:
    """One boxed cell: a label plus a bound field, a fixed text, or a blank box to write in by hand."""

    label: str = ""
    field: str | None = None  # "applicant.name" or "form.<key>"
    text: str | None = None  # fixed text (a declaration), wraps across the cell
    handwritten: bool = False
    width: float = 1.0  # relative share of the row
    lines: int = 1  # minimum lines of text the box holds
    label_width: float | None = None  # mm; None = fit the label
    choices: tuple[str, ...] = ()  # print as tick boxes, the value's one ticked
    suffix: str = ""  # unit after the value (人, 元)
    footer: str = ""  # small text at the box's bottom right (签字：  年  月  日)
    align: str = "left"

    @property
    def form_key(self) -> str | None:
        if self.field and self.field.startswith("form."):
            return self.field[5:]
        return None


@dataclass(frozen=True)
class RowLayout:
    """A row of cells sharing one height (mm, at least)."""

    cells: tuple[CellLayout, ...]
    height: float | None = None


@dataclass(frozen=True)
class SectionLayout:
    """A titled group of rows."""

    title: str
    rows: tuple[RowLayout, ...]


@dataclass(frozen=True)
class FormLayout:
    """A whole application form."""

    name: str
    title: str
    sections: tuple[SectionLayout, ...]
    subtitle: str = ""
    matter_code: str = ""
    notes: tuple[str, ...] = ()
    source: str = ""

    def cells(self) -> Iterable[CellLayout]:
        for s in self.sections:
            for r in s.rows:
                yield from r.cells

    def form_keys(self) -> set[str]:
        """The form-field keys the layout prints."""
        return {k for c in self.cells() if (k := c.form_key)}


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _cell(raw: Any, where: str, errs: list[str], form_keys: set[str] | None) -> CellLayout | None:
    if not isinstance(raw, dict):
        errs.append(f"{where}: a cell must be a mapping")
        return None
    for k in sorted(set(raw) - CELL_KEYS):
        errs.append(f"{where}: unknown key '{k}'")
    kinds = [k for k in ("field", "text") if raw.get(k) is not None]
    if raw.get("handwritten"):
        kinds.append("handwritten")
    if len(kinds) != 1:
        errs.append(
            f"{where}: needs exactly one of field, text, handwritten (has {kinds or 'none'})"
        )
    field = raw.get("field")
    if field is not None:
        if not isinstance(field, str) or "." not in field:
            errs.append(f"{where}.field: '{field}' must be applicant.<name> or form.<key>")
        else:
            scope, key = field.split(".", 1)
            if scope == "applicant":
                if key not in APPLICANT_FIELD_KEYS:
                    errs.append(
                        f"{where}.field: unknown applicant field '{field}' "
                        f"(known: {', '.join(APPLICANT_FIELD_KEYS)})"
                    )
            elif scope == "form":
                if not FORM_KEY.match(key):
                    errs.append(f"{where}.field: bad form key '{key}'")
                elif form_keys is not None and key not in form_keys:
                    errs.append(f"{where}.field: form field '{key}' is not defined for the matter")
            else:
                errs.append(f"{where}.field: '{field}' must start with applicant. or form.")
    for key, check, what in (
        ("label", lambda v: isinstance(v, str), "a string"),
        ("text", lambda v: isinstance(v, str) and v.strip(), "a non-empty string"),
        ("width", lambda v: _num(v) and v > 0, "a positive number"),
        (
            "lines",
            lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 30,
            "an integer 1–30",
        ),
        ("label_width", lambda v: _num(v) and 0 <= v <= 120, "a number of mm 0–120"),
        ("suffix", lambda v: isinstance(v, str), "a string"),
        ("footer", lambda v: isinstance(v, str), "a string"),
        ("align", lambda v: v in ("left", "centre"), "left or centre"),
        ("handwritten", lambda v: isinstance(v, bool), "true or false"),
        (
            "choices",
            lambda v: isinstance(v, list) and v and all(isinstance(x, str) for x in v),
            "a non-empty list of strings",
        ),
    ):
        if key in raw and raw[key] is not None and not check(raw[key]):
            errs.append(f"{where}.{key}: must be {what}")
    if raw.get("choices") and field is None:
        errs.append(f"{where}.choices: only a field cell can have choices")
    if (field is not None or raw.get("handwritten")) and not raw.get("label"):
        errs.append(f"{where}.label: a field or handwritten cell needs a label")
    if errs and any(e.startswith(where) for e in errs):
        return None
    return CellLayout(
        label=raw.get("label", ""),
        field=field,
        text=raw.get("text"),
        handwritten=bool(raw.get("handwritten", False)),
        width=float(raw.get("width", 1)),
        lines=int(raw.get("lines", 1)),
        label_width=float(raw["label_width"]) if raw.get("label_width") is not None else None,
        choices=tuple(raw.get("choices") or ()),
        suffix=raw.get("suffix", ""),
        footer=raw.get("footer", ""),
        align=raw.get("align", "left"),
    )


def parse_layout(
    raw: Any, source: str = "<layout>", form_keys: Iterable[str] | None = None
) -> FormLayout:
    """Validate a decoded YAML layout and build it; raise LayoutError listing every problem."""
    errs: list[str] = []
    keys = set(form_keys) if form_keys is not None else None
    if not isinstance(raw, dict):
        raise LayoutError(source, [f"{source}: the layout must be a mapping"])
    for k in sorted(set(raw) - LAYOUT_KEYS):
        errs.append(f"{source}: unknown key '{k}'")
    for k in ("name", "title"):
        if not isinstance(raw.get(k), str) or not raw.get(k):
            errs.append(f"{source}: {k}: required string")
    stem = Path(source).stem
    if source.endswith(".yaml") and isinstance(raw.get("name"), str) and raw["name"] != stem:
        errs.append(f"{source}: name: '{raw['name']}' differs from the file name '{stem}'")
    notes = raw.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        errs.append(f"{source}: notes: must be a list of strings")
        notes = []
    sections: list[SectionLayout] = []
    raw_sections = raw.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        errs.append(f"{source}: sections: required non-empty list")
        raw_sections = []
    for si, s in enumerate(raw_sections):
        sw = f"{source}: sections[{si}]"
        if not isinstance(s, dict):
            errs.append(f"{sw}: must be a mapping")
            continue
        for k in sorted(set(s) - SECTION_KEYS):
            errs.append(f"{sw}: unknown key '{k}'")
        rows: list[RowLayout] = []
        raw_rows = s.get("rows")
        if not isinstance(raw_rows, list) or not raw_rows:
            errs.append(f"{sw}.rows: required non-empty list")
            raw_rows = []
        for ri, r in enumerate(raw_rows):
            rw = f"{sw}.rows[{ri}]"
            height = None
            if isinstance(r, dict):
                for k in sorted(set(r) - ROW_KEYS):
                    errs.append(f"{rw}: unknown key '{k}'")
                height = r.get("height")
                if height is not None and not (_num(height) and 5 <= height <= 200):
                    errs.append(f"{rw}.height: must be a number of mm 5–200")
                    height = None
                r = r.get("cells")
            if not isinstance(r, list) or not r:
                errs.append(f"{rw}.cells: required non-empty list")
                continue
            cells = [_cell(c, f"{rw}.cells[{ci}]", errs, keys) for ci, c in enumerate(r)]
            rows.append(
                RowLayout(
                    tuple(c for c in cells if c is not None),
                    float(height) if height is not None else None,
                )
            )
        sections.append(SectionLayout(str(s.get("title") or ""), tuple(rows)))
    if errs:
        raise LayoutError(source, errs)
    return FormLayout(
        name=raw["name"],
        title=raw["title"],
        sections=tuple(sections),
        subtitle=str(raw.get("subtitle") or ""),
        matter_code=str(raw.get("matter_code") or ""),
        notes=tuple(notes),
        source=source,
    )


def load_layout_file(path: Path, form_keys: Iterable[str] | None = None) -> FormLayout:
    """Load and validate one layout file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise LayoutError(path.name, [f"{path.name}: not valid YAML: {e}"]) from e
    return parse_layout(raw, path.name, form_keys)


def forms_dir() -> Path:
    """Where the shipped layouts live."""
    return resource_path("forms")


@lru_cache(maxsize=64)
def load_layout(name: str) -> FormLayout:
    """The shipped layout called `name` (resources/forms/<name>.yaml)."""
    if not FORM_KEY.match(name):
        raise LayoutError(name, [f"{name}: not a layout name"])
    path = forms_dir() / f"{name}.yaml"
    if not path.is_file():
        raise LayoutError(name, [f"{name}: no layout file {path.name}"])
    return load_layout_file(path)


def available_layouts() -> list[str]:
    """Names of the shipped layouts."""
    return sorted(p.stem for p in forms_dir().glob("*.yaml"))
