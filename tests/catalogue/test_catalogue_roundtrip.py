"""Generated valid matters survive the trip through YAML and the loader unchanged."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalogue import load_publication
from app.catalogue.loader import to_spec
from app.catalogue.schema import DEPARTMENTS, MatterModel
from app.domain.catalogue import CaseType, FieldKind, MaterialForm
from app.resources import resource_path

GROUPS = ["shebao_yibao", "jiuye_chuangye", "minzheng_jiuzhu", "canlian_weijian", "tuiyi_zonghe"]
cjk = st.text(alphabet="社保民政就业残联补贴申请材料证明表", min_size=1, max_size=12)


@st.composite
def materials(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(0, 4))
    out = []
    for i in range(n):
        required = draw(st.booleans())
        out.append(
            {
                "code": f"M{i + 1:02d}",
                "name": f"材料{i + 1}" + draw(cjk),
                "form": draw(st.sampled_from([f.value for f in MaterialForm])),
                "copies": draw(st.integers(0, 10)),
                "required": required,
                "deferrable": required and draw(st.booleans()),
                "where_to_get": draw(cjk),
            }
        )
    return out


@st.composite
def form_fields(draw: Any) -> list[dict[str, Any]]:
    keys = draw(st.lists(st.from_regex(r"[a-z]{1,6}(_[a-z0-9]{1,4})?", fullmatch=True),
                         max_size=4, unique=True))  # fmt: skip
    out = []
    for key in keys:
        kind = draw(st.sampled_from([k.value for k in FieldKind]))
        item: dict[str, Any] = {"key": key, "label": draw(cjk), "kind": kind}
        if kind == "choice":
            item["choices"] = draw(st.lists(cjk, min_size=2, max_size=5, unique=True))
        out.append(item)
    return out


@st.composite
def matters(draw: Any) -> dict[str, Any]:
    dept_code = draw(st.sampled_from(sorted(DEPARTMENTS)))
    case_type = draw(st.sampled_from([c.value for c in CaseType]))
    legal = draw(st.none() | st.integers(1, 60))
    top = 1 if case_type == "即办件" else (legal if legal is not None else 90)
    matter: dict[str, Any] = {
        "code": f"{dept_code}-{draw(st.integers(0, 999)):03d}",
        "name": draw(cjk),
        "department": DEPARTMENTS[dept_code],
        "category": draw(cjk),
        "case_type": case_type,
        "legal_days": legal,
        "promised_days": draw(st.integers(0, min(top, legal or top))),
        "service_group": draw(st.sampled_from(GROUPS)),
        "deciding_body": draw(cjk),
        "conditions": draw(st.lists(cjk, max_size=3)),
        "materials": draw(materials()),
        "form_fields": draw(form_fields()),
        "keywords": draw(st.lists(cjk, max_size=3)),
        "form_layout": draw(st.none() | st.just("test_layout")),
    }
    if case_type == "联办件":
        others = [d for d in DEPARTMENTS.values() if d != matter["department"]]
        matter["co_departments"] = [draw(st.sampled_from(others))]
    return matter


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matter=matters())
def test_generated_matter_round_trips(matter: dict[str, Any]) -> None:
    expected = to_spec(MatterModel.model_validate(matter))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "matters").mkdir()
        shutil.copy(resource_path("catalogue", "publication.yaml"), root / "publication.yaml")
        text = yaml.safe_dump({"matters": [matter]}, allow_unicode=True, sort_keys=False)
        (root / "matters" / "x.yaml").write_text(text, encoding="utf-8")
        publication = load_publication(root)
    assert publication.matters == (expected,)
    assert asdict(publication.matters[0])["code"] == matter["code"]
