"""Every SMS the platform sends, as one row of the outbox (短信发件箱)."""

from django.db import models


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class SmsMessage(models.Model):
    """One text message to one phone.

    Written in the transaction of the business action that causes it, so a
    refused action leaves no message; a delivering backend sends it after
    commit (DESIGN.md: nothing leaves the process inside a transaction).
    """

    phone = models.CharField("手机号码", max_length=20, db_index=True)
    text = models.TextField("短信内容")
    purpose = models.CharField("用途", max_length=40, db_index=True)
    # What the message is about (a case number …), so that a later step can ask whether it went out.
    reference = models.CharField("关联业务", max_length=40, blank=True, db_index=True)
    backend = models.CharField("发送通道", max_length=100)
    status = models.CharField("状态", max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    error = models.CharField("失败原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信发件箱"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone} {self.purpose}"
