"""Tokens, the caller, and the admin's revocation of a user's tokens."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.registry import Call, Reply, endpoint
from app.api.schemas import MeOut, RevokedOut, TokenIn, TokenOut
from app.api.reply import iso_datetime
from app.auth.tokens import issue_token, revoke_token, revoke_user_tokens
from app.auth.auth import sign_in
from app.auth.models import User
from app.extensions import db
from workflows.errors import NotFound, NotPermitted
from workflows.roles import Role


@endpoint("POST", "/auth/token", summary="用用户名和密码换取访问令牌", tags=("auth",), body=TokenIn,
          response=TokenOut, errors=(401, 429), auth=False)
def create_token(call: Call) -> Reply:
    """A bearer token valid for PLANDESK_TOKEN_HOURS hours. Ten failures for one account within 15
    minutes (sign-in page and tokens together, counted in the database) give 429 with Retry-After
    from the addresses they came from; other addresses may still try. Too many failures from one
    address, whatever the accounts, give 429 for every account."""
    username = call.body["username"].strip()
    attempt = sign_in(username, call.body["password"], request.remote_addr)  # commits the count
    if attempt.retry_after:
        wait = attempt.retry_after
        raise ApiError(429, "too_many_attempts", f"失败次数过多，请 {max(1, wait // 60)} 分钟后再试",
                       {"retry_after": wait}, {"Retry-After": str(wait)})
    user = attempt.user
    if user is None:
        raise ApiError(401, "unauthorized", "用户名或密码错误", {"reason": "credentials"})
    issued = issue_token(user, remote_addr=request.remote_addr)
    return Reply({"token": issued.token, "expires_at": iso_datetime(issued.row.expires_at)})


@endpoint("DELETE", "/auth/token", summary="撤销本次调用所用的令牌", tags=("auth",), status=204)
def delete_token(call: Call) -> Reply:
    """Sign the token out: every later call with it answers 401."""
    assert call.token is not None
    revoke_token(call.token)
    return Reply(status=204)


@endpoint("GET", "/me", summary="当前用户", tags=("auth",), response=MeOut)
def me(call: Call) -> Reply:
    user = call.user
    assert user is not None
    return Reply({"username": user.username, "display_name": user.display_name, "roles": [user.role],
                  "unit": user.unit.slug if user.unit is not None else None})


@endpoint("POST", "/admin/users/<username>/revoke-tokens", summary="管理员撤销某用户的全部令牌", tags=("admin",),
          response=RevokedOut, errors=(403,))
def revoke_tokens(call: Call, username: str) -> Reply:
    """Admin only; the user's every live token stops working at once."""
    if call.actor.role is not Role.admin:
        raise NotPermitted("只有系统管理员可以撤销他人的令牌")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("用户不存在")
    return Reply({"revoked": revoke_user_tokens(user)})
