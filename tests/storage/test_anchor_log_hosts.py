"""The anchor log with several hosts: each host keeps its own copy outside the database, and every
host's copy receives every signed anchor, whichever host wrote it."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app
from app.audit.operations import anchor_log_path, record_anchor, sync_anchor_log, verify, write_anchor
from app.extensions import db
from app.items.operations import fire_transition
from tests.conftest import make_config
from tests.items.conftest import actor_of, add_evidence


@pytest.fixture
def host_b(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second app host: the same database and keys, its own local directory."""
    application = create_app(make_config(database_url, tmp_path / "host-b-storage"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _log(host: Flask) -> list[str]:
    with host.app_context():
        path = anchor_log_path()
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _record(host: Flask) -> int | None:
    with host.app_context():
        anchor = record_anchor(db.session)
        return anchor.id if anchor else None


def test_every_host_logs_every_anchor(app: Flask, host_b: Flask, new_application) -> None:
    with app.app_context():
        item_id = new_application()
        add_evidence(item_id)
        db.session.commit()
    first = _record(app)
    assert first is not None and len(_log(app)) == 1 and _log(host_b) == []
    with host_b.app_context():
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
        db.session.commit()
    second = _record(host_b)
    assert second == first + 1
    assert _log(host_b) == _log(app) + [_log(host_b)[1]]  # B copied A's anchor before its own
    assert _record(app) is None  # nothing new: A only catches up
    assert _log(app) == _log(host_b) and len(_log(app)) == 2
    for host in (app, host_b):
        with host.app_context():
            result = verify(db.session)
            assert result.ok and result.logged == 2, result.problem
    with app.app_context():  # an anchor removed from the database shows on either host
        for table in ("audit_events", "audit_anchors"):
            if db.engine.dialect.name == "sqlite":
                db.session.execute(text(f"DROP TRIGGER {table}_no_delete"))
            else:
                db.session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
        db.session.execute(text("DELETE FROM audit_anchors WHERE id = :id"), {"id": second})
        db.session.commit()
    for host in (app, host_b):
        with host.app_context():
            result = verify(db.session)
        assert not result.ok and result.problem == f"anchor #{second} of the anchor log is missing from the database"


def test_an_anchor_signed_with_another_key_is_not_copied(app: Flask, host_b: Flask, new_application) -> None:
    with app.app_context():
        new_application()
    _record(app)
    with host_b.app_context():
        new_application(site="小顾店村")
        host_b.config["PLANDESK_AUDIT_KEY"] = "a key this deployment does not use"
        forged = write_anchor(db.session)
        db.session.commit()
        forged_id = forged.id
    with app.app_context():
        assert sync_anchor_log(db.session) == 0
        result = verify(db.session)
    assert len(_log(app)) == 1
    assert not result.ok and result.problem.startswith(f"anchor #{forged_id}: signature does not match")


def test_processes_of_one_host_never_log_an_anchor_twice(app: Flask, new_application) -> None:
    with app.app_context():
        new_application()
        write_anchor(db.session)
        db.session.commit()
        new_application(site="小顾店村")
        write_anchor(db.session)
        db.session.commit()
    start = threading.Barrier(4)
    appended: list[int] = []

    def sync() -> None:
        with app.app_context():
            start.wait(timeout=10)
            appended.append(sync_anchor_log(db.session))
            db.session.remove()

    threads = [threading.Thread(target=sync) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(appended) == [0, 0, 0, 2]
    ids = [json.loads(line)["id"] for line in _log(app)]
    assert len(ids) == 2 and len(set(ids)) == 2


def test_two_anchors_written_at_once_do_not_fork_the_anchor_chain(app: Flask, host_b: Flask, new_application) -> None:
    """Ticks on two hosts at the same moment: the second anchor waits for the first, then finds
    nothing new (two anchors over the same previous one would break the chain for good)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two anchors are never written at once")
    with app.app_context():
        new_application()
    written, first_done = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        with app.app_context():
            results["a"] = write_anchor(db.session) is not None
            written.set()
            first_done.wait(timeout=30)
            db.session.commit()
            db.session.remove()

    def second() -> None:
        with host_b.app_context():
            results["b"] = write_anchor(db.session)
            db.session.commit()
            db.session.remove()

    one = threading.Thread(target=first)
    one.start()
    assert written.wait(timeout=30)
    two = threading.Thread(target=second)
    two.start()
    two.join(timeout=1.5)
    assert two.is_alive(), "the second anchor waits for the first to commit"
    first_done.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert results == {"a": True, "b": None}
    with host_b.app_context():
        assert verify(db.session).ok
