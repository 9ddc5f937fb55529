"""Fixtures of the reliability tests: a fresh PostgreSQL database per test and a multi-worker gunicorn
serving it on loopback (stopped, process group and all, whatever the test does). Each test is also
cut off after TEST_SECONDS by an alarm, so a hang fails instead of blocking the run."""
from __future__ import annotations

import signal
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import psycopg
import pytest
from flask import Flask

from app import create_app
from tests.conftest import make_config, pg_create, pg_drop, pg_url
from tests.reliability.server import GUNICORN, Server, free_port

TEST_SECONDS = 60
WORKERS = 4


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    """Fail a test still running after TEST_SECONDS (fixture finalizers still run)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"reliability test exceeded {TEST_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def rel_db(pg_template: str) -> Iterator[str]:
    """A fresh database copied from the migrated template (plan and demo accounts loaded)."""
    name = f"plandesk_rel_{uuid.uuid4().hex[:12]}"
    pg_create(name, pg_template)
    try:
        yield name
    finally:
        pg_drop(name)


def dsn(dbname: str) -> str:
    """A plain psycopg URL of a test database."""
    return pg_url(dbname).replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def sql(rel_db: str) -> Iterator[psycopg.Connection]:
    """An autocommit psycopg connection to the test database, for setting up and checking."""
    with psycopg.connect(dsn(rel_db), autocommit=True, connect_timeout=5) as conn:
        conn.execute("SET statement_timeout = '20s'")
        yield conn


@pytest.fixture
def setup_app(rel_db: str, tmp_path: Path) -> Iterator[Flask]:
    """An in-process app on the same database and storage, to arrange items before the server acts."""
    from app.extensions import db

    application = create_app(make_config(pg_url(rel_db), tmp_path / "storage"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def server(rel_db: str, tmp_path: Path) -> Iterator[Server]:
    """``gunicorn -w 4 wsgi:app`` with the production configuration, on a free 127.0.0.1 port."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the reliability tests read /proc to find gunicorn workers (Linux only)")
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed in the virtualenv ({GUNICORN})")
    for attempt in (1, 2):  # the free port may be taken between choosing it and gunicorn binding it
        srv = Server(port=free_port(), workers=WORKERS, dbname=rel_db, storage=tmp_path / "storage",
                     access_log=tmp_path / f"gunicorn-access-{attempt}.log",
                     error_log=tmp_path / f"gunicorn-error-{attempt}.log")
        try:
            srv.start(pg_url(rel_db))
        except AssertionError as exc:
            srv.stop()
            if attempt == 1 and "Address already in use" in str(exc):
                continue
            raise
        break
    try:
        yield srv
    finally:
        srv.stop()
