"""Shared fixtures.

Database tests take the ``app`` fixture, parametrized over SQLite and PostgreSQL: each test gets a
fresh database copied from a template that was migrated from empty, loaded with the Lu'an plan and
seeded with the demo accounts once per run. The PostgreSQL half is skipped, with the reason, when no
server is reachable; under CI (CI=true) an unreachable server fails the run instead.

Two settings serve `make mutate` (bench/mutate.py), where every mutant is a fresh pytest run:
``PLANDESK_TEST_BACKENDS=sqlite`` runs the SQLite half only, and ``PLANDESK_TEST_SQLITE_TEMPLATE``
names a template database built once beforehand instead of once per run. Under mutation testing,
each mutant runs only the tests that bench/mutation_targets.yaml maps its module to.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import TestConfig
from tests.mutation_scope import deselect_out_of_scope

DEMO_PASSWORD = "plandesk2018"
TODAY = date(2018, 7, 10)
PG_ADMIN_URL = os.environ.get("PLANDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = tuple(os.environ.get("PLANDESK_TEST_BACKENDS", "sqlite,postgresql").split(","))


def make_config(database_url: str, storage: Path, **extra: object) -> TestConfig:
    cfg = TestConfig()
    cfg.SQLALCHEMY_DATABASE_URI = database_url
    cfg.PLANDESK_STORAGE_DIR = str(storage)
    cfg.PLANDESK_TODAY = TODAY
    for key, value in extra.items():
        setattr(cfg, key, value)
    return cfg


def build_database(database_url: str, storage: Path) -> None:
    """Migrate an empty database to head, load the shipped plan, seed the demo accounts."""
    from flask_migrate import upgrade

    from app.auth.operations import seed_demo_accounts
    from app.extensions import db
    from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file

    app = create_app(make_config(database_url, storage))
    with app.app_context():
        upgrade()
        load_plan_file(DEFAULT_PLAN_FILE)
        seed_demo_accounts(DEMO_PASSWORD)
        db.session.commit()
        db.engine.dispose()


# -- PostgreSQL -------------------------------------------------------------------------------

def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_available() -> str:
    """The admin URL of a reachable PostgreSQL server, or a skip naming the missing server."""
    try:
        with _pg_admin() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001  (any failure to connect means: no server here)
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}: {str(exc).strip()[:120]})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run the PostgreSQL half")
        pytest.skip(reason)
    return PG_ADMIN_URL


def pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


def pg_create(dbname: str, template: str | None = None) -> None:
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"' + (f' TEMPLATE "{template}"' if template else ""))


def pg_drop(dbname: str) -> None:
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template(pg_available: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = f"plandesk_tpl_{uuid.uuid4().hex[:10]}"
    pg_create(name)
    try:
        build_database(pg_url(name), tmp_path_factory.mktemp("pg_tpl_storage"))
        yield name
    finally:
        pg_drop(name)


# -- SQLite -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prebuilt = os.environ.get("PLANDESK_TEST_SQLITE_TEMPLATE")
    if prebuilt:
        return Path(prebuilt)
    folder = tmp_path_factory.mktemp("sqlite_tpl")
    path = folder / "template.sqlite3"
    build_database(f"sqlite:///{path}", folder / "storage")
    return path


@pytest.fixture
def sqlite_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """A fresh SQLite instance only (for tests about the surface, not the backend: fuzz, browser)."""
    from app.extensions import db

    target = tmp_path / "plandesk-sqlite.sqlite3"
    shutil.copyfile(sqlite_template, target)
    application = create_app(make_config(f"sqlite:///{target}", tmp_path / "storage"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


# -- the per-test app -------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "plandesk.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"plandesk_t_{uuid.uuid4().hex[:12]}"
    pg_create(name, template_name)
    try:
        yield pg_url(name)
    finally:
        pg_drop(name)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    from app.extensions import db

    application = create_app(make_config(database_url, tmp_path / "storage"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context (for tests that call operations directly)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Auth:
    """Signs in through the real form, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = DEMO_PASSWORD):
        from tests.helpers import csrf_token

        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `make mutate`, keep only the tests mapped to the module of the mutant being run."""
    deselect_out_of_scope(config, items)


from tests.factories import new_application  # noqa: E402,F401  (fixture shared by every test folder)
