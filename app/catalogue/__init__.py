"""The matter catalogue (事项目录): YAML files, their schema and the loader."""

from app.catalogue.loader import CatalogueError, CatalogueIssue, check_catalogue, load_publication

__all__ = ["CatalogueError", "CatalogueIssue", "check_catalogue", "load_publication"]
