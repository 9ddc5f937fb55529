"""``Idempotency-Key``: a retried POST gets the first answer back instead of acting twice.

The key row is written in the same transaction as the action, under a unique (user, key)
constraint: of two concurrent requests with one key, the second waits for the first, fails on the
constraint, rolls its action back and answers the first one's stored response. Only successful
answers are kept: a refused request changed nothing, so retrying it simply runs it again.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiError
from app.api.registry import Reply, to_response
from app.api_tokens.models import IdempotencyKey
from app.clock import utcnow
from app.extensions import db

REPLAYED_HEADER = "Idempotent-Replayed"


def _stored(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                          IdempotencyKey.key == key))


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
