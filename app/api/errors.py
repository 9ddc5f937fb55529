"""Every API error is JSON ``{"error", "message" (Chinese), "details"}``, whatever raised it."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from workflows.errors import WorkflowError

API_PREFIX = "/api/"

HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "需要有效的访问令牌"),
    403: ("not_permitted", "无权执行该操作"),
    404: ("not_found", "接口或资源不存在"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    409: ("conflict", "请求与当前状态冲突"),
    413: ("too_large", "请求内容过大"),
    415: ("bad_request", "请求的内容类型不受支持"),
    422: ("unprocessable", "请求内容无法处理"),
    429: ("too_many_attempts", "尝试次数过多，请稍后再试"),
    500: ("internal_error", "服务器内部错误，操作未完成"),
}


class ApiError(Exception):
    """A refusal decided in the API layer (token, body shape, throttling)."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers or {}


def bad_request(message: str, **details: Any) -> ApiError:
    return ApiError(400, "bad_request", message, details)


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> Response:
    response = jsonify({"error": code, "message": message, "details": details or {}, **(extra or {})})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_details(messages: Any) -> dict[str, Any]:
    """marshmallow's messages, keyed by field; "_schema" problems kept as they are."""
    if isinstance(messages, dict):
        return {"fields": messages}
    return {"fields": {"_body": messages}}


def _handle_api_error(exc: ApiError) -> Response:
    db.session.rollback()
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


def _handle_workflow_error(exc: WorkflowError) -> Response:
    db.session.rollback()
    return error_response(exc.http_status, exc.code, exc.message, exc.details,
                          extra={key: exc.details[key] for key in exc.top_level if key in exc.details})


def _handle_validation_error(exc: ValidationError) -> Response:
    db.session.rollback()
    return error_response(400, "bad_request", "请求内容不符合接口定义", validation_details(exc.messages))


def _handle_http_exception(exc: HTTPException) -> Response | HTTPException:
    if not request.path.startswith(API_PREFIX):
        return exc  # the screens keep Flask's own pages
    status = exc.code or 500
    code, message = HTTP_ERRORS.get(status, (f"http_{status}", exc.description or "请求失败"))
    if status == 413:
        message = "请求内容过大（上传文件或请求体超过限制）"
    headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}
    return error_response(status, code, message, {}, headers)


def _handle_internal_error(exc: InternalServerError) -> Response | InternalServerError:
    db.session.rollback()
    if not request.path.startswith(API_PREFIX):
        return exc
    return error_response(500, *HTTP_ERRORS[500])


def register(bp: Blueprint) -> None:
    """Blueprint handlers for API refusals; app-wide ones so unknown /api/ paths, 405 and 413 answer JSON."""
    bp.register_error_handler(ApiError, _handle_api_error)
    bp.register_error_handler(WorkflowError, _handle_workflow_error)
    bp.register_error_handler(ValidationError, _handle_validation_error)
    bp.app_errorhandler(HTTPException)(_handle_http_exception)
    bp.app_errorhandler(InternalServerError)(_handle_internal_error)
