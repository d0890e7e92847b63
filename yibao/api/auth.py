"""Bearer tokens for the mobile channels: issue (log in), resolve, revoke.

A client logs in once with ``POST /api/auth/token`` (the same
``authenticate_account`` as the web login, so the lockout applies) and sends
``Authorization: Bearer <token>`` afterwards. Only the token's SHA-256 is
stored; the token is returned once and never again.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
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
INVALID_TOKEN = "令牌无效、已过期或已注销"
NO_TOKEN = "未登录：请在请求头 Authorization 中提供 Bearer 令牌（POST /api/auth/token 获取）"
# last_used_at is informative: write it at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- schemas shared by every router of ours -------------------------------------------------

class ErrorOut(Schema):
    detail: str = Field(description="中文错误说明")
    code: str | None = Field(None, description="稳定的错误代码（领域错误才有），供客户端分支处理")


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
        # This process's hot path stops honouring it at once, and again once committed (a hot
        # request in between may have read the row before the revocation was visible).
        forget_identities()
        transaction.on_commit(forget_identities)
        record_audit(actor=actor, action="api.token.revoke", object_type="ApiToken",
                     object_id=token.pk, channel=token.channel,
                     before={"prefix": token.prefix, "revoked_at": None},
                     after={"revoked_at": now.isoformat()})
    token.refresh_from_db(fields=["revoked_at"])
    return token


class TokenNotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def idle_limit() -> timedelta:
    return timedelta(days=settings.API_TOKEN_IDLE_DAYS)


def max_age() -> timedelta:
    return timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def expires_at(token: ApiToken) -> datetime:
    """When a token stops working if unused from now on: idle limit or absolute limit, the earlier."""
    last = token.last_used_at or token.created_at
    return min(last + idle_limit(), token.created_at + max_age())


def is_expired(token: ApiToken, now: datetime) -> bool:
    return now >= expires_at(token)


def tokens_of(user, *, now: datetime | None = None) -> list[ApiToken]:
    """A user's tokens that still work (not revoked, not expired), newest first."""
    now = now or timezone.now()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True,
                                     created_at__gt=now - max_age())
    return [t for t in tokens if not is_expired(t, now)]


@transaction.atomic
def revoke_token_of(*, user, token_id: int, actor: str) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is "not found" (TokenNotFound)."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise TokenNotFound(f"没有编号为 {token_id} 的令牌")
    return revoke_token(token=token, actor=actor)


def token_query(key_hash: str):
    """The queryset resolve_token reads (yibao bench sql runs its SQL with pgbench)."""
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash, revoked_at__isnull=True)


def resolve_token(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The active token for a presented string (user loaded), or None.

    A token ends API_TOKEN_IDLE_DAYS after its last use and API_TOKEN_MAX_AGE_DAYS
    after it was issued, whichever comes first (a lost phone stops being a key).
    """
    if not raw or not raw.startswith(TOKEN_MARK) or len(raw) > 100:
        return None
    token = token_query(hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if is_expired(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- the in-process identity cache of the hot read path (yibao.api.hot) ----------------------

@dataclass
class Identity:
    """A resolved token: the token row (user loaded) and, for a clerk, (region id, region name).

    A clerk's profile (agency, window, roles) is read on the first request that needs it and
    kept with the entry, so it is forgotten with it (``forget_identities``).
    """

    token: ApiToken
    region: tuple[int, str] | None
    read_at: float  # time.monotonic() of the database read
    _staff: object = None
    _staff_read: bool = False
    _account: object = None
    _account_read: bool = False

    def staff(self):
        """The clerk behind the token (``agencies.selectors.staff_of``), or None; read once per entry."""
        if not self._staff_read:
            from yibao.agencies.selectors import staff_of  # agencies imports this module's models

            self._staff = staff_of(self.token.user) if self.token.kind == "staff" else None
            self._staff_read = True
        return self._staff

    def account(self):
        """The person or unit account behind a person or unit token, or None; read once per entry."""
        if not self._account_read:
            from yibao.accounts.selectors import (  # accounts imports this module's models
                person_of,
                unit_of,
            )

            reader = {"person": person_of, "unit": unit_of}.get(self.token.kind)
            self._account = reader(self.token.user) if reader else None
            self._account_read = True
        return self._account


_identities: dict[str, Identity] = {}
_identities_lock = threading.Lock()
IDENTITY_CACHE_SIZE = 10_000


def forget_identities(**_kwargs) -> None:
    """Drop every cached identity (a token revoked, a user, clerk or role changed in this process)."""
    with _identities_lock:
        _identities.clear()


def cached_identity(raw: str, *, now: datetime | None = None) -> Identity | None:
    """resolve_token and the clerk's profile and region, kept in process for API_TOKEN_CACHE_SECONDS.

    Every API request authenticates through it (``TokenAuth``), the hot read path too.
    Correct at once for what this process changes (revocation and any save of a user, clerk,
    role, agency, window or person's or unit's account clear the cache); what another process changes is seen after
    API_TOKEN_CACHE_SECONDS at the latest, when the entry is read from the database again.
    Expiry and the once-a-minute last_used_at write are checked on every request, as
    resolve_token does.
    """
    if not raw or not raw.startswith(TOKEN_MARK) or len(raw) > 100:
        return None
    key = hash_token(raw)
    entry = _identities.get(key)
    if entry is None or time.monotonic() - entry.read_at >= settings.API_TOKEN_CACHE_SECONDS:
        token = resolve_token(raw, now=now)
        if token is None:
            with _identities_lock:
                _identities.pop(key, None)
            return None
        entry = Identity(token, None, time.monotonic())
        if token.kind == "staff":
            # The clerk's profile once, with the region the hot path's scope needs taken from it.
            staff = entry.staff()
            if staff is not None and staff.is_active:
                entry.region = (staff.agency.region_id, staff.agency.region.name)
        with _identities_lock:
            if len(_identities) >= IDENTITY_CACHE_SIZE:
                _identities.clear()
            _identities[key] = entry
        return entry
    now = now or timezone.now()
    token = entry.token
    if is_expired(token, now):
        forget_identities()
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return entry


def _forget_on_changes() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from yibao.accounts.models import PersonAccount, UnitAccount
    from yibao.agencies.models import Agency, StaffMember, StaffRole, Window

    # A clerk's cached profile carries the agency and its default window too.
    for model in (get_user_model(), StaffMember, StaffRole, ApiToken, Agency, Window, PersonAccount, UnitAccount):
        post_save.connect(forget_identities, sender=model, dispatch_uid=f"forget-identities-save-{model.__name__}")
        post_delete.connect(forget_identities, sender=model, dispatch_uid=f"forget-identities-del-{model.__name__}")


_forget_on_changes()


# --- ninja auth -----------------------------------------------------------------------------

class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` → the token's user (``request.api_token`` holds the token)."""

    openapi_description = "POST /api/auth/token 获取的令牌，放在 Authorization: Bearer <令牌>"

    def authenticate(self, request, token: str):
        # The same cache as the hot read path: the token row, its user and (once asked for) the
        # clerk's profile are read again after API_TOKEN_CACHE_SECONDS or when they change here.
        identity = cached_identity(token)
        if identity is None:
            raise AuthenticationError(message=INVALID_TOKEN)
        request.api_token = identity.token
        request.api_identity = identity
        return identity.token.user


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
TOKEN_KINDS = {"institution": "inst"}  # login kind → ApiToken.kind where they differ


class TokenIn(Schema):
    kind: Literal["person", "unit", "institution", "staff"] = Field(description="person 个人（公民身份号码）/ unit 单位（统一社会信用代码）/ institution 定点医药机构（统一社会信用代码）/ staff 经办人员（用户名）")
    identifier: str = Field(max_length=150, description="公民身份号码、统一社会信用代码或经办人员用户名")
    password: str = Field(max_length=128)
    channel: Literal["wechat", "app"] = Field(description="wechat 微信公众号 / app 手机App")
    name: str = Field("", max_length=60, description="设备名称（可选），便于区分令牌")


class TokenOut(Schema):
    token: str = Field(description="令牌，仅本次返回，请妥善保存")
    prefix: str
    kind: str
    channel: str
    expires: datetime = Field(description="不再使用时的到期时间（闲置期限与最长有效期中较早者）")


class TokenInfoOut(Schema):
    id: int
    prefix: str
    kind: str
    channel: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires: datetime = Field(description="不再使用时的到期时间")
    current: bool = Field(False, description="是否为本次请求所用的令牌")


def _info(token: ApiToken, current: ApiToken | None = None) -> dict:
    return {"id": token.pk, "prefix": token.prefix, "kind": token.kind, "channel": token.channel,
            "name": token.name, "created_at": token.created_at, "last_used_at": token.last_used_at,
            "expires": expires_at(token), "current": current is not None and token.pk == current.pk}


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
    # ApiToken.kind holds at most 10 characters: an institution's token is kind "inst".
    token, raw = issue_token(user=user, kind=TOKEN_KINDS.get(body.kind, body.kind), channel=body.channel,
                             name=body.name)
    return Status(201, {"token": raw, "prefix": token.prefix, "kind": token.kind, "channel": token.channel,
                        "expires": expires_at(token)})


@router.get("/auth/token", auth=token_auth, summary="当前令牌信息",
            response={200: TokenInfoOut, 401: ErrorOut})
def current_token(request):
    return _info(request.api_token, request.api_token)


@router.delete("/auth/token", auth=token_auth, summary="注销当前令牌（退出登录）",
               response={204: None, 401: ErrorOut})
def delete_token(request):
    revoke_token(token=request.api_token, actor=request.auth.get_username())
    return Status(204, None)


@router.get("/auth/tokens", auth=token_auth, summary="本账号的有效令牌列表",
            response={200: list[TokenInfoOut], 401: ErrorOut})
def list_tokens(request):
    """本账号未注销、未过期的全部令牌（各设备），新的在前。"""
    return [_info(t, request.api_token) for t in tokens_of(request.auth)]


@router.delete("/auth/tokens/{token_id}", auth=token_auth, summary="注销本账号的某个令牌",
               response={204: None, 401: ErrorOut, 404: ErrorOut})
def delete_one_token(request, token_id: int):
    """只能注销本账号的令牌；他人的令牌按不存在处理（404）。"""
    try:
        revoke_token_of(user=request.auth, token_id=token_id, actor=request.auth.get_username())
    except TokenNotFound as exc:
        return Status(404, {"detail": exc.message})
    return Status(204, None)
