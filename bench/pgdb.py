"""Throw-away PostgreSQL databases for the benchmarks: create, prepare like a fresh install, drop.

``PLANDESK_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) names the server and a
database to connect to for CREATE/DROP DATABASE. Every database made here has a unique name.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ADMIN_URL = os.environ.get("PLANDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def admin() -> Any:
    import psycopg

    return psycopg.connect(ADMIN_URL, autocommit=True)


def plain_url(dbname: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{dbname}"


def sa_url(dbname: str) -> str:
    """The SQLAlchemy URL (psycopg 3 driver) of ``dbname`` on the bench server."""
    return plain_url(dbname).replace("postgresql://", "postgresql+psycopg://", 1)


def server_version() -> str:
    with admin() as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


@contextmanager
def scratch_database(prefix: str, keep: bool = False) -> Iterator[str]:
    """A new empty database named ``prefix_<random>``, dropped (connections and all) on exit."""
    dbname = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield dbname
    finally:
        if not keep:
            with admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def make_app(dbname: str, today: date, storage: Path) -> Any:
    """The app on ``dbname`` (test settings: a fixed secret, pinned today, storage under ``storage``)."""
    from app import create_app
    from app.config import TestConfig

    cfg = TestConfig()
    cfg.SQLALCHEMY_DATABASE_URI = sa_url(dbname)
    cfg.PLANDESK_TODAY = today
    cfg.PLANDESK_STORAGE_DIR = str(storage)
    return create_app(cfg)


def install(app: Any, password: str) -> None:
    """What a fresh install runs: ``db upgrade``, ``plan load``, then the demo accounts as ``demo seed``
    makes them, with one password hash shared by all (``demo seed`` hashes each account's password:
    half a second apiece on a loaded machine, which would be most of a quick run)."""
    from flask_migrate import upgrade

    from app.auth.models import User
    from app.auth.operations import demo_account_specs
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file

    with app.app_context():
        upgrade()
        load_plan_file(DEFAULT_PLAN_FILE)
        hashed = hash_password(password)
        for username, role, unit, name in demo_account_specs():
            db.session.add(User(username=username, display_name=name, role=role.value, unit_id=unit.id,
                                password_hash=hashed, is_active_user=True, session_version=1))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def issue_tokens(app: Any, usernames: list[str]) -> dict[str, str]:
    """A bearer token for each user, as ``POST /api/v1/auth/token`` issues them (without the password check)."""
    from sqlalchemy import select

    from app.auth.tokens import issue_token
    from app.auth.models import User
    from app.extensions import db

    with app.app_context():
        users = db.session.scalars(select(User).where(User.username.in_(usernames))).all()
        tokens = {u.username: issue_token(u).token for u in users}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens
