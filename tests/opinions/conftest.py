"""Fixtures of the opinion tests: the app with the shipped default (the city's and the office's
decisions need a 审批意见; the rest of the suite runs without it), people signed in, database work."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.api.conftest import Api
from tests.conftest import make_config
from tests.screens.people import inapp, person  # noqa: F401  (the screen tests' fixtures)
from tests.screens.support import ensure_catalogues


@pytest.fixture(scope="session", autouse=True)
def _catalogues() -> None:
    ensure_catalogues()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as shipped: no ``PLANDESK_OPINION_DEFAULT`` override."""
    application = create_app(make_config(database_url, tmp_path / "storage", PLANDESK_OPINION_DEFAULT=None))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())
