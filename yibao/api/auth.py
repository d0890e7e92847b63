"""Bearer tokens for the mobile channels: issue (log in), resolve, revoke.

A client logs in once with ``POST /api/auth/token`` (the same
``authenticate_account`` as the web login, so the lockout applies) and sends
``Authorization: Bearer <token>`` afterwards. Only the token's SHA-256 is
stored; the token is returned once and never again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal

from django.db import transaction
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from pydantic import Field

from yibao.accounts.services import AccountError, LoginLocked, authenticate_account
from yibao.api.models import ApiToken, TokenChannel
from yibao.audit.services import record_audit

TOKEN_MARK = "yb_"
INVALID_TOKEN = "令牌无效或已注销"
NO_TOKEN = "未登录：请在请求头 Authorization 中提供 Bearer 令牌（POST /api/auth/token 获取）"
# last_used_at is informative: write it at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- schemas shared by every router of ours -------------------------------------------------

class ErrorOut(Schema):
    detail: str = Field(description="中文错误说明")


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str = Field(description="中文错误说明，逐项列出字段")
    errors: list[FieldErrorOut] = []


def field_error(field: str, message: str) -> dict:
    """A 422 body naming one field, in the shape of ``yibao.api.errors``."""
    return {"detail": f"字段 {field}：{message}", "errors": [{"field": field, "message": message}]}


# --- services -----------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_token(*, user, kind: str, channel: str, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for a logged-in user; return the row and the token (shown once)."""
    if channel not in TokenChannel.values:
        raise ValueError(f"渠道「{channel}」无效")
    raw = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken(user=user, key_hash=hash_token(raw), prefix=raw[:8], kind=kind,
                     channel=channel, name=name[:60])
    token.full_clean()
    token.save()
    record_audit(actor=user.get_username(), action="api.token.issue", object_type="ApiToken",
                 object_id=token.pk, channel=channel,
                 after={"prefix": token.prefix, "kind": kind, "channel": channel})
    return token, raw


@transaction.atomic
def revoke_token(*, token: ApiToken, actor: str) -> ApiToken:
    """Revoke a token (logout of the app); revoking twice is harmless."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        record_audit(actor=actor, action="api.token.revoke", object_type="ApiToken",
                     object_id=token.pk, channel=token.channel,
                     before={"prefix": token.prefix, "revoked_at": None},
                     after={"revoked_at": now.isoformat()})
    token.refresh_from_db(fields=["revoked_at"])
    return token


def resolve_token(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The active token for a presented string (user loaded), or None."""
    if not raw or not raw.startswith(TOKEN_MARK) or len(raw) > 100:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hash_token(raw), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- ninja auth -----------------------------------------------------------------------------

class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` → the token's user (``request.api_token`` holds the token)."""

    openapi_description = "POST /api/auth/token 获取的令牌，放在 Authorization: Bearer <令牌>"

    def authenticate(self, request, token: str):
        api_token = resolve_token(token)
        if api_token is None:
            raise AuthenticationError(message=INVALID_TOKEN)
        request.api_token = api_token
        return api_token.user


token_auth = TokenAuth()


def install_auth_error_handler(api) -> None:
    """401 in Chinese, with the WWW-Authenticate header, for a missing or bad token."""

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc: AuthenticationError):
        message = exc.message if exc.message != "Unauthorized" else NO_TOKEN
        response = api.create_response(request, {"detail": message}, status=exc.status_code)
        response["WWW-Authenticate"] = 'Bearer realm="yibao"'
        return response


# --- endpoints ------------------------------------------------------------------------------

router = Router(tags=["令牌"])


class TokenIn(Schema):
    kind: Literal["person", "unit", "staff"] = Field(description="person 个人（公民身份号码）/ unit 单位（统一社会信用代码）/ staff 经办人员（用户名）")
    identifier: str = Field(max_length=150, description="公民身份号码、统一社会信用代码或经办人员用户名")
    password: str = Field(max_length=128)
    channel: Literal["wechat", "app"] = Field(description="wechat 微信公众号 / app 手机App")
    name: str = Field("", max_length=60, description="设备名称（可选），便于区分令牌")


class TokenOut(Schema):
    token: str = Field(description="令牌，仅本次返回，请妥善保存")
    prefix: str
    kind: str
    channel: str
    expires: datetime | None = Field(None, description="到期时间；null 表示注销前一直有效")


class TokenInfoOut(Schema):
    prefix: str
    kind: str
    channel: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@router.post("/auth/token", auth=None, summary="登录并获取令牌（微信公众号、手机App）",
             response={201: TokenOut, 401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut})
def obtain_token(request, body: TokenIn):
    """连续 5 次密码错误锁定 15 分钟（与网页登录共用计数）。"""
    try:
        user = authenticate_account(kind=body.kind, identifier=body.identifier, password=body.password,
                                    request=request, channel=body.channel)
    except LoginLocked as exc:
        return Status(429, {"detail": exc.message})
    except AccountError as exc:
        if exc.field == "identifier":  # malformed ID number / USCC / username: bad input
            return Status(422, field_error("identifier", exc.message))
        return Status(401, {"detail": exc.message})
    token, raw = issue_token(user=user, kind=body.kind, channel=body.channel, name=body.name)
    return Status(201, {"token": raw, "prefix": token.prefix, "kind": token.kind, "channel": token.channel,
                        "expires": None})


@router.get("/auth/token", auth=token_auth, summary="当前令牌信息",
            response={200: TokenInfoOut, 401: ErrorOut})
def current_token(request):
    return request.api_token


@router.delete("/auth/token", auth=token_auth, summary="注销当前令牌（退出登录）",
               response={204: None, 401: ErrorOut})
def delete_token(request):
    revoke_token(token=request.api_token, actor=request.auth.get_username())
    return Status(204, None)
