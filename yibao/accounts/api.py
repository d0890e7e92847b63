"""实名注册 through the API (WeChat official account, mobile app): the same binding as the web form.

The name must match the enrollment record, and the applicant proves control of the phone on it
by the code texted there (or types a window activation code). Codes expire, are single-use and
rate-limited; every refusal is 422 naming the field, or 429 for too many codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from yibao.accounts import services
from yibao.accounts.models import LoginKind
from yibao.api.auth import ErrorOut, ValidationErrorOut, field_error
from yibao.ids import mask_resident_id

router = Router(tags=["实名注册"])
FIELD_NAMES = {"id_number": "identifier", "uscc": "identifier"}


class CodeRequestIn(Schema):
    kind: Literal["person", "unit"] = Field(description="person 个人（公民身份号码）/ unit 单位（统一社会信用代码）")
    identifier: str = Field(max_length=30, description="公民身份号码或统一社会信用代码")
    name: str = Field(max_length=100, description="姓名或单位名称，须与参保登记记录一致")


class CodeSentOut(Schema):
    phone: str = Field(description="接收验证码的手机号码（已遮蔽）")
    expires: datetime = Field(description="验证码失效时间")


class RegistrationIn(CodeRequestIn):
    code: str = Field(max_length=10, description="短信验证码（6 位）或窗口实名激活码（8 位）")
    password: str = Field(max_length=128, description="登录密码（至少 8 位）")


class RegisteredOut(Schema):
    kind: str
    identifier: str = Field(description="公民身份号码（已遮蔽）或统一社会信用代码")
    name: str


def _refused(exc: services.AccountError):
    field = FIELD_NAMES.get(exc.field or "", exc.field or "identifier")
    if exc.http_status == 429:
        return Status(429, {"detail": exc.message, "code": exc.code})
    return Status(422, field_error(field, exc.message.removeprefix(f"字段 {field}：")))


@router.post("/accounts/registration/code", auth=None, summary="实名注册：向参保登记的手机号码发送验证码",
             response={202: CodeSentOut, 422: ValidationErrorOut, 429: ErrorOut})
def request_code(request, body: CodeRequestIn):
    """单位发往参保登记的经办人手机。无登记记录或无手机号码的，请到经办窗口办理实名激活。"""
    try:
        sent = services.request_registration_code(kind=body.kind, identifier=body.identifier, name=body.name,
                                                  actor="api:registration")
    except services.AccountError as exc:
        return _refused(exc)
    return Status(202, {"phone": sent.phone_masked, "expires": sent.expires_at})


@router.post("/accounts/registration", auth=None, summary="实名注册：以验证码（或窗口激活码）开通账号",
             response={201: RegisteredOut, 422: ValidationErrorOut, 429: ErrorOut})
def register(request, body: RegistrationIn):
    """开通后以 POST /api/auth/token 登录获取令牌。"""
    try:
        if body.kind == LoginKind.PERSON:
            account = services.register_person(id_number=body.identifier, name=body.name, code=body.code,
                                               password=body.password, actor="api:registration")
            shown = mask_resident_id(account.id_number)
        else:
            account = services.register_unit(uscc=body.identifier, name=body.name, code=body.code,
                                             password=body.password, actor="api:registration")
            shown = account.uscc
    except services.AccountError as exc:
        return _refused(exc)
    return Status(201, {"kind": body.kind, "identifier": shown, "name": account.name})
