"""The HTTP answer carrying an evidence file: streamed from storage, never read whole into memory."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from app.attachments.operations import OpenedFile


def attachment_response(opened: OpenedFile) -> Response:
    """The file as uploaded, as a download under its stored name (ASCII fallback and UTF-8 name)."""
    att = opened.attachment
    fallback = att.name.encode("ascii", "ignore").decode().replace('"', "") or "download"
    headers = {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(att.name)}",
               "Content-Length": str(opened.size), "ETag": f'"{att.sha256}"',
               "Cache-Control": "private, no-store"}
    # content_type, not mimetype: the stored type may carry its charset, which mimetype would repeat
    return Response(opened.chunks, content_type=att.content_type, headers=headers)
