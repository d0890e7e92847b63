"""Issued documents: every printed PDF carries a verification code the public can check."""

from __future__ import annotations

from django.db import models


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", "办件回执"
    NOTICE = "notice", "一次性告知书"
    CERTIFICATE = "certificate", "参保凭证"
    CONTRIBUTION_RECORD = "contribution_record", "缴费记录"
    TRANSFER_SHEET = "transfer_sheet", "参保人员基本医疗保险信息表"
    CONTACT_LETTER = "contact_letter", "联系函"
    FORM = "form", "参考样表"
    OTHER = "other", "其他文书"


class IssuedDocument(models.Model):
    """One printed document: its code, what it certifies (masked) and the SHA-256 of its bytes."""

    code = models.CharField("验证码", max_length=16, unique=True)
    kind = models.CharField("文书类型", max_length=30, choices=DocumentKind.choices)
    title = models.CharField("文书名称", max_length=200)
    subject_summary = models.CharField("证明事项", max_length=300,
                                       help_text="只含脱敏后的姓名和证件号码")
    issuer = models.CharField("出具机构", max_length=200)
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)
    sha256 = models.CharField("文件SHA-256", max_length=64, blank=True)
    case_number = models.CharField("办件编号", max_length=30, blank=True, db_index=True)
    issued_by = models.CharField("出具人", max_length=150, blank=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoked_reason = models.CharField("作废原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "已出具文书"
        verbose_name_plural = "已出具文书"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.display_code} {self.title}"

    @property
    def display_code(self) -> str:
        from yibao.documents.verification import group_code

        return group_code(self.code)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
