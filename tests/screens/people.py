"""The fixtures every screen-level test package shares: people signed in through the real form, and
database work done in its own app context (so no test transaction holds SQLite's write lock while a
request runs). A package's conftest imports them; each expects that package's ``app`` fixture."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from tests.screens.support import Person


@pytest.fixture
def person(app: Flask) -> Callable[[str], Person]:
    """``person("huoqiu_filer")``: a client signed in as that demo account (same one on a second call)."""
    people: dict[str, Person] = {}

    def get(username: str) -> Person:
        if username not in people:
            people[username] = Person(app, username)
        return people[username]

    return get


@pytest.fixture
def inapp(app: Flask) -> Callable[..., Any]:
    """``inapp(fn, *args)``: run ``fn`` in a fresh app context, commit, and return its (plain) result."""
    def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            finally:
                db.session.remove()
    return call
