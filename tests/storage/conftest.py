"""An app whose stored files live in the database (PLANDESK_STORAGE=database), on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from tests.api.conftest import Api
from tests.conftest import make_config


@pytest.fixture
def db_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    from app.extensions import db

    application = create_app(make_config(database_url, tmp_path / "storage", PLANDESK_STORAGE="database"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_api(db_app: Flask) -> Api:
    return Api(db_app.test_client())


def local_files(app: Flask) -> list[Path]:
    """Files the local storage would hold (there must be none in database mode)."""
    return [p for p in Path(app.config["PLANDESK_STORAGE_DIR"]).glob("??/*") if p.is_file()]
