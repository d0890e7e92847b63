"""API access tokens for the mobile channels (WeChat account, app) and other systems.

Only the SHA-256 of a token is stored: the token itself is shown once, when it
is issued, and cannot be recovered from the database. ``prefix`` (its first 8
characters) lets a user or an administrator tell tokens apart.
"""

from django.conf import settings
from django.db import models


class TokenChannel(models.TextChoices):
    WECHAT = "wechat", "微信公众号"
    APP = "app", "手机App"
    OTHER = "other", "其他系统"


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name="账号")
    key_hash = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=8)
    kind = models.CharField("登录方式", max_length=10)  # accounts.LoginKind value
    channel = models.CharField("渠道", max_length=10, choices=TokenChannel.choices)
    name = models.CharField("名称", max_length=60, blank=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.get_channel_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
