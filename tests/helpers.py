"""Small helpers shared by tests."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def in_app(app: Flask, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` inside an app context, committed; the session is removed after."""
    from app.extensions import db

    with app.app_context():
        try:
            result = fn(*args)
            db.session.commit()
            return result
        finally:
            db.session.remove()
