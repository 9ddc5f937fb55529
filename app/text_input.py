"""One input rule for every text that can reach the database: no NUL character, no lone surrogate.

PostgreSQL cannot store either (SQLite keeps both), so a request carrying one is refused before any
view runs, whatever the field: the screens answer a Chinese 400 page and change nothing. The API
reads its path, query, JSON body and multipart parts through ``app.api.request``, which applies the
same :func:`text_problem` to every string (JSON object keys included) and answers a 400 JSON error.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def text_problem(value: str) -> str | None:
    """Why the database cannot keep ``value`` (in Chinese), or None when it can."""
    if "\x00" in value:
        return "文本不能包含空字符（\\u0000）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "文本必须是合法的 UTF-8（不能包含不成对的代理字符）"
    return None


def first_problem(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (name, problem) among (name, value) pairs whose name or value breaks the rule."""
    for name, value in pairs:
        problem = text_problem(name) or text_problem(value)
        if problem:
            return text_or_placeholder(name), problem
    return None


def json_problem(value: Any) -> tuple[str, str] | None:
    """The first (path, problem) of a decoded JSON document: every string, object keys included."""
    for path, text in _json_strings(value):
        problem = text_problem(text)
        if problem:
            return text_or_placeholder(path or "_body"), problem
    return None


def _json_strings(value: Any) -> Iterator[tuple[str, str]]:
    """(where, string) of every string in a JSON document: "fields.town", "subject_units[0]"."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            yield path, node
        elif isinstance(node, dict):
            for key, child in node.items():
                yield path, str(key)
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(node))


def text_or_placeholder(name: str) -> str:
    """A field name fit to be shown back (a hostile name is replaced, not echoed)."""
    return name if text_problem(name) is None else "?"


class UnstorableText(BadRequest):
    """A screen request carrying text the database cannot store."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


def _request_texts() -> Iterator[tuple[str, str]]:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield name, value
    yield from request.args.items(multi=True)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in FORM_TYPES:
        yield from request.form.items(multi=True)
        for name, upload in request.files.items(multi=True):
            yield name, upload.filename or ""


def check_request() -> None:
    """Refuse a screen request whose path, query or form holds a NUL or a lone surrogate."""
    if request.path.startswith(API_PREFIX):
        return  # the API applies the rule as it reads each input (app.api.request)
    found = first_problem(_request_texts())
    if found:
        raise UnstorableText(*found)


def _refused_page(exc: UnstorableText) -> tuple[str, int]:
    return render_template("web/error.html", code=400, heading=_l("输入包含无法保存的字符"),
                           message=_l("提交的内容包含空字符（NUL）或不成对的代理字符，未作任何修改。"
                                      "请删除这些字符后重新提交。"),
                           field=exc.field), 400


def init_app(app: Flask) -> None:
    app.before_request(check_request)
    app.register_error_handler(UnstorableText, _refused_page)
