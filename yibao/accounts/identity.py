"""Real-name proof (实名核验): whoever holds an account is the person or unit it names.

A claim (an ID number or USCC with a name) is proven by an ``IdentityVerifier``:

- ``SmsCodeVerifier``: the name must match the enrollment record, and a
  6-digit code is texted to the mobile number on that record (a unit's:
  the 经办人 phone on the unit record); whoever types it back controls that
  phone.
- ``WindowCodeVerifier``: for whoever has no record or no mobile number on it.
  A clerk with the accept role checks the ID card (the USCC certificate) in
  person and the system prints an 8-digit activation code.

``settings.YIBAO_IDENTITY_VERIFIERS`` lists the verifiers (dotted paths); a
national real-name provider (医保电子凭证 / 电子社保卡) is one more class with
``accepts``/``confirm``, placed first in that list.

Codes are stored as keyed hashes, expire, are single-use and allow a few
wrong tries; SMS codes are rate-limited per phone and per ID number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from yibao.accounts.models import (
    CodeMethod,
    CodePurpose,
    LoginKind,
    OneTimeCode,
    PersonAccount,
    UnitAccount,
)
from yibao.agencies.models import Role, StaffMember
from yibao.agencies.selectors import staff_can
from yibao.audit.services import record_audit
from yibao.enrollment.models import Person, Unit, UnitStatus
from yibao.errors import DomainError
from yibao.ids import InvalidIdentifier, mask_resident_id, validate_resident_id, validate_uscc
from yibao.notifications.services import is_mobile, mask_phone, send_sms

SMS_CODE_TTL = timedelta(minutes=5)
WINDOW_CODE_TTL = timedelta(hours=72)
MAX_ATTEMPTS = 5
SMS_MIN_INTERVAL = timedelta(seconds=60)
SMS_PER_HOUR = 5
# Wrong names tried against one ID number (USCC) before online requests for it stop for
# an hour: otherwise the name check is an oracle that confirms a guessed name.
NAME_MISSES_PER_HOUR = 5
NAME_MISS_WINDOW = timedelta(hours=1)
SMS_DIGITS = 6
WINDOW_DIGITS = 8

DEFAULT_VERIFIERS = ["yibao.accounts.identity.SmsCodeVerifier",
                     "yibao.accounts.identity.WindowCodeVerifier"]


class IdentityError(DomainError):
    """A refused proof; the Chinese message names the field."""

    code = "identity_refused"


class CodeRateLimited(IdentityError):
    """Codes asked for too soon or too often (HTTP 429 in the API)."""

    kind = "too_many"
    code = "identity_rate_limited"


@dataclass(frozen=True)
class IdentityClaim:
    """Who an applicant says they are."""

    kind: str  # LoginKind.PERSON or LoginKind.UNIT
    identifier: str  # normalised 公民身份号码 or USCC
    name: str
    purpose: str = CodePurpose.REGISTER
    phone: str = ""  # for CHANGE_PHONE: the new phone to prove


@dataclass(frozen=True)
class VerifiedIdentity:
    """A proven claim: who, by which method, and the phone proven (if any)."""

    kind: str
    identifier: str
    name: str
    phone: str
    method: str


@dataclass(frozen=True)
class SentCode:
    phone_masked: str
    expires_at: datetime


# --- the claim and the record ------------------------------------------------------------------

def _field(kind: str) -> str:
    return "id_number" if kind == LoginKind.PERSON else "uscc"


def normalise_claim(*, kind: str, identifier: str, name: str,
                    purpose: str = CodePurpose.REGISTER, phone: str = "") -> IdentityClaim:
    """Validate what an applicant typed: the ID number (USCC) and a non-empty name."""
    field = _field(kind) if kind in (LoginKind.PERSON, LoginKind.UNIT) else "kind"
    if field == "kind":
        raise IdentityError("实名核验对象须为个人或单位", field="kind")
    try:
        number = str(validate_resident_id(identifier) if kind == LoginKind.PERSON else validate_uscc(identifier))
    except InvalidIdentifier as exc:
        raise IdentityError(exc.message, field=field) from exc
    name = (name or "").strip()
    limit = 50 if kind == LoginKind.PERSON else 100
    if not name:
        raise IdentityError("姓名不能为空" if kind == LoginKind.PERSON else "单位名称不能为空", field="name")
    if len(name) > limit:
        raise IdentityError(f"{'姓名' if kind == LoginKind.PERSON else '单位名称'}不能超过 {limit} 个字", field="name")
    return IdentityClaim(kind=kind, identifier=number, name=name, purpose=purpose, phone=(phone or "").strip())


def _shown(claim: IdentityClaim) -> str:
    return mask_resident_id(claim.identifier) if claim.kind == LoginKind.PERSON else claim.identifier


def record_of(claim: IdentityClaim, *, lock: bool = False) -> Person | Unit | None:
    """The enrollment record the claim names (None if there is none)."""
    model = Person if claim.kind == LoginKind.PERSON else Unit
    field = "id_number" if claim.kind == LoginKind.PERSON else "uscc"
    rows = model.objects.select_for_update() if lock else model.objects
    return rows.filter(**{field: claim.identifier}).first()


def _name_misses_key(claim: IdentityClaim) -> str:
    return f"yibao:identity:name-misses:{claim.kind}:{claim.identifier}"


def check_record(claim: IdentityClaim, record: Person | Unit | None, *, count_misses: bool = True) -> None:
    """A record that exists must carry the claimed name and be usable.

    Online (``count_misses``), each wrong name counts against the ID number; after
    NAME_MISSES_PER_HOUR of them every request for it is refused for an hour, even
    with the right name, so guessing learns nothing. The count lives in the cache,
    not the database, because the refusal rolls back the transaction it is raised in; the
    project's cache is a directory shared by all worker processes (settings.CACHES).
    A clerk who checked the ID card in person (window activation) is not counted.
    """
    if record is None:
        return
    label = "姓名" if claim.kind == LoginKind.PERSON else "单位名称"
    key = _name_misses_key(claim)
    if count_misses and (cache.get(key) or 0) >= NAME_MISSES_PER_HOUR:
        raise IdentityError(f"{_shown(claim)} 的{label}核对错误已达 {NAME_MISSES_PER_HOUR} 次，请 1 小时后再试，"
                            "或携带" + ("本人身份证" if claim.kind == LoginKind.PERSON else
                                       "统一社会信用代码证书（营业执照）") + "到任一经办窗口办理实名激活",
                            field="name")
    if record.name != claim.name:
        if count_misses:
            cache.add(key, 0, timeout=int(NAME_MISS_WINDOW.total_seconds()))
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=int(NAME_MISS_WINDOW.total_seconds()))
        raise IdentityError(f"字段 {label}：与{_shown(claim)}的参保登记{label}不符", field="name")
    if isinstance(record, Person):
        if record.death_date is not None:
            raise IdentityError(f"公民身份号码 {_shown(claim)} 的参保记录已登记死亡，不能注册", field="id_number")
        if record.merged_into_id:
            raise IdentityError(f"公民身份号码 {_shown(claim)} 的记录已合并至另一记录，请以保留记录的证件号码注册",
                                field="id_number")
    elif record.status == UnitStatus.CANCELLED:
        raise IdentityError(f"统一社会信用代码 {claim.identifier} 的单位已注销，不能注册", field="uscc")


def record_phone(record: Person | Unit | None) -> str:
    """The mobile number on the record (a unit's 经办人 phone), or "" if none can receive a text."""
    if record is None:
        return ""
    phone = record.phone if isinstance(record, Person) else record.contact_phone
    return phone.strip() if is_mobile(phone) else ""


def already_registered(claim: IdentityClaim) -> bool:
    if claim.kind == LoginKind.PERSON:
        return PersonAccount.objects.filter(id_number=claim.identifier).exists()
    return UnitAccount.objects.filter(uscc=claim.identifier).exists()


# --- codes ---------------------------------------------------------------------------------------

def _hash(salt: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(digits: int) -> str:
    return f"{secrets.randbelow(10 ** digits):0{digits}d}"


def _store(claim: IdentityClaim, *, method: str, phone: str, code: str, now: datetime, ttl: timedelta,
           issued_by: str = "") -> OneTimeCode:
    salt = secrets.token_hex(16)
    row = OneTimeCode(purpose=claim.purpose, method=method, subject_kind=claim.kind, subject=claim.identifier,
                      name=claim.name, phone=phone, salt=salt, code_hash=_hash(salt, code), created_at=now,
                      expires_at=now + ttl, issued_by=issued_by)
    row.full_clean()
    row.save()
    return row


def _check_rate(claim: IdentityClaim, phone: str, now: datetime) -> None:
    sent = OneTimeCode.objects.filter(method=CodeMethod.SMS, created_at__gt=now - timedelta(hours=1))
    for rows, who in ((sent.filter(phone=phone), "该手机号码"), (sent.filter(subject=claim.identifier), "该证件号码")):
        latest = rows.order_by("-created_at").values_list("created_at", flat=True).first()
        if latest is not None and latest > now - SMS_MIN_INTERVAL:
            wait = int((latest + SMS_MIN_INTERVAL - now).total_seconds()) + 1
            raise CodeRateLimited(f"验证码发送过于频繁，请 {wait} 秒后再试", field="code")
        if rows.count() >= SMS_PER_HOUR:
            raise CodeRateLimited(f"{who} 1 小时内最多获取 {SMS_PER_HOUR} 次验证码，请稍后再试", field="code")


def _consume(claim: IdentityClaim, *, method: str, code: str, consumer: str, now: datetime) -> OneTimeCode:
    """Use a live code of the claim; a wrong code counts one try on every live code."""
    code = (code or "").strip()
    error: IdentityError
    with transaction.atomic():
        live = list(OneTimeCode.objects.select_for_update().filter(
            purpose=claim.purpose, method=method, subject_kind=claim.kind, subject=claim.identifier,
            used_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS,
            **({"phone": claim.phone} if claim.purpose == CodePurpose.CHANGE_PHONE else {})).order_by("-created_at"))
        label = CodeMethod(method).label
        if not live:
            error = IdentityError(f"字段 {label}：没有有效的{label}（已过期、已使用或错误次数过多），请重新获取",
                                  field="code")
        else:
            match = next((row for row in live if hmac.compare_digest(row.code_hash, _hash(row.salt, code))), None)
            if match is not None and match.name == claim.name:
                match.used_at, match.used_for = now, consumer[:40]
                match.save(update_fields=["used_at", "used_for"])
                record_audit(actor=consumer or "anonymous", action=f"accounts.code.{method}.use",
                             object_type="OneTimeCode", object_id=str(match.pk),
                             after={"purpose": claim.purpose, "subject": claim.identifier})
                return match
            for row in live:
                row.attempts += 1
                row.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - max(row.attempts for row in live)
            error = IdentityError(f"字段 {label}：{label}错误" + (f"，还可再试 {left} 次" if left > 0 else
                                                                   "，已失效，请重新获取"), field="code")
    # Raised outside the block so that the counted try is kept.
    raise error


def used_code(claim: IdentityClaim, *, consumer: str) -> OneTimeCode | None:
    """The code already used by ``consumer`` for this claim (a case checked twice uses its code once)."""
    return OneTimeCode.objects.filter(purpose=claim.purpose, subject=claim.identifier, phone=claim.phone,
                                      used_for=consumer[:40]).exclude(used_at__isnull=True).first()


# --- verifiers -------------------------------------------------------------------------------------

class IdentityVerifier:
    """A way to prove a claim. ``accepts`` says whether a proof is this verifier's
    (its format); ``confirm`` checks it and returns the verified identity or raises IdentityError."""

    method = ""
    label = ""

    def accepts(self, proof: str) -> bool:
        raise NotImplementedError

    def confirm(self, *, claim: IdentityClaim, proof: str, consumer: str,
                now: datetime | None = None) -> VerifiedIdentity:
        raise NotImplementedError


class SmsCodeVerifier(IdentityVerifier):
    """A 6-digit code texted to the phone on the enrollment record (or the new phone to prove)."""

    method = CodeMethod.SMS
    label = "短信验证码"

    def accepts(self, proof: str) -> bool:
        return bool(re.fullmatch(rf"\d{{{SMS_DIGITS}}}", (proof or "").strip()))

    def start(self, *, claim: IdentityClaim, actor: str, now: datetime | None = None) -> SentCode:
        """Text a fresh code; refuses (naming why) when there is no record, no mobile
        number on it, a name that does not match, or too many codes lately."""
        now = now or timezone.now()
        with transaction.atomic():
            record = record_of(claim, lock=True)  # serialises the rate check per ID number
            check_record(claim, record)
            if claim.purpose == CodePurpose.CHANGE_PHONE:
                phone = claim.phone
                if not is_mobile(phone):
                    raise IdentityError("字段 新手机号码：应为 11 位手机号码", field="phone")
            else:
                if record is None:
                    raise IdentityError(f"{_shown(claim)} 没有参保登记记录，不能以短信验证码核验。"
                                        "请携带" + ("本人身份证" if claim.kind == LoginKind.PERSON else
                                                   "统一社会信用代码证书（营业执照）") +
                                        "到任一经办窗口办理实名激活，凭激活码注册", field=_field(claim.kind))
                phone = record_phone(record)
                if not phone:
                    raise IdentityError("参保登记记录中没有可接收短信的手机号码。请携带" +
                                        ("本人身份证" if claim.kind == LoginKind.PERSON else
                                         "统一社会信用代码证书（营业执照）") +
                                        "到任一经办窗口办理实名激活，凭激活码注册", field=_field(claim.kind))
            _check_rate(claim, phone, now)
            code = _new_code(SMS_DIGITS)
            row = _store(claim, method=CodeMethod.SMS, phone=phone, code=code, now=now, ttl=SMS_CODE_TTL)
            minutes = int(SMS_CODE_TTL.total_seconds() // 60)
            what = "更换手机号码" if claim.purpose == CodePurpose.CHANGE_PHONE else "注册医保网上服务大厅账号"
            send_sms(phone=phone, purpose=f"code_{claim.purpose}", actor=actor,
                     text=f"【医保经办】您正在{what}，验证码 {code}，{minutes} 分钟内有效。"
                          "如非本人操作，请勿告诉他人并致电经办机构。")
            record_audit(actor=actor, action="accounts.code.sms.send", object_type="OneTimeCode",
                         object_id=str(row.pk), after={"purpose": claim.purpose, "subject": claim.identifier,
                                                       "phone": mask_phone(phone)})
        return SentCode(mask_phone(phone), row.expires_at)

    def confirm(self, *, claim: IdentityClaim, proof: str, consumer: str,
                now: datetime | None = None) -> VerifiedIdentity:
        row = _consume(claim, method=CodeMethod.SMS, code=proof, consumer=consumer, now=now or timezone.now())
        return VerifiedIdentity(claim.kind, claim.identifier, claim.name, row.phone, CodeMethod.SMS)


class WindowCodeVerifier(IdentityVerifier):
    """An 8-digit activation code printed at a window after the clerk checked the ID card in person."""

    method = CodeMethod.WINDOW
    label = "窗口实名激活码"

    def accepts(self, proof: str) -> bool:
        return bool(re.fullmatch(rf"\d{{{WINDOW_DIGITS}}}", (proof or "").strip()))

    def confirm(self, *, claim: IdentityClaim, proof: str, consumer: str,
                now: datetime | None = None) -> VerifiedIdentity:
        row = _consume(claim, method=CodeMethod.WINDOW, code=proof, consumer=consumer, now=now or timezone.now())
        return VerifiedIdentity(claim.kind, claim.identifier, claim.name, row.phone, CodeMethod.WINDOW)


def verifiers() -> list[IdentityVerifier]:
    """The configured verifiers, in the order they are asked."""
    return [import_string(path)() for path in getattr(settings, "YIBAO_IDENTITY_VERIFIERS", DEFAULT_VERIFIERS)]


def sms_verifier() -> SmsCodeVerifier:
    return SmsCodeVerifier()


def confirm_identity(*, claim: IdentityClaim, proof: str, consumer: str,
                     now: datetime | None = None) -> VerifiedIdentity:
    """Prove a claim with whatever the applicant typed (an SMS code, an activation code …)."""
    proof = (proof or "").strip()
    if not proof:
        raise IdentityError("字段 验证码：请填写短信验证码或窗口实名激活码", field="code")
    for verifier in verifiers():
        if verifier.accepts(proof):
            return verifier.confirm(claim=claim, proof=proof, consumer=consumer, now=now)
    raise IdentityError(f"字段 验证码：短信验证码为 {SMS_DIGITS} 位数字，窗口实名激活码为 {WINDOW_DIGITS} 位数字",
                        field="code")


# --- window activation ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WindowActivation:
    code: str  # shown once, on the printed slip
    row: OneTimeCode
    has_record: bool


@transaction.atomic
def issue_window_activation(*, claim: IdentityClaim, staff: StaffMember, document_checked: bool,
                            phone: str = "", now: datetime | None = None) -> WindowActivation:
    """A clerk (accept role) who checked the ID card (USCC certificate) in person prints an activation code.

    When a record exists the name must match it. Issuing a new code voids the
    earlier unused ones of the same person or unit.
    """
    now = now or timezone.now()
    if not staff_can(staff, Role.ACCEPT):
        raise IdentityError(f"{staff.name} 没有「受理」权限，不能办理实名激活")
    if not document_checked:
        doc = "身份证原件" if claim.kind == LoginKind.PERSON else "统一社会信用代码证书（营业执照）原件"
        raise IdentityError(f"字段 证件核验：须当面核验{doc}后勾选确认", field="document_checked")
    phone = (phone or "").strip()
    if phone and not is_mobile(phone):
        raise IdentityError("字段 手机号码：应为 11 位手机号码（可不填）", field="phone")
    record = record_of(claim, lock=True)
    check_record(claim, record, count_misses=False)
    if already_registered(claim):
        raise IdentityError(f"{_shown(claim)} 已注册网上账号，无需激活", field=_field(claim.kind))
    OneTimeCode.objects.filter(purpose=CodePurpose.REGISTER, method=CodeMethod.WINDOW, subject=claim.identifier,
                               used_at__isnull=True).update(expires_at=now)
    code = _new_code(WINDOW_DIGITS)
    row = _store(claim, method=CodeMethod.WINDOW, phone=phone, code=code, now=now, ttl=WINDOW_CODE_TTL,
                 issued_by=staff.user.username)
    record_audit(actor=staff.user.username, action="accounts.code.window.issue", object_type="OneTimeCode",
                 object_id=str(row.pk), after={"subject": claim.identifier, "name": claim.name,
                                               "agency": staff.agency.code, "has_record": record is not None})
    return WindowActivation(code, row, record is not None)
