"""Reading a call's inputs: JSON bodies, query strings and multipart uploads, refused with 400."""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from app.api.errors import ApiError, bad_request, validation_details
from app.text_input import json_problem, text_problem
from workflows.audit import canonical_json

JSON_TYPES = ("application/json",)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json() -> Any:
    """The parsed JSON body: 400 when missing, not JSON, or not UTF-8; 413 (raised by Werkzeug) when too big."""
    if request.mimetype not in JSON_TYPES and not request.mimetype.endswith("+json"):
        raise bad_request("请求体必须是 JSON（Content-Type: application/json）", content_type=request.mimetype)
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise bad_request("缺少 JSON 请求体")
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=_finite_float, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad_request("请求体不是合法的 JSON", reason=str(exc)[:200]) from exc
    found = json_problem(body)
    if found:
        where, problem = found
        raise bad_request(problem, fields={where: [problem]})
    return body


def load(schema: Schema, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise bad_request("请求体必须是 JSON 对象", fields={"_body": ["必须是对象"]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(400, "bad_request", _summary(exc.messages), validation_details(exc.messages)) from exc


def _summary(messages: Any) -> str:
    if isinstance(messages, dict) and messages:
        names = "、".join(str(k) for k in list(messages)[:5])
        return f"请求内容不符合接口定义：{names}"
    return "请求内容不符合接口定义"


def read_query(schema: Schema) -> dict[str, Any]:
    """Query parameters through ``schema`` (unknown parameters are refused like unknown fields)."""
    args: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        if len(values) > 1:
            raise bad_request(f"查询参数“{key}”只能出现一次", fields={key: ["重复"]})
        problem = text_problem(values[0]) or text_problem(key)
        if problem:
            raise bad_request(problem, fields={key: [problem]})
        args[key] = values[0]
    try:
        return schema.load(args)
    except ValidationError as exc:
        raise ApiError(400, "bad_request", _summary(exc.messages), validation_details(exc.messages)) from exc


def read_multipart(allowed_fields: set[str], file_fields: set[str]) -> tuple[dict[str, str], dict[str, Any]]:
    """(form fields, files) of a multipart upload; unknown parts are refused with 400."""
    if request.mimetype != "multipart/form-data":
        raise bad_request("请以 multipart/form-data 上传文件（文件放在 file 字段）", content_type=request.mimetype)
    form = request.form
    files = request.files
    unknown = sorted((set(form) - allowed_fields) | (set(files) - file_fields))
    if unknown:
        raise bad_request("存在未定义的字段：" + "、".join(unknown), fields={k: ["未定义的字段"] for k in unknown})
    values: dict[str, str] = {}
    for key in form:
        items = form.getlist(key)
        if len(items) > 1:
            raise bad_request(f"字段“{key}”只能出现一次", fields={key: ["重复"]})
        problem = text_problem(items[0])
        if problem:
            raise bad_request(problem, fields={key: [problem]})
        values[key] = items[0]
    uploads: dict[str, Any] = {}
    for key in files:
        items = files.getlist(key)
        if len(items) > 1:
            raise bad_request(f"字段“{key}”只能上传一个文件", fields={key: ["重复"]})
        uploads[key] = items[0]
    return values, uploads


def fingerprint(body: Any = None, form: dict[str, str] | None = None, files: dict[str, Any] | None = None) -> str:
    """What makes two requests "the same" for an idempotency key: method, path and canonical body."""
    parts: dict[str, Any] = {"method": request.method, "path": request.path, "body": body, "form": form or {}}
    digests = {}
    for key, upload in (files or {}).items():
        digest = hashlib.sha256()
        stream = upload.stream
        while chunk := stream.read(64 * 1024):
            digest.update(chunk)
        stream.seek(0)
        digests[key] = [upload.filename or "", digest.hexdigest()]
    parts["files"] = digests
    return hashlib.sha256(canonical_json(parts).encode("utf-8")).hexdigest()
