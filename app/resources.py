"""Where the shipped resources (catalogue, calendar, fonts, form layouts) live, in a checkout or a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The top-level `resources/` folder: beside the package in a checkout, in _MEIPASS when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A path below `resources/`, e.g. resource_path("catalogue", "publication.yaml")."""
    return resources_root().joinpath(*parts)
