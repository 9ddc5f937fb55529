"""backup / restore with the database storage: blobs go into the archive as files, chunk by chunk, and
come back into whichever storage the restoring instance uses."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.attachments.models import Attachment
from app.attachments.storage import blob_path, store_stream
from app.blobs.backends import CHUNK_SIZE, read_all, storage
from app.blobs.models import Blob, BlobChunk
from app.clock import utcnow
from app.extensions import db
from tests.conftest import make_config, pg_create, pg_drop, pg_url
from tests.storage.test_blob_backend import pdf_of


@pytest.fixture
def restore_into(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator:
    """Make empty instances (database missing on SQLite, empty on PostgreSQL) with a given storage."""
    made: list[tuple[Flask, str | None]] = []

    def make(kind: str) -> Flask:
        if backend == "sqlite":
            url, name = f"sqlite:///{tmp_path / f'restored-{len(made)}.sqlite3'}", None
        else:
            request.getfixturevalue("pg_available")
            name = f"plandesk_r_{uuid.uuid4().hex[:10]}"
            pg_create(name)
            url = pg_url(name)
        instance = create_app(make_config(url, tmp_path / f"restored-storage-{len(made)}", PLANDESK_STORAGE=kind))
        made.append((instance, name))
        return instance

    yield make
    for instance, name in made:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()
        if name:
            pg_drop(name)


def _evidence(app: Flask, new_application, contents: list[bytes]) -> list[str]:
    with app.app_context():
        item_id = new_application()
        shas = []
        for n, content in enumerate(contents):
            blob = store_stream(io.BytesIO(content), limit=len(content))
            db.session.add(Attachment(item_id=item_id, name=f"证明{n}.pdf", kind="evidence", phase="mobilization",
                                      content_type=blob.content_type, size=blob.size, sha256=blob.sha256,
                                      uploaded_at=utcnow()))
            shas.append(blob.sha256)
        db.session.commit()
    return shas


def test_blobs_are_backed_up_and_restored_into_either_storage(db_app: Flask, new_application, restore_into,
                                                              tmp_path: Path) -> None:
    contents = [pdf_of(2 * CHUNK_SIZE + 7, b"x"), pdf_of(300, b"y")]
    shas = _evidence(db_app, new_application, contents)
    archive = tmp_path / "plandesk.tar.gz"
    result = db_app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    assert "2 files" in result.output
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert manifest["storage"] == "database"
        assert manifest["files"] == {sha: len(c) for sha, c in zip(shas, contents)}
        assert "blobs" not in manifest["tables"] and "blob_chunks" not in manifest["tables"]
        for sha, content in zip(shas, contents):
            assert tar.extractfile(f"storage/{sha}").read() == content

    into_db = restore_into("database")
    restored = into_db.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    with into_db.app_context():
        assert db.session.scalar(select(func.count()).select_from(Blob)) == 2
        assert db.session.scalar(select(func.count()).select_from(BlobChunk)) == 4
        for sha, content in zip(shas, contents):
            assert read_all(storage(), sha) == content
        assert sorted(db.session.scalars(select(Attachment.sha256))) == sorted(shas)

    into_local = restore_into("local")  # a backup also moves an instance from one storage to the other
    assert into_local.test_cli_runner().invoke(args=["restore", str(archive)]).exit_code == 0
    with into_local.app_context():
        for sha, content in zip(shas, contents):
            assert blob_path(sha).read_bytes() == content
        assert db.session.scalar(select(func.count()).select_from(Blob)) == 0


def test_local_files_restore_into_the_database_storage(app: Flask, new_application, restore_into,
                                                       tmp_path: Path) -> None:
    content = pdf_of(CHUNK_SIZE + 1, b"local")
    (sha,) = _evidence(app, new_application, [content])
    archive = tmp_path / "local.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    into_db = restore_into("database")
    assert into_db.test_cli_runner().invoke(args=["restore", str(archive)]).exit_code == 0
    with into_db.app_context():
        assert read_all(storage(), sha) == content
        assert db.session.get(Blob, sha).chunks == 2
    assert not list(Path(into_db.config["PLANDESK_STORAGE_DIR"]).glob("??/*"))


def test_a_damaged_file_in_the_archive_restores_nothing(db_app: Flask, new_application, restore_into,
                                                        tmp_path: Path) -> None:
    content = pdf_of(1000, b"z")
    (sha,) = _evidence(db_app, new_application, [content])
    archive = tmp_path / "good.tar.gz"
    assert db_app.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(damaged, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == f"storage/{sha}":
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    into_db = restore_into("database")
    result = into_db.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert result.exit_code == 1 and f"stored file {sha} is damaged in the backup" in result.output
    with into_db.app_context():
        assert db.session.scalar(select(func.count()).select_from(Blob)) == 0
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert hashlib.sha256(content).hexdigest() == sha
