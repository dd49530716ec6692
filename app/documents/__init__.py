"""Printed documents: reportlab renderers taking plain frozen dataclasses and returning PDF bytes."""

from app.documents.model import DocumentKind, Paper, format_date_cn, format_document_number
from app.documents.pdf import sha256
from app.documents.render import render

__all__ = ["DocumentKind", "Paper", "format_date_cn", "format_document_number", "render", "sha256"]
