"""Bearer-token authentication of API calls (401 otherwise)."""
from __future__ import annotations

from flask import request

from app.api.errors import ApiError
from app.auth.tokens_models import ApiToken
from app.auth.tokens import resolve_token
from app.auth.models import User

MAX_TOKEN_LENGTH = 200
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="plandesk"'}
REASONS = {
    "missing": "缺少访问令牌（请求头 Authorization: Bearer <token>）",
    "invalid": "访问令牌无效",
    "expired": "访问令牌已过期，请重新获取",
    "revoked": "访问令牌已被撤销，请重新获取",
    "inactive": "账号已停用",
}


def unauthorized(reason: str) -> ApiError:
    return ApiError(401, "unauthorized", REASONS[reason], {"reason": reason}, CHALLENGE)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def authenticate_request() -> tuple[User, ApiToken]:
    """The caller of this request, from its bearer token; 401 when missing, unknown, expired or revoked."""
    token = bearer_token()
    if token is None:
        raise unauthorized("missing")
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
        raise unauthorized("invalid")
    row, reason = resolve_token(token)
    if row is None or reason != "ok":
        raise unauthorized(reason)
    return row.user, row
