"""Logins of persons, units and staff.

Design: every login is one ``django.contrib.auth`` User, told apart by a
username prefix, with a profile row for what the kind needs:

- a person (参保人员): username ``"p:" + 公民身份号码``, profile ``PersonAccount``;
- a unit (参保单位): username ``"u:" + 统一社会信用代码``, profile ``UnitAccount``;
- a clerk (经办人员): a plain username, profile ``yibao.agencies.StaffMember``.

Django's username validator does not allow ":", so a staff username can never
collide with a person's or unit's. Passwords, sessions, ``login_required`` and
the admin therefore work unchanged. Logging in goes through
``yibao.accounts.services.authenticate_account``, which adds the lockout
(``LoginThrottle``) and the audit rows.
"""

from django.conf import settings
from django.db import models

PERSON_PREFIX = "p:"
UNIT_PREFIX = "u:"


class LoginKind(models.TextChoices):
    PERSON = "person", "个人"
    UNIT = "unit", "单位"
    STAFF = "staff", "经办人员"


# 定点医药机构: the institution's staff log in as the institution (username "i:" + its
# USCC, profile ``yibao.institutions.InstitutionAccount``). Not a LoginKind choice:
# LoginKind also types the one-time codes of self-registration, which institutions
# do not have (the city agency registers them after checking the licence).
INSTITUTION_KIND = "institution"
LOGIN_CHOICES = [(LoginKind.PERSON.value, LoginKind.PERSON.label), (LoginKind.UNIT.value, LoginKind.UNIT.label),
                 (INSTITUTION_KIND, "定点医药机构"), (LoginKind.STAFF.value, LoginKind.STAFF.label)]
LOGIN_KIND_LABELS = dict(LOGIN_CHOICES)


class PersonAccount(models.Model):
    """An insured person's online account, keyed by 公民身份号码."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="person_account", verbose_name="登录账号")
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=50)
    # The phone whose control was proven (SMS code), or the one the clerk recorded at
    # window activation; empty when the person gave none.
    phone = models.CharField("手机号码", max_length=20, blank=True)
    verified_by = models.CharField("实名核验方式", max_length=20, blank=True, default="", db_default="")
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人账号"
        verbose_name_plural = "个人账号"
        ordering = ["id_number"]

    def __str__(self) -> str:
        return self.name


class UnitAccount(models.Model):
    """An employer unit's online account, keyed by 统一社会信用代码."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="unit_account", verbose_name="登录账号")
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("单位名称", max_length=100)
    verified_by = models.CharField("实名核验方式", max_length=20, blank=True, default="", db_default="")
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = "单位账号"
        verbose_name_plural = "单位账号"
        ordering = ["uscc"]

    def __str__(self) -> str:
        return self.name


class LoginThrottle(models.Model):
    """Recent failed logins of one username and the lock they caused.

    A row per username tried (existing or not, so that the answer does not tell
    an attacker which accounts exist). ``recent_failures`` holds the ISO times
    of failures in the sliding 15-minute window.
    """

    username = models.CharField("用户名", max_length=150, unique=True)
    recent_failures = models.JSONField("近期失败时间", default=list, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.username


class LoginAddressThrottle(models.Model):
    """Recent failed logins from one network address, and the block they caused.

    Beside the per-account lock: a password spray tries one password on many
    accounts, so no single account reaches its limit; counting per address stops
    it. Failures for usernames that have no account are kept here too (as a
    digest of the username), so trying unknown names adds no row per name; the
    list is capped at the address limit and rows of quiet addresses are purged.
    """

    address = models.CharField("网络地址", max_length=45, unique=True)
    # [[ISO time, SHA-256 of the username (first 16 hex digits)], …] within the window.
    recent_failures = models.JSONField("近期失败", default=list, blank=True)
    locked_until = models.DateTimeField("封禁至", null=True, blank=True)
    # Attempts refused during the current block (only the first is audited).
    blocked_attempts = models.PositiveIntegerField("封禁期间的尝试次数", default=0)
    last_failure_at = models.DateTimeField("最近失败时间", db_index=True)

    class Meta:
        verbose_name = "登录失败记录（按地址）"
        verbose_name_plural = "登录失败记录（按地址）"
        ordering = ["-last_failure_at"]

    def __str__(self) -> str:
        return self.address


class CodePurpose(models.TextChoices):
    REGISTER = "register", "注册实名核验"
    CHANGE_PHONE = "change_phone", "更换手机号码"


class CodeMethod(models.TextChoices):
    SMS = "sms", "短信验证码"
    WINDOW = "window", "窗口实名激活码"


class OneTimeCode(models.Model):
    """A one-time code proving who someone is: texted to the phone on their record,
    or printed by a clerk who checked the ID card (USCC certificate) in person.

    Only a keyed hash of the code is stored. A code is usable once
    (``used_at``), until ``expires_at``, for at most a few wrong tries.
    """

    purpose = models.CharField("用途", max_length=20, choices=CodePurpose.choices)
    method = models.CharField("核验方式", max_length=10, choices=CodeMethod.choices)
    subject_kind = models.CharField("对象类型", max_length=10, choices=LoginKind.choices)
    subject = models.CharField("证件号码/统一社会信用代码", max_length=18)
    name = models.CharField("姓名/单位名称", max_length=100)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    salt = models.CharField("盐", max_length=32)
    code_hash = models.CharField("验证码摘要", max_length=64)
    created_at = models.DateTimeField("生成时间")
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    used_for = models.CharField("用于", max_length=40, blank=True)
    issued_by = models.CharField("签发人", max_length=150, blank=True)

    class Meta:
        verbose_name = "一次性验证码"
        verbose_name_plural = "一次性验证码"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "purpose"], name="otc_subject_purpose_idx"),
            models.Index(fields=["phone", "created_at"], name="otc_phone_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.subject}"
