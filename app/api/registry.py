"""The machinery every API call goes through, and what the OpenAPI document is generated from.

An endpoint is one decorated function::

    @endpoint("POST", "/applications", summary="创建示范创建申报", body=ApplicationIn, status=201,
              response=CreatedOut, errors=(403,), idempotent=True)
    def create(call: Call) -> Reply: ...

The decorator registers the route on the blueprint and records its schemas; the wrapper
authenticates (401), reads the query and body through the schemas (400, 413), replays an
``Idempotency-Key``, calls the function, commits once and answers JSON. The function raises
typed errors (``WorkflowError`` subclasses, ``ApiError``); the error handlers answer them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, request
from marshmallow import Schema

from app.api import errors
from app.api.auth import authenticate_request
from app.api.fields import INT32_MAX
from app.api.reply import Reply, to_response
from app.api.request import fingerprint, load, read_json, read_multipart, read_query
from app.auth.tokens_models import ApiToken
from app.auth.models import User
from app.extensions import csrf, db
from app.uploads import request_limit
from workflows.errors import NotFound
from workflows.roles import Actor
from app.api.idempotency import run_once

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
errors.register(bp)

PATH_TEXT = re.compile(r"[A-Za-z0-9_]{1,64}")
#: JSON bodies larger than this are refused with 413 (uploads have PLANDESK_MAX_UPLOAD)
DEFAULT_MAX_JSON = 1024 * 1024


@dataclass
class Call:
    """What the wrapper hands an endpoint function: the caller and the validated inputs."""

    user: User | None = None
    token: ApiToken | None = None
    body: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        if self.user is None:
            raise RuntimeError("endpoint without authentication has no actor")
        return self.user.actor()


@dataclass(frozen=True)
class Multipart:
    """A multipart body: text fields (name → description) and file fields (name → description)."""

    fields: dict[str, str]
    files: dict[str, str]
    required_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    method: str
    rule: str
    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    body: type[Schema] | None
    query: type[Schema] | None
    multipart: Multipart | None
    status: int
    response: type[Schema] | None
    many: bool
    produces: str
    errors: tuple[int, ...]
    auth: bool
    idempotent: bool

    @property
    def path_params(self) -> list[tuple[str, str]]:
        """(name, converter) of each ``<converter:name>`` in the rule."""
        return [(m.group(2), m.group(1) or "string") for m in re.finditer(r"<(?:(\w+):)?(\w+)>", self.rule)]

    @property
    def error_statuses(self) -> tuple[int, ...]:
        found = set(self.errors)
        if self.auth:
            found.add(401)
        if self.body or self.query or self.multipart or self.path_params:
            found.add(400)
        if self.body or self.multipart:
            found.add(413)
        if self.path_params:
            found.add(404)
        if self.idempotent:
            found.add(422)
        return tuple(sorted(found))


ENDPOINTS: list[Endpoint] = []
View = Callable[..., Reply | Response]


def endpoint(method: str, rule: str, *, summary: str, description: str = "", tags: tuple[str, ...] = (),
             body: type[Schema] | None = None, query: type[Schema] | None = None, multipart: Multipart | None = None,
             status: int = 200, response: type[Schema] | None = None, many: bool = False,
             produces: str = "application/json", errors: tuple[int, ...] = (), auth: bool = True,
             idempotent: bool = False) -> Callable[[View], View]:
    """Register ``fn`` as the API call ``method rule`` and record what it reads and answers.

    ``response`` (with ``many`` for a JSON array) documents a JSON answer; ``produces`` names another
    media type (``application/pdf``, an xlsx type, or ``file`` for stored evidence of any kept type)
    whose body the function returns as a ``Response``.
    """
    def decorate(fn: View) -> View:
        ep = Endpoint(method.upper(), rule, fn.__name__, summary, description or (fn.__doc__ or "").strip(),
                      tuple(tags), body, query, multipart, status, response, many, produces, tuple(errors), auth,
                      idempotent)

        @wraps(fn)
        def view(**path_args: Any) -> Response:
            return _run(ep, fn, path_args)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[ep.method])
        ENDPOINTS.append(ep)
        return fn
    return decorate


def _limit(ep: Endpoint) -> int:
    if ep.multipart is not None:
        return request_limit()  # the screens' limit too (app.request_limits)
    return int(current_app.config.get("PLANDESK_API_MAX_JSON") or DEFAULT_MAX_JSON)


def _run(ep: Endpoint, fn: View, path_args: dict[str, Any]) -> Response:
    for value in path_args.values():
        # what the document promises for path parameters; anything else cannot name a resource
        if isinstance(value, int) and not 0 < value <= INT32_MAX:
            raise NotFound()
        if isinstance(value, str) and not PATH_TEXT.fullmatch(value):
            raise NotFound()
    request.max_content_length = _limit(ep)
    call = Call()
    if ep.auth:
        call.user, call.token = authenticate_request()
    if ep.query is not None:
        call.query = read_query(ep.query())
    elif request.args:
        raise errors.bad_request("该接口不接受查询参数", fields={k: ["未定义的参数"] for k in request.args})
    if ep.body is not None:
        call.body = load(ep.body(), read_json())
    if ep.multipart is not None:
        call.form, call.files = read_multipart(set(ep.multipart.fields), set(ep.multipart.files))
    key = _idempotency_key() if ep.idempotent else None
    if key is not None and call.user is not None:
        fp = fingerprint(call.body if ep.body else None, call.form, call.files)
        return run_once(call.user.id, key, fp, lambda: fn(call, **path_args))
    reply = fn(call, **path_args)
    db.session.commit()
    return to_response(reply)


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
        raise errors.bad_request("Idempotency-Key 必须是 1 至 255 个可打印 ASCII 字符", header="Idempotency-Key")
    return key
