"""The database storage: chunks, deduplication, streaming, and nothing kept after a rollback."""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.attachments.storage import InvalidFile, UploadTooLarge, store_stream
from app.blobs import backends
from app.blobs.backends import CHUNK_SIZE, DatabaseStorage, LocalStorage, read_all, storage
from app.blobs.models import Blob, BlobChunk
from app.config import ConfigError, Config
from app.extensions import db
from app.notices.models import Notice
from tests.storage.conftest import local_files


def pdf_of(size: int, seed: bytes = b"a") -> bytes:
    """``size`` bytes of a PDF-looking file whose content depends on ``seed`` (not compressible)."""
    head = b"%PDF-1.4\n"
    body = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(size // 32 + 1))
    return (head + body)[:size]


def upload(api, item_id: int, content: bytes, name: str):  # noqa: ANN001, ANN201
    """A multipart upload encoded in memory (the test client's own encoder spools large bodies to
    a temporary file it never closes)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name)})
    return api.post(f"/items/{item_id}/attachments", "huoqiu_filer", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Blob)),
            db.session.scalar(select(func.count()).select_from(BlobChunk)))


def test_the_database_storage_is_chosen_by_configuration(db_app: Flask, app: Flask, monkeypatch) -> None:
    with db_app.app_context():
        assert isinstance(storage(), DatabaseStorage)
    with app.app_context():
        assert isinstance(storage(), LocalStorage)  # the default
    monkeypatch.setenv("PLANDESK_STORAGE", "Database")
    assert Config().PLANDESK_STORAGE == "database"
    monkeypatch.setenv("PLANDESK_STORAGE", "s3")
    with pytest.raises(ConfigError, match="PLANDESK_STORAGE must be local or database"):
        Config()


def test_content_is_written_in_chunks_of_one_mebibyte(db_app: Flask) -> None:
    content = pdf_of(2 * CHUNK_SIZE + 12345)
    with db_app.app_context():
        blob = store_stream(io.BytesIO(content), limit=len(content))
        db.session.commit()
        assert blob.sha256 == hashlib.sha256(content).hexdigest() and blob.content_type == "application/pdf"
        row = db.session.get(Blob, blob.sha256)
        assert (row.size, row.chunk_size, row.chunks) == (len(content), CHUNK_SIZE, 3)
        sizes = db.session.execute(select(BlobChunk.seq, func.length(BlobChunk.data))
                                   .where(BlobChunk.sha256 == blob.sha256).order_by(BlobChunk.seq)).all()
        assert [tuple(s) for s in sizes] == [(0, CHUNK_SIZE), (1, CHUNK_SIZE), (2, 12345)]
        assert read_all(storage(), blob.sha256) == content
        assert storage().size(blob.sha256) == len(content)
    assert local_files(db_app) == []  # nothing on this host's disk
    assert list((Path(db_app.config["PLANDESK_STORAGE_DIR"]) / "tmp").iterdir()) == []  # spooled file removed


def test_the_same_content_is_kept_once(db_app: Flask) -> None:
    content, other = pdf_of(CHUNK_SIZE + 1), pdf_of(CHUNK_SIZE + 1, b"b")
    with db_app.app_context():
        first = store_stream(io.BytesIO(content), limit=len(content))
        db.session.commit()
        again = store_stream(io.BytesIO(content), limit=len(content))  # a later transaction
        same_transaction = store_stream(io.BytesIO(content), limit=len(content))
        db.session.commit()
        assert first == again == same_transaction
        assert counts() == (1, 2)
        store_stream(io.BytesIO(other), limit=len(other))
        db.session.commit()
        assert counts() == (2, 4)
        assert read_all(storage(), first.sha256) == content


def test_a_rollback_leaves_nothing(db_app: Flask) -> None:
    content = pdf_of(CHUNK_SIZE * 2 + 1)
    with db_app.app_context():
        blob = store_stream(io.BytesIO(content), limit=len(content))
        db.session.flush()
        assert counts() == (1, 3)  # written in the caller's transaction, not committed on its own
        db.session.rollback()
        assert counts() == (0, 0)
        assert storage().size(blob.sha256) is None
        with pytest.raises(InvalidFile):
            store_stream(io.BytesIO(b"\x00\x01 not a kept type"))
        db.session.rollback()
        assert counts() == (0, 0)
    assert local_files(db_app) == []


def test_a_download_streams_chunk_by_chunk_after_the_request_ends(db_app: Flask, monkeypatch) -> None:
    """Each chunk is read when it is asked for, on its own short connection, also once the app
    context (and its session) is gone, as when a WSGI server sends a response body."""
    content = pdf_of(3 * CHUNK_SIZE)
    with db_app.app_context():
        sha = store_stream(io.BytesIO(content), limit=len(content)).sha256
        db.session.commit()
        engine = db.engine
        pieces = storage().chunks(sha)
        db.session.remove()
    reads: list[int] = []
    read_chunk = backends._read_chunk

    def counted(engine_, sha256: str, seq: int) -> bytes:  # noqa: ANN001
        reads.append(seq)
        assert engine.pool.checkedout() == 0  # no connection kept from one chunk to the next
        return read_chunk(engine_, sha256, seq)

    monkeypatch.setattr(backends, "_read_chunk", counted)
    assert reads == []  # nothing read before the body is asked for
    first = next(pieces)
    assert first == content[:CHUNK_SIZE] and reads == [0]
    rest = list(pieces)
    assert reads == [0, 1, 2] and [len(p) for p in rest] == [CHUNK_SIZE, CHUNK_SIZE]
    assert first + b"".join(rest) == content
    assert engine.pool.checkedout() == 0


def test_an_upload_and_its_download_through_the_api(db_app: Flask, db_api) -> None:
    content = pdf_of(CHUNK_SIZE + 999, b"upload")
    item = db_api.create_application()
    r = upload(db_api, item["id"], content, "村级服务站照片.pdf")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest() and body["size"] == len(content)
    with db_api.get(f"/items/{item['id']}/attachments/{body['id']}", "huoqiu_reviewer") as download:
        assert download.status_code == 200 and download.is_streamed
        assert download.headers["Content-Length"] == str(len(content))
        assert download.get_data() == content
    assert local_files(db_app) == []
    with db_app.app_context():
        assert counts() == (1, 2)


def test_a_blob_missing_from_the_database_is_a_clear_404(db_app: Flask, db_api) -> None:
    item = db_api.create_application()
    body = db_api.upload(item["id"], content=pdf_of(100)).get_json()
    with db_app.app_context():
        db.session.execute(BlobChunk.__table__.delete())
        db.session.execute(Blob.__table__.delete())
        db.session.commit()
    r = db_api.get(f"/items/{item['id']}/attachments/{body['id']}", "huoqiu_filer")
    assert r.status_code == 404 and r.get_json()["message"] == "材料文件缺失，请联系管理员"


def test_an_issued_notice_is_archived_in_the_database(db_app: Flask, db_api) -> None:
    notice = {"kind": "criticism", "title": "关于部分县区推进不力的通报", "addressees": "各县区人民政府",
              "body": "一、基本情况\n部分县区未按期报送实施方案。", "subject_units": ["huoqiu"]}
    notice_id = db_api.post("/notices", "city_reviewer", json=notice).get_json()["id"]
    assert db_api.fire(notice_id, "city_reviewer", "submit", 1).status_code == 200
    assert db_api.fire(notice_id, "office_approver", "issue", 2).get_json()["state"] == "issued"
    with db_app.app_context():
        sha = db.session.get(Notice, notice_id).pdf_sha256
        archived = read_all(storage(), sha)
        assert hashlib.sha256(archived).hexdigest() == sha and archived.startswith(b"%PDF")
    r = db_api.get(f"/notices/{notice_id}/pdf", "huoqiu_filer")
    assert r.status_code == 200 and r.data == archived
    assert local_files(db_app) == []


def test_storage_dir_holds_no_blob_when_spooling_fails(db_app: Flask) -> None:
    """An upload refused while streaming (too large) leaves no row and no spooled file."""
    with db_app.app_context():
        with pytest.raises(UploadTooLarge):
            store_stream(io.BytesIO(pdf_of(CHUNK_SIZE)), limit=CHUNK_SIZE - 1)
        db.session.rollback()
        assert counts() == (0, 0)
    tmp = Path(db_app.config["PLANDESK_STORAGE_DIR"]) / "tmp"
    assert not tmp.exists() or os.listdir(tmp) == []
