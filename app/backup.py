"""``backup -o FILE`` / ``restore FILE``: a consistent, portable copy of the database and stored files.

The copy is logical (every table as JSON lines, in one snapshot) so it restores into SQLite or
PostgreSQL alike, plus every stored file named by its SHA-256, plus a manifest with counts and
hashes. Stored files come from the configured storage (PLANDESK_STORAGE): the local directory, or
the ``blobs`` tables, read chunk by chunk in the same snapshot as the rows that refer to them; they
restore into whichever storage the restoring instance is configured with (so a backup also moves
an instance from one storage to the other). It is taken while PlanDesk serves: PostgreSQL reads
in one REPEATABLE READ, READ ONLY transaction; SQLite reads in one deferred transaction on its own
connection, which in WAL mode sees one snapshot without blocking writers.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, Table, func, inspect, select, text

from app.blobs.backends import BlobMismatch, LocalStorage, storage, storage_kind
from app.extensions import db

FORMAT = "plandesk-backup/1"
#: the database storage's tables: their content goes into the archive as files, not as rows
BLOB_TABLES = ("blobs", "blob_chunks")


class BackupError(RuntimeError):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        raise BackupError("binary columns are not expected")
    return value


def _tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in BLOB_TABLES]


@dataclass
class _Snapshot:
    """Reads of one snapshot: ``rows(table)``, the database storage's blobs and their chunks."""

    rows: Callable[[Table], list[dict[str, Any]]]
    query: Callable[[str, dict[str, Any]], list[tuple[Any, ...]]]

    def blobs(self) -> list[tuple[str, int, int]]:
        """(sha256, size, chunks) of every blob kept in the database."""
        return [(r[0], int(r[1]), int(r[2]))
                for r in self.query("SELECT sha256, size, chunks FROM blobs ORDER BY sha256", {})]

    def chunks(self, sha256: str, count: int) -> Iterator[bytes]:
        for seq in range(count):
            rows = self.query("SELECT data FROM blob_chunks WHERE sha256 = :sha AND seq = :seq",
                              {"sha": sha256, "seq": seq})
            if not rows:
                raise BackupError(f"stored file {sha256} misses its chunk {seq}")
            yield bytes(rows[0][0])


@contextmanager
def _snapshot_rows() -> Iterator[_Snapshot]:
    """Yield a :class:`_Snapshot` reading every table from one snapshot."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        conn = sqlite3.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("BEGIN")  # deferred: the snapshot starts at the first read, writers go on
        try:
            def read(table: Table) -> list[dict[str, Any]]:
                cols = [c.name for c in table.columns]
                rows = conn.execute(f'SELECT {", ".join(cols)} FROM "{table.name}" ORDER BY 1').fetchall()
                return [_decode_sqlite(table, dict(r)) for r in rows]

            def query(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
                return [tuple(r) for r in conn.execute(sql, params).fetchall()]
            yield _Snapshot(read, query)
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with engine.connect() as conn:
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))

        def read(table: Table) -> list[dict[str, Any]]:
            order = list(table.primary_key.columns) or list(table.columns)[:1]
            return [dict(r._mapping) for r in conn.execute(select(table).order_by(*order))]

        def query(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(text(sql), params)]
        yield _Snapshot(read, query)
        conn.rollback()


def _decode_sqlite(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """sqlite3 returns raw text for JSON columns; keep them as values like the ORM does."""
    for col in table.columns:
        if isinstance(col.type, JSON) and isinstance(row.get(col.name), str):
            row[col.name] = json.loads(row[col.name])
    return row


def _storage() -> Path:
    return Path(current_app.config["PLANDESK_STORAGE_DIR"])


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


class _ChunkReader(io.RawIOBase):
    """A file-like view of a chunk iterator that hashes what it hands out (tar reads it piece by piece)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._pending, self.digest, self.size = chunks, b"", hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n], self._pending = self._pending[:n], self._pending[n:]
        self.digest.update(buffer[:n])
        self.size += n
        return n


def _add_stored(tar: tarfile.TarFile, sha256: str, size: int, chunks: Iterator[bytes]) -> None:
    """Add one stored file, streamed, checking that its content hashes to its name."""
    info = tarfile.TarInfo(f"storage/{sha256}")
    info.size, info.mtime = size, 0
    reader = _ChunkReader(chunks)
    tar.addfile(info, io.BufferedReader(reader, buffer_size=1024 * 1024))
    if reader.digest.hexdigest() != sha256 or reader.size != size:
        raise BackupError(f"stored file {sha256} does not match its own hash")


def backup(output: Path) -> dict[str, Any]:
    """Write a backup archive; returns its manifest."""
    manifest: dict[str, Any] = {"format": FORMAT, "dialect": db.engine.dialect.name, "tables": {}, "files": {}}
    tmp = output.with_name(output.name + ".partial")
    with tarfile.open(tmp, "w:gz") as tar:
        with _snapshot_rows() as snapshot:
            for table in _tables():
                rows = snapshot.rows(table)
                body = "\n".join(json.dumps({k: _plain(v) for k, v in r.items()}, ensure_ascii=False)
                                 for r in rows).encode("utf-8")
                _add_bytes(tar, f"tables/{table.name}.jsonl", body)
                manifest["tables"][table.name] = {"rows": len(rows), "sha256": hashlib.sha256(body).hexdigest()}
            if storage_kind() == "database":
                manifest["storage"] = "database"
                for sha, size, count in snapshot.blobs():
                    _add_stored(tar, sha, size, snapshot.chunks(sha, count))
                    manifest["files"][sha] = size
        if storage_kind() == "local":
            manifest["storage"] = "local"
            local = LocalStorage(_storage())
            if local.root.exists():
                for path in sorted(local.root.glob("??/*")):
                    if path.is_file():
                        if not re.fullmatch(r"[0-9a-f]{64}", path.name):
                            raise BackupError(f"stored file {path.name} is not named by its SHA-256")
                        size = path.stat().st_size
                        _add_stored(tar, path.name, size, local.chunks(path.name))
                        manifest["files"][path.name] = size
        _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    tmp.replace(output)
    return manifest


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        value = row.get(col.name)
        if value is not None:
            if isinstance(col.type, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(col.type, Date):
                value = date.fromisoformat(value)
            elif isinstance(col.type, Numeric):
                value = Decimal(str(value))
            elif isinstance(col.type, Boolean):
                value = bool(value)
        out[col.name] = value
    return out


def _database_is_empty() -> bool:
    names = set(inspect(db.engine).get_table_names())
    if "items" not in names:
        return True
    return not db.session.scalar(select(func.count()).select_from(text("items"))) and \
        not db.session.scalar(select(func.count()).select_from(text("users")))


def restore(archive: Path) -> dict[str, Any]:
    """Restore into an instance whose database is missing or empty; creates the schema first."""
    from flask_migrate import upgrade

    if not _database_is_empty():
        raise BackupError("the database is not empty: restore only into a new, empty instance")
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"not a PlanDesk backup ({manifest.get('format')!r})")
        upgrade()
        tables = {t.name: t for t in _tables()}
        for name in [t.name for t in _tables()]:
            info = manifest["tables"].get(name)
            if info is None:
                raise BackupError(f"table {name} missing from the backup")
            body = tar.extractfile(f"tables/{name}.jsonl").read()
            if hashlib.sha256(body).hexdigest() != info["sha256"]:
                raise BackupError(f"table {name} is damaged in the backup")
            rows = [_decode(tables[name], json.loads(line)) for line in body.decode("utf-8").splitlines() if line]
            if rows:
                db.session.execute(tables[name].insert(), rows)
        db.session.flush()
        _reset_sequences(tables.values())
        kept = storage()
        for sha, size in manifest["files"].items():
            try:
                source = tar.extractfile(f"storage/{sha}")
            except KeyError:
                source = None
            if source is None:
                raise BackupError(f"stored file {sha} is missing from the backup")
            try:
                kept.restore(sha, size, source)
            except BlobMismatch as exc:
                raise BackupError(str(exc)) from exc
            db.session.flush()
    return manifest


def _reset_sequences(tables: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
