"""What an endpoint answers (a JSON body, a status, headers) and how it becomes a Flask response."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, jsonify


@dataclass(frozen=True)
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def to_response(reply: Reply | Response) -> Response:
    if isinstance(reply, Response):
        return reply
    if reply.status == 204:
        response = Response(status=204)
    else:
        response = jsonify(reply.body)
        response.status_code = reply.status
    for name, value in reply.headers.items():
        response.headers[name] = value
    return response


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iso_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive values; everything is stored in UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat()
