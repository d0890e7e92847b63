"""Registration and login of persons, units and staff (see models.py for the design)."""

from __future__ import annotations

import datetime
import hashlib
import math

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from yibao.accounts import identity
from yibao.accounts.models import (
    INSTITUTION_KIND,
    LOGIN_KIND_LABELS,
    PERSON_PREFIX,
    UNIT_PREFIX,
    CodePurpose,
    LoginAddressThrottle,
    LoginKind,
    LoginThrottle,
    PersonAccount,
    UnitAccount,
)
from yibao.agencies.models import StaffMember
from yibao.agencies.services import DEMO_PASSWORD, DemoLogin
from yibao.audit.services import record_audit
from yibao.errors import DomainError
from yibao.ids import (
    InvalidIdentifier,
    make_resident_id,
    make_uscc,
    mask_resident_id,
    validate_resident_id,
    validate_uscc,
)

MAX_FAILURES = 5
# Failed logins from one network address within FAILURE_WINDOW before it is
# blocked for LOCK_PERIOD (settings.LOGIN_ADDRESS_MAX_FAILURES overrides).
ADDRESS_MAX_FAILURES = 10
FAILURE_WINDOW = datetime.timedelta(minutes=15)
LOCK_PERIOD = datetime.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

# Demo accounts: numbers built with a correct check digit in Taiyuan 小店区 and
# Jincheng 泽州县; they belong to nobody.
DEMO_PERSONS = [
    {"id_number": make_resident_id("14010519850312251"), "name": "王建国", "phone": "13800000001"},
    {"id_number": make_resident_id("14052519920708242"), "name": "李晓梅", "phone": "13800000002"},
]
DEMO_UNITS = [
    {"uscc": make_uscc("91140105MA0K12345"), "name": "太原示例科技有限公司"},
]


class AccountError(DomainError):
    """A refused registration or login; the Chinese message names the field."""

    code = "account_refused"


class AccountRateLimited(AccountError):
    """Registration or phone codes asked for too soon or too often."""

    kind = "too_many"
    code = "account_rate_limited"


def _refusal(exc: identity.IdentityError, *, field: str = "") -> AccountError:
    """The identity layer's refusal as the accounts' own, keeping a rate limit a rate limit."""
    cls = AccountRateLimited if isinstance(exc, identity.CodeRateLimited) else AccountError
    return cls(exc.message, field=exc.field or field)


class LoginLocked(AccountError):
    kind = "too_many"
    code = "login_locked"


def _ip(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:45]


def _check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码长度至少 {MIN_PASSWORD_LENGTH} 位", field=field)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise AccountError("密码" + "；".join(exc.messages), field=field) from exc


def _identifier(validate, value: str, field: str) -> str:
    try:
        result = validate(value)
    except InvalidIdentifier as exc:
        raise AccountError(exc.message, field=field) from exc
    return str(result)


# --- registration ----------------------------------------------------------------

def _create_person_account(*, id_number: str, name: str, phone: str, password: str, verified_by: str,
                           actor: str) -> PersonAccount:
    username = PERSON_PREFIX + id_number
    User = get_user_model()
    if PersonAccount.objects.filter(id_number=id_number).exists() or \
            User.objects.filter(username=username).exists():
        raise AccountError(f"公民身份号码 {mask_resident_id(id_number)} 已注册，请直接登录",
                           field="id_number")
    user = User.objects.create(username=username, first_name=name,
                               password=make_password(password))
    account = PersonAccount(user=user, id_number=id_number, name=name, phone=phone,
                            verified_by=verified_by)
    account.full_clean()
    account.save()
    record_audit(actor=actor, action="accounts.person.register", object_type="PersonAccount",
                 object_id=account.pk,
                 after={"id_number": id_number, "name": name, "verified_by": verified_by})
    return account


def _create_unit_account(*, uscc: str, name: str, password: str, verified_by: str,
                         actor: str) -> UnitAccount:
    username = UNIT_PREFIX + uscc
    User = get_user_model()
    if UnitAccount.objects.filter(uscc=uscc).exists() or \
            User.objects.filter(username=username).exists():
        raise AccountError(f"统一社会信用代码 {uscc} 已注册，请直接登录", field="uscc")
    user = User.objects.create(username=username, first_name=name[:150],
                               password=make_password(password))
    account = UnitAccount(user=user, uscc=uscc, name=name, verified_by=verified_by)
    account.full_clean()
    account.save()
    record_audit(actor=actor, action="accounts.unit.register", object_type="UnitAccount",
                 object_id=account.pk, after={"uscc": uscc, "name": name, "verified_by": verified_by})
    return account


def _claim(kind: str, identifier: str, name: str) -> identity.IdentityClaim:
    try:
        return identity.normalise_claim(kind=kind, identifier=identifier, name=name)
    except identity.IdentityError as exc:
        raise AccountError(exc.message, field=exc.field) from exc


def request_registration_code(*, kind: str, identifier: str, name: str, actor: str,
                              now: datetime.datetime | None = None) -> identity.SentCode:
    """Text a registration code to the mobile number on the person's (unit's 经办人) record.

    Refuses, naming why, a number already registered, a name that does not match
    the record, no record or no mobile number on it (then: window activation),
    and a code asked for too soon or too often.
    """
    claim = _claim(kind, identifier, name)
    if identity.already_registered(claim):
        field = "id_number" if kind == LoginKind.PERSON else "uscc"
        raise AccountError(f"{identity._shown(claim)} 已注册，请直接登录", field=field)
    try:
        return identity.sms_verifier().start(claim=claim, actor=actor, now=now)
    except identity.IdentityError as exc:
        raise _refusal(exc) from exc


def _verified(claim: identity.IdentityClaim, code: str, now) -> identity.VerifiedIdentity:
    """Prove the claim; a wrong code's counted try is committed even though registration fails."""
    try:
        identity.check_record(claim, identity.record_of(claim))
        return identity.confirm_identity(claim=claim, proof=code, consumer=f"register:{claim.identifier}", now=now)
    except identity.IdentityError as exc:
        raise AccountError(exc.message, field=exc.field) from exc


def register_person(*, id_number: str, name: str, code: str, password: str, actor: str,
                    now: datetime.datetime | None = None) -> PersonAccount:
    """Open an online account for the insured person the ID number names.

    ``code`` proves it is them: the SMS code sent to the phone on their record
    (``request_registration_code``) or the activation code a window printed.
    Refuses an invalid 公民身份号码, a name that differs from the record, a
    wrong, expired or used code, a short password or a number already registered;
    nothing is written then (except the counted wrong try).
    """
    claim = _claim(LoginKind.PERSON, id_number, name)
    _check_password(password)
    if identity.already_registered(claim):
        raise AccountError(f"公民身份号码 {mask_resident_id(claim.identifier)} 已注册，请直接登录",
                           field="id_number")
    proven = _verified(claim, code, now)
    try:
        with transaction.atomic():
            return _create_person_account(id_number=claim.identifier, name=claim.name, phone=proven.phone,
                                          password=password, verified_by=proven.method, actor=actor)
    except IntegrityError as exc:  # a concurrent registration of the same number won
        raise AccountError(f"公民身份号码 {mask_resident_id(claim.identifier)} 已注册，请直接登录",
                           field="id_number") from exc


def register_unit(*, uscc: str, name: str, code: str, password: str, actor: str,
                  now: datetime.datetime | None = None) -> UnitAccount:
    """Open an online account for the unit the USCC names, proven by the SMS code sent
    to the 经办人 phone on the unit record or by a window activation code; refusals
    write nothing (except the counted wrong try)."""
    claim = _claim(LoginKind.UNIT, uscc, name)
    _check_password(password)
    if identity.already_registered(claim):
        raise AccountError(f"统一社会信用代码 {claim.identifier} 已注册，请直接登录", field="uscc")
    proven = _verified(claim, code, now)
    try:
        with transaction.atomic():
            return _create_unit_account(uscc=claim.identifier, name=claim.name, password=password,
                                        verified_by=proven.method, actor=actor)
    except IntegrityError as exc:
        raise AccountError(f"统一社会信用代码 {claim.identifier} 已注册，请直接登录", field="uscc") from exc


def request_phone_change_code(*, account: PersonAccount, new_phone: str, actor: str,
                              now: datetime.datetime | None = None) -> identity.SentCode:
    """Text a code to the new phone a person wants on their account (and record)."""
    phone = (new_phone or "").strip()
    claim = identity.IdentityClaim(kind=LoginKind.PERSON, identifier=account.id_number, name=account.name,
                                   purpose=CodePurpose.CHANGE_PHONE, phone=phone)
    if phone == account.phone:
        raise AccountError("字段 新手机号码：与当前手机号码相同", field="phone")
    try:
        return identity.sms_verifier().start(claim=claim, actor=actor, now=now)
    except identity.IdentityError as exc:
        raise _refusal(exc, field="phone") from exc


def request_unit_phone_change_code(*, account: UnitAccount, new_phone: str, actor: str,
                                   now: datetime.datetime | None = None) -> identity.SentCode:
    """Text a code to the new 经办人 phone a unit wants on its record.

    The unit's registration codes go to that phone, so it changes only with this proof: the
    code is typed into the online 单位参保信息变更 (at a window the clerk checks the certificate).
    """
    phone = (new_phone or "").strip()
    claim = identity.IdentityClaim(kind=LoginKind.UNIT, identifier=account.uscc, name=account.name,
                                   purpose=CodePurpose.CHANGE_PHONE, phone=phone)
    try:
        return identity.sms_verifier().start(claim=claim, actor=actor, now=now)
    except identity.IdentityError as exc:
        raise _refusal(exc, field="phone") from exc


def change_account_phone(*, account: PersonAccount, new_phone: str, code: str, actor: str,
                         now: datetime.datetime | None = None) -> PersonAccount:
    """Put a new phone on a person's account once they typed back the code texted to it.

    The enrollment record's 联系电话 changes through 参保信息变更, which asks
    for the same proof.
    """
    phone = (new_phone or "").strip()
    claim = identity.IdentityClaim(kind=LoginKind.PERSON, identifier=account.id_number, name=account.name,
                                   purpose=CodePurpose.CHANGE_PHONE, phone=phone)
    try:
        identity.SmsCodeVerifier().confirm(claim=claim, proof=code, consumer=f"account:{account.pk}", now=now)
    except identity.IdentityError as exc:
        raise AccountError(exc.message, field=exc.field) from exc
    with transaction.atomic():
        account = PersonAccount.objects.select_for_update().get(pk=account.pk)
        before = account.phone
        account.phone = phone
        account.save(update_fields=["phone"])
        record_audit(actor=actor, action="accounts.person.change_phone", object_type="PersonAccount",
                     object_id=account.pk, before={"phone": before}, after={"phone": phone})
    return account


# --- login -------------------------------------------------------------------------

def login_username(kind: str, identifier: str) -> str:
    """The auth username for what a user typed in the form of a login kind."""
    if kind == LoginKind.PERSON:
        return PERSON_PREFIX + _identifier(validate_resident_id, identifier, "identifier")
    if kind == LoginKind.UNIT:
        return UNIT_PREFIX + _identifier(validate_uscc, identifier, "identifier")
    if kind == INSTITUTION_KIND:
        from yibao.institutions.models import INSTITUTION_PREFIX

        return INSTITUTION_PREFIX + _identifier(validate_uscc, identifier, "identifier")
    if kind == LoginKind.STAFF:
        username = (identifier or "").strip()
        if not username:
            raise AccountError("用户名不能为空", field="identifier")
        if ":" in username or len(username) > 150:
            raise AccountError("用户名格式错误", field="identifier")
        return username
    raise AccountError("登录方式无效，可选：个人、单位、定点医药机构、经办人员", field="kind")


def _kind_matches(user, kind: str) -> bool:
    if kind == LoginKind.PERSON:
        return PersonAccount.objects.filter(user=user).exists()
    if kind == LoginKind.UNIT:
        return UnitAccount.objects.filter(user=user).exists()
    if kind == INSTITUTION_KIND:
        from yibao.institutions.models import InstitutionAccount

        return InstitutionAccount.objects.filter(user=user).exists()
    # The administrator logs in as staff too, so that the demo admin can use the console.
    return user.is_superuser or StaffMember.objects.filter(user=user, is_active=True).exists()


def _locked_message(locked_until: datetime.datetime, now: datetime.datetime) -> str:
    minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
    return f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试"


def _audit_id(username: str) -> str:
    # The audit trail is staff-only and must name who tried, so numbers stay
    # unmasked there; object_id holds at most 64 characters.
    return username[:64]


def _address_limit() -> int:
    return int(getattr(settings, "LOGIN_ADDRESS_MAX_FAILURES", ADDRESS_MAX_FAILURES))


def _address_locked_message(locked_until: datetime.datetime, now: datetime.datetime) -> str:
    minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
    return f"本网络地址登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试"


def _digest(username: str) -> str:
    return hashlib.sha256(username.encode()).hexdigest()[:16]


def _recent(entries: list, since: datetime.datetime) -> list:
    return [e for e in entries if datetime.datetime.fromisoformat(e[0]) > since]


def _purge_quiet_addresses(now: datetime.datetime) -> None:
    # Rows of addresses with no failure in the window and no block carry no
    # information; deleting them keeps the table as small as the current attack.
    (LoginAddressThrottle.objects
     .filter(last_failure_at__lt=now - FAILURE_WINDOW)
     .exclude(locked_until__gt=now)
     .delete())


def _failure_error(failures: int, now: datetime.datetime) -> AccountError:
    if failures >= MAX_FAILURES:
        return LoginLocked(_locked_message(now + LOCK_PERIOD, now), field="identifier")
    left = MAX_FAILURES - failures
    return AccountError(
        f"账号或密码错误（再失败 {left} 次账号将锁定 {int(LOCK_PERIOD.total_seconds() // 60)} 分钟）",
        field="password",
    )


def authenticate_account(*, kind: str, identifier: str, password: str,
                         request: HttpRequest | None = None,
                         now: datetime.datetime | None = None, channel: str = "web"):
    """Check a login and return the User, or raise AccountError / LoginLocked.

    Five failures within 15 minutes lock the username for 15 minutes; a
    success clears the count. Beside it, ``LOGIN_ADDRESS_MAX_FAILURES`` (10)
    failures from one network address within 15 minutes block that address for
    15 minutes, whichever usernames were tried (a password spray). A username
    without an account gets no row of its own: its failures are counted in the
    address's row, so the answer looks the same as for a real account.
    Successes, failures and attempts while locked are all audited. ``now`` lets
    tests travel in time.
    """
    now = now or timezone.now()
    ip = _ip(request)
    since = now - FAILURE_WINDOW
    error: AccountError
    with transaction.atomic():
        address = (LoginAddressThrottle.objects.select_for_update().filter(address=ip).first()
                   if ip else None)
        if address is not None and address.locked_until is not None and address.locked_until > now:
            # Audited once per block: a blocked address hammering on adds no rows.
            if address.blocked_attempts == 0:
                record_audit(actor="anonymous", action="accounts.login.address_locked",
                             object_type="Login", object_id=ip, channel=channel,
                             after={"kind": kind, "locked_until": address.locked_until.isoformat(),
                                    "ip": ip})
            address.blocked_attempts += 1
            address.save(update_fields=["blocked_attempts"])
            error = LoginLocked(_address_locked_message(address.locked_until, now),
                                field="identifier")
        else:
            try:
                username = login_username(kind, identifier)
            except AccountError as exc:
                # Malformed identifiers count for the address too, so that their
                # audit rows are bounded like every other failure's.
                failures = _record_address_failure(
                    ip=ip, address=address, digest=_digest(f"{kind}:{str(identifier)[:200]}"),
                    now=now, since=since)
                record_audit(actor="anonymous", action="accounts.login.invalid", object_type="Login",
                             object_id=kind[:64], channel=channel,
                             after={"kind": kind, "reason": exc.message, "ip": ip,
                                    "address_failures": len(failures)})
                error = exc
            else:
                error = _check_account(kind=kind, username=username, password=password,
                                       request=request, now=now, ip=ip, channel=channel,
                                       audit_id=_audit_id(username), address=address, since=since)
                if not isinstance(error, AccountError):
                    return error  # the user
    # Raised after the block so that the failure counts and audit rows are committed.
    raise error


def _record_address_failure(*, ip: str, address, digest: str, now, since) -> list:
    """Count one failed login for the address (blocking it at the limit); its recent entries."""
    if not ip:
        return []
    _purge_quiet_addresses(now)
    if address is None:
        address, _ = LoginAddressThrottle.objects.select_for_update().get_or_create(
            address=ip, defaults={"last_failure_at": now})
    failures = _recent(address.recent_failures, since)
    failures.append([now.isoformat(), digest])
    limit = _address_limit()
    failures = failures[-limit:]
    address.recent_failures = failures
    address.last_failure_at = now
    if len(failures) >= limit:
        address.locked_until = now + LOCK_PERIOD
        address.blocked_attempts = 0
    else:
        address.locked_until = None
    address.save(update_fields=["recent_failures", "last_failure_at", "locked_until",
                                "blocked_attempts"])
    return failures


def _check_account(*, kind, username, password, request, now, ip, channel, audit_id,
                   address, since):
    """The per-account part of a login, inside the caller's transaction: the User or an error."""
    User = get_user_model()
    exists = User.objects.filter(username=username).exists()
    throttle = (LoginThrottle.objects.select_for_update().get_or_create(username=username)[0]
                if exists else None)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        record_audit(actor="anonymous", action="accounts.login.locked", object_type="Login",
                     object_id=audit_id, channel=channel,
                     after={"kind": kind, "locked_until": throttle.locked_until.isoformat(),
                            "ip": ip})
        return LoginLocked(_locked_message(throttle.locked_until, now), field="identifier")
    user = authenticate(request, username=username, password=password or "")
    if user is not None and not _kind_matches(user, kind):
        # Right password, wrong door: not a guessing attempt, so not counted.
        record_audit(actor=user.get_username(), action="accounts.login.wrong_kind",
                     object_type="Login", object_id=audit_id, channel=channel,
                     after={"kind": kind, "ip": ip})
        return AccountError(f"该账号不能以「{LOGIN_KIND_LABELS[kind]}」方式登录", field="kind")
    if user is not None:
        if throttle.recent_failures or throttle.locked_until:
            throttle.recent_failures = []
            throttle.locked_until = None
            throttle.save(update_fields=["recent_failures", "locked_until", "updated_at"])
        record_audit(actor=user.get_username(), action="accounts.login.success",
                     object_type="Login", object_id=audit_id, channel=channel,
                     after={"kind": kind, "ip": ip})
        return user

    # A failure: count it for the address, and for the account (or, for a
    # username without an account, in the address's entries for that name).
    digest = _digest(username)
    address_failures = _record_address_failure(ip=ip, address=address, digest=digest, now=now,
                                                since=since)
    if throttle is not None:
        failures = [t for t in throttle.recent_failures
                    if datetime.datetime.fromisoformat(t) > since]
        failures.append(now.isoformat())
        count = len(failures)
        if count >= MAX_FAILURES:
            throttle.locked_until = now + LOCK_PERIOD
            throttle.recent_failures = []
        else:
            throttle.locked_until = None
            throttle.recent_failures = failures
        throttle.save(update_fields=["recent_failures", "locked_until", "updated_at"])
    else:
        count = sum(1 for entry in address_failures if entry[1] == digest) or 1
    error = _failure_error(count, now)
    record_audit(actor="anonymous", action="accounts.login.failure",
                 object_type="Login", object_id=audit_id, channel=channel,
                 after={"kind": kind, "failures": count,
                        "locked": isinstance(error, LoginLocked), "ip": ip,
                        "address_failures": len(address_failures)})
    return error


def record_logout(*, user, channel: str = "web") -> None:
    """Audit a logout (the view ends the session)."""
    with transaction.atomic():
        record_audit(actor=user.get_username(), action="accounts.logout", object_type="Login",
                     object_id=_audit_id(user.get_username()), channel=channel)


# --- demo ----------------------------------------------------------------------------

def load_demo_accounts(*, actor: str) -> list[DemoLogin]:
    """Create the demo persons and unit (password DEMO_PASSWORD) if missing; return their logins."""
    logins = []
    with transaction.atomic():
        for person in DEMO_PERSONS:
            if not PersonAccount.objects.filter(id_number=person["id_number"]).exists():
                # Demo persons are pre-registered: their proof is the demo itself.
                _create_person_account(password=DEMO_PASSWORD, actor=actor, verified_by="demo", **person)
            logins.append(DemoLogin(kind="个人", login=person["id_number"],
                                    password=DEMO_PASSWORD, description=person["name"]))
        for unit in DEMO_UNITS:
            if not UnitAccount.objects.filter(uscc=unit["uscc"]).exists():
                _create_unit_account(password=DEMO_PASSWORD, actor=actor, verified_by="demo", **unit)
            logins.append(DemoLogin(kind="单位", login=unit["uscc"],
                                    password=DEMO_PASSWORD, description=unit["name"]))
    return logins
