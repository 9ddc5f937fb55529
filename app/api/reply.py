"""What an endpoint answers (a JSON body, a status, headers) and how it becomes a Flask response."""
from __future__ import annotations

from dataclasses import dataclass, field
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
