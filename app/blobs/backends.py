"""Where stored file content lives, chosen by ``PLANDESK_STORAGE``.

``local`` (the default): files under ``PLANDESK_STORAGE_DIR`` (``ab/abcdef…``). One host only: a file
written on one host is missing on another, and a rolled-back upload leaves its file behind (harmless:
nothing refers to it).

``database``: the content in the ``blobs`` and ``blob_chunks`` tables, written through the request's
own session, so a blob commits or rolls back with the row that refers to it and every host sees it.
Written chunk by chunk from the upload's spooled file; read back chunk by chunk (each chunk on a
short checkout of a pooled connection, so a slow download holds no connection between chunks and
never has the whole file in memory). Deduplicated by SHA-256: the blob row is inserted with ON
CONFLICT DO NOTHING, so of two transactions storing the same content, the second waits for the
first and writes no chunks when it commits (and writes them itself when it rolls back).
"""
from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.blobs.models import Blob, BlobChunk
from app.clock import utcnow
from app.extensions import db

#: bytes per row of blob_chunks (PostgreSQL stores each out of line, in its TOAST table)
CHUNK_SIZE = 1024 * 1024
#: bytes read at a time from a local file
FILE_CHUNK = 64 * 1024
KINDS = ("local", "database")


class BlobMismatch(RuntimeError):
    """Content that does not hash to the name it is stored (or restored) under."""


def check_sha(sha256: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


class Storage(Protocol):
    kind: str

    def put(self, spooled: Path, sha256: str, size: int) -> None:
        """Keep the verified file at ``spooled`` (named by its hash) unless that content is kept already."""

    def size(self, sha256: str) -> int | None:
        """The stored size, None when the content is missing."""

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The content, lazily, piece by piece; usable after the request's context has ended."""

    def restore(self, sha256: str, size: int, source: BinaryIO) -> None:
        """Keep ``size`` bytes read from ``source`` under ``sha256`` (BlobMismatch if they do not hash to it)."""


def read_all(storage: Storage, sha256: str) -> bytes:
    """The whole content (for small files such as notice PDFs)."""
    return b"".join(storage.chunks(sha256))


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / check_sha(sha256)[:2] / sha256

    def put(self, spooled: Path, sha256: str, size: int) -> None:
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            spooled.unlink()
        else:
            os.replace(spooled, final)  # atomic: a reader never sees half a file

    def size(self, sha256: str) -> int | None:
        path = self.path(sha256)
        return path.stat().st_size if path.is_file() else None

    def chunks(self, sha256: str) -> Iterator[bytes]:
        path = self.path(sha256)
        # a generator closes its file when exhausted or collected, even if the server never calls close()
        with path.open("rb") as fh:
            while chunk := fh.read(FILE_CHUNK):
                yield chunk

    def restore(self, sha256: str, size: int, source: BinaryIO) -> None:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / uuid.uuid4().hex
        try:
            digest, written = hashlib.sha256(), 0
            with tmp.open("wb") as out:
                while piece := source.read(FILE_CHUNK):
                    digest.update(piece)
                    written += len(piece)
                    out.write(piece)
            if digest.hexdigest() != sha256 or written != size:
                raise BlobMismatch(f"stored file {sha256} is damaged in the backup")
            self.put(tmp, sha256, size)
        finally:
            if tmp.exists():
                tmp.unlink()


class DatabaseStorage:
    kind = "database"

    def _insert_blob(self, sha256: str, size: int) -> bool:
        """Insert the blob row; False when that content is stored already (or being stored by a
        transaction that then commits: the insert waits for it)."""
        dialect = db.session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        chunks = -(-size // CHUNK_SIZE)
        inserted = db.session.execute(
            upsert(Blob).values(sha256=check_sha(sha256), size=size, chunk_size=CHUNK_SIZE, chunks=chunks,
                                created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["sha256"]).returning(Blob.sha256)).scalar_one_or_none()
        return inserted is not None

    def _write_chunks(self, sha256: str, source: BinaryIO) -> tuple[str, int]:
        digest, size, seq = hashlib.sha256(), 0, 0
        while data := source.read(CHUNK_SIZE):
            digest.update(data)
            size += len(data)
            db.session.execute(insert(BlobChunk).values(sha256=sha256, seq=seq, data=data))
            seq += 1
        return digest.hexdigest(), size

    def put(self, spooled: Path, sha256: str, size: int) -> None:
        if self._insert_blob(sha256, size):
            with spooled.open("rb") as fh:
                self._write_chunks(sha256, fh)

    def size(self, sha256: str) -> int | None:
        return db.session.scalar(select(Blob.size).where(Blob.sha256 == check_sha(sha256)))

    def chunks(self, sha256: str) -> Iterator[bytes]:
        count = db.session.scalar(select(Blob.chunks).where(Blob.sha256 == check_sha(sha256)))
        if count is None:
            raise FileNotFoundError(sha256)
        return _read_chunks(db.engine, sha256, count)

    def restore(self, sha256: str, size: int, source: BinaryIO) -> None:
        if not self._insert_blob(sha256, size):
            return
        digest, written = self._write_chunks(sha256, source)
        if digest != sha256 or written != size:
            raise BlobMismatch(f"stored file {sha256} is damaged in the backup")


def _read_chunks(engine: Engine, sha256: str, count: int) -> Iterator[bytes]:
    """Chunk after chunk, each on its own short checkout (committed content never changes)."""
    for seq in range(count):
        yield _read_chunk(engine, sha256, seq)


def _read_chunk(engine: Engine, sha256: str, seq: int) -> bytes:
    if engine.dialect.name == "sqlite":
        # a plain autocommit read: a transaction on SQLite begins IMMEDIATE (app.database), which
        # would take the write lock for every chunk of every download
        raw = engine.raw_connection()
        try:
            row = raw.driver_connection.execute(
                "SELECT data FROM blob_chunks WHERE sha256 = ? AND seq = ?", (sha256, seq)).fetchone()
        finally:
            raw.close()
        if row is None:
            raise FileNotFoundError(f"{sha256} chunk {seq}")
        return bytes(row[0])
    with engine.connect() as conn:
        data = conn.execute(select(BlobChunk.data).where(BlobChunk.sha256 == sha256, BlobChunk.seq == seq)).scalar_one()
    return bytes(data)


def storage_kind() -> str:
    kind = current_app.config.get("PLANDESK_STORAGE") or "local"
    if kind not in KINDS:
        raise RuntimeError(f"PLANDESK_STORAGE must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def storage() -> Storage:
    """The configured storage of this app."""
    if storage_kind() == "database":
        return DatabaseStorage()
    return LocalStorage(Path(current_app.config["PLANDESK_STORAGE_DIR"]))
