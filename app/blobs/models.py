"""File content kept in the database (``PLANDESK_STORAGE=database``): one row per content, named by
its SHA-256, and its bytes in fixed-size chunks (bytea on PostgreSQL, BLOB on SQLite).

A blob is written in the transaction of the row that refers to it (an attachment, an issued notice)
and is never updated or deleted afterwards: content-addressed, it can only be the same bytes again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Blob(db.Model):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BlobChunk(db.Model):
    __tablename__ = "blob_chunks"

    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("blobs.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
