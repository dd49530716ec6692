"""Printed documents: reportlab renderers taking plain frozen dataclasses and returning PDF bytes.

The renderer is `app.documents.render.render`, the digest `app.documents.pdf.sha256`; this package
imports neither (reportlab and the code generators are loaded at the first paper, not when the app
starts). The model's types and formatting are plain Python."""

from __future__ import annotations

from app.documents.model import DocumentKind, Paper, format_date_cn, format_document_number

__all__ = ["DocumentKind", "Paper", "format_date_cn", "format_document_number"]
