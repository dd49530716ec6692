"""Moved to app.services.bootstrap (the composition root); this name stays only until every
in-flight branch has rebased, then it goes."""

from app.services.bootstrap import Services

__all__ = ["Services"]
