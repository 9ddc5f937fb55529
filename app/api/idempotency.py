"""``Idempotency-Key``: a retried POST gets the first answer back instead of acting twice.

The key row is written in the same transaction as the action, under a unique (user, key)
constraint: of two concurrent requests with one key, the second waits for the first, fails on the
constraint, rolls its action back and answers the first one's stored response. Only successful
answers are kept: a refused request changed nothing, so retrying it simply runs it again. A key is
kept for ``KEEP_FOR`` (24 hours, long enough for any client's retries); after that it is forgotten
(``deadlines tick`` deletes expired keys) and the same key starts a new request.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Response, request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiError
from app.api.reply import Reply, to_response
from app.auth.tokens_models import IdempotencyKey
from app.clock import utcnow
from app.extensions import db

REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite gives naive UTC back


def _stored(user_id: int, key: str) -> IdempotencyKey | None:
    """The live stored answer for (user, key); an expired one is deleted and counts as none."""
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                         IdempotencyKey.key == key))
    if row is not None and _aware(row.created_at) < utcnow() - KEEP_FOR:
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the keys older than ``KEEP_FOR``; returns how many."""
    return session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP_FOR)).rowcount or 0


def _replay(row: IdempotencyKey, fp: str) -> Response:
    if row.fingerprint != fp:
        raise ApiError(422, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求，请换用新的键",
                       {"key": row.key, "first_path": row.path})
    response = to_response(Reply(json.loads(row.response_json), row.status_code))
    response.headers[REPLAYED_HEADER] = "true"
    return response


def run_once(user_id: int, key: str, fp: str, action: Callable[[], Reply | Response]) -> Response:
    """Answer the stored response for (user, key), or run ``action`` once and store its answer."""
    row = _stored(user_id, key)
    if row is not None:
        return _replay(row, fp)
    try:
        reply = action()
    except Exception:
        db.session.rollback()
        row = _stored(user_id, key)  # a concurrent twin may have committed meanwhile
        if row is not None:
            return _replay(row, fp)
        raise
    if isinstance(reply, Response) or reply.status >= 300:
        db.session.commit()
        return to_response(reply)
    db.session.add(IdempotencyKey(user_id=user_id, key=key, method=request.method, path=request.path[:255],
                                  fingerprint=fp, status_code=reply.status,
                                  response_json=json.dumps(reply.body, ensure_ascii=False), created_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = _stored(user_id, key)
        if row is None:
            raise
        return _replay(row, fp)
    return to_response(reply)
