"""backup / restore: consistent while serving, identical items, verified audit chain, same files."""
from __future__ import annotations

import hashlib
import io
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from app import create_app
from app.attachments.models import Attachment
from app.attachments.storage import blob_path, store_stream
from app.audit.operations import verify
from app.clock import utcnow
from app.extensions import db
from app.items.operations import edit_draft, fire_transition
from tests.conftest import make_config, pg_create, pg_drop, pg_url
from tests.items.conftest import actor_of

DUMP_TABLES = ("items", "applications", "audit_events", "attachments", "users", "units", "targets")


def dump(app: Flask) -> dict[str, list[tuple]]:
    with app.app_context():
        tables = db.metadata.tables
        return {t: [tuple(r) for r in db.session.execute(select(tables[t]).order_by(*tables[t].primary_key))]
                for t in DUMP_TABLES}


@pytest.fixture
def empty_instance(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """A second PlanDesk instance whose database does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        name = None
    else:
        request.getfixturevalue("pg_available")
        name = f"plandesk_r_{uuid.uuid4().hex[:10]}"
        pg_create(name)
        url = pg_url(name)
    app = create_app(make_config(url, tmp_path / "restored-storage"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        pg_drop(name)


def _activity(new_application) -> int:
    item_id = new_application()
    blob = store_stream(io.BytesIO(b"%PDF-1.4\n% evidence\n"))
    db.session.add(Attachment(item_id=item_id, name="村委会证明.pdf", kind="evidence", content_type=blob.content_type,
                              size=blob.size, sha256=blob.sha256, phase="mobilization", uploaded_at=utcnow()))
    db.session.flush()
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    fire_transition(item_id, "send_back", actor_of("huoqiu_reviewer"), version=2, comment="请补充材料")
    db.session.commit()
    return item_id


def test_backup_and_restore_give_identical_data(app, new_application, empty_instance, tmp_path: Path) -> None:
    # no app context is left pushed: the CLI runner pushes each instance's own
    with app.app_context():
        _activity(new_application)
    archive = tmp_path / "plandesk.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    before = dump(app)
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in Path(app.config["PLANDESK_STORAGE_DIR"]).glob("??/*")}
    assert files and all(name == digest for name, digest in files.items())

    restored = empty_instance.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    after = dump(empty_instance)
    for table in DUMP_TABLES:
        for old, new in zip(before[table], after[table], strict=True):
            assert old == new, (table, [(a, b) for a, b in zip(old, new) if a != b])
    with empty_instance.app_context():
        result = verify(db.session)
        assert result.ok and result.events == len(before["audit_events"])
        for sha in files:
            assert hashlib.sha256(blob_path(sha).read_bytes()).hexdigest() == sha
    again = empty_instance.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output


def test_backup_while_serving_is_consistent(app, new_application, empty_instance, tmp_path: Path) -> None:
    with app.app_context():
        item_id = _activity(new_application)
    stop = threading.Event()
    edits: list[int] = []

    def writer() -> None:
        with app.app_context():
            version = 3
            while not stop.is_set() and version < 60:
                edit_draft(item_id, actor_of("huoqiu_filer"), version=version, changes={"site_name": f"村{version}"})
                db.session.commit()
                version += 1
                edits.append(version)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archive = tmp_path / "live.tar.gz"
        result = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    finally:
        stop.set()
        thread.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert edits, "the writer made progress while the backup ran"
    assert empty_instance.test_cli_runner().invoke(args=["restore", str(archive)]).exit_code == 0
    with empty_instance.app_context():
        assert verify(db.session).ok  # one snapshot: every item's state and version match its chain
        version = db.session.execute(select(text("version")).select_from(text("items"))
                                     .where(text(f"id = {item_id}"))).scalar()
        assert 3 <= version <= 60
