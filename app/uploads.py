"""Upload limits and the file types PlanDesk keeps: one definition for the request class, the screens'
error pages, the API's document and the attachment store."""
from __future__ import annotations

from flask import current_app

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
#: room for the multipart envelope and the form's other fields around one file of the largest size
MULTIPART_OVERHEAD = 64 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain; charset=utf-8"


def max_upload() -> int:
    return int(current_app.config.get("PLANDESK_MAX_UPLOAD") or DEFAULT_MAX_UPLOAD)


def request_limit() -> int:
    """The largest request body the screens and the API's uploads accept: one file of
    ``PLANDESK_MAX_UPLOAD`` bytes and its multipart envelope (the one limit of both)."""
    return max_upload() + MULTIPART_OVERHEAD


def size_label(size: int) -> str:
    """``20 MB``, ``512 KB``, ``900 B``: a limit as people read it."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"
