"""Fixtures for the document tests: every kind rendered once from the demo data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Under --import-mode=importlib test folders are not on sys.path; doc_helpers sits beside this file.
sys.path.insert(0, str(Path(__file__).parent))

from app.documents.demo import demo_document
from app.documents.model import DocumentKind
from app.documents.render import render

KINDS = [k.value for k in DocumentKind]


@pytest.fixture(scope="session")
def rendered() -> dict[str, bytes]:
    """kind (plus receipt-80mm) -> PDF bytes of the demo document."""
    out = {}
    for k in DocumentKind:
        data, paper = demo_document(k)
        out[k.value] = render(k, data, paper=paper)
    data, _ = demo_document(DocumentKind.RECEIPT)
    out["receipt-80mm"] = render(DocumentKind.RECEIPT, data, paper="80mm")
    return out
