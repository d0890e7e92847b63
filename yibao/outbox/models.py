"""Transactional outbox: every effect that leaves the process (a document to a peer
deployment, an SMS, a bank file) is first a row here, written in the same
transaction as the business change it reports, and delivered after commit.

``key`` is the idempotency key the receiving side deduplicates on: a message
is delivered at least once, so the receiver must treat the same key twice as
one message.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败（不再重试）"


class OutboxMessage(models.Model):
    kind = models.CharField("类型", max_length=64)
    destination = models.CharField("接收方", max_length=200)
    payload = models.JSONField("内容", encoder=DjangoJSONEncoder)
    key = models.CharField("去重键", max_length=200, unique=True)
    status = models.CharField("状态", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    # For a pending message: when it may next be tried. While a worker is delivering it,
    # the worker pushes this forward (its lease), so no other worker takes it meanwhile.
    next_attempt_at = models.DateTimeField("下次尝试时间")
    last_error = models.TextField("最近一次错误", blank=True)
    result = models.JSONField("接收方回执", default=dict, blank=True, encoder=DjangoJSONEncoder)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "外发消息"
        verbose_name_plural = "外发消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.destination}（{self.key}）"
