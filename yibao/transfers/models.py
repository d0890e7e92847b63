"""转移接续: one transfer of a person's basic medical insurance between two regions.

A ``Transfer`` is known to both ends by its ``ref``. Inside one deployment
both ends share the row; between two deployments each keeps its own row with
the same ``ref``, and the documents that pass between them (申请, 联系函,
信息表 with the funds, 办结通知) are kept as ``TransferDocument`` rows whose
``document_id`` makes a retried delivery a no-op. Each leg (发出联系函, 转出,
转入办结) of the local end is a ``TransferLeg`` with its own due date, which is
what the staff to-do list shows.
"""

from django.db import models

from yibao.agencies.models import Agency, Region


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", "已申请（待发联系函）"
    LETTER_SENT = "letter_sent", "联系函已发出（待转出）"
    SHEET_SENT = "sheet_sent", "信息表已发出、资金已划转（待转入办结）"
    COMPLETED = "completed", "已办结"
    STOPPED = "stopped", "已中止"


class Scheme(models.TextChoices):
    EMPLOYEE = "310", "职工基本医疗保险"
    RESIDENT = "390", "城乡居民基本医疗保险"


class Side(models.TextChoices):
    OUT = "out", "转出地"
    IN = "in", "转入地"


class Transfer(models.Model):
    ref = models.CharField("转移编号", max_length=64, unique=True)
    id_number = models.CharField("公民身份号码", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    scheme = models.CharField("险种", max_length=3, choices=Scheme.choices)
    # Region codes (行政区划代码) of both ends; the FK is set only for an end in this deployment.
    out_region_code = models.CharField("转出地统筹区代码", max_length=6)
    out_region_name = models.CharField("转出地", max_length=40)
    out_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    out_instance = models.CharField("转出地系统", max_length=40)
    in_region_code = models.CharField("转入地统筹区代码", max_length=6)
    in_region_name = models.CharField("转入地", max_length=40)
    in_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    in_instance = models.CharField("转入地系统", max_length=40)
    applied_at = models.CharField("申请地", max_length=3, choices=Side.choices)
    status = models.CharField("状态", max_length=20, choices=TransferStatus.choices,
                              default=TransferStatus.REQUESTED)
    # Compare-and-set counter: every status change updates WHERE version = the version read.
    version = models.PositiveIntegerField(default=1)
    case_number = models.CharField("申请办件编号", max_length=24, blank=True)
    certificate_code = models.CharField("参保凭证验证码", max_length=16, blank=True)
    letter_code = models.CharField("联系函验证码", max_length=16, blank=True)
    sheet_code = models.CharField("信息表验证码", max_length=16, blank=True)
    sheet = models.JSONField("信息表内容", default=dict, blank=True)
    amount = models.DecimalField("个人账户转移金额", max_digits=12, decimal_places=2, null=True, blank=True)
    funds_reference = models.CharField("资金划转流水号", max_length=64, blank=True)
    # The transfer-in agency's receiving account, as its 联系函 gave it: where the balance is paid.
    in_fund_account = models.JSONField("转入地基金收入户", default=dict, blank=True)
    stop_reason = models.TextField("中止原因", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "转移接续"
        verbose_name_plural = "转移接续"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ref} {self.out_region_name}→{self.in_region_name}"

    @property
    def is_open(self) -> bool:
        return self.status not in (TransferStatus.COMPLETED, TransferStatus.STOPPED)


class LegKind(models.TextChoices):
    LETTER = "letter", "发出联系函"
    TRANSFER_OUT = "transfer_out", "转出：出具信息表、划转资金"
    TRANSFER_IN = "transfer_in", "转入：接续缴费年限、划入个人账户"


class LegStatus(models.TextChoices):
    OPEN = "open", "待办"
    DONE = "done", "已完成"
    STOPPED = "stopped", "已中止"


class TransferLeg(models.Model):
    """One leg of a transfer done by an agency of this deployment, with its own time limit."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="legs")
    kind = models.CharField("环节", max_length=20, choices=LegKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    status = models.CharField("状态", max_length=10, choices=LegStatus.choices, default=LegStatus.OPEN)
    opened_on = models.DateField("起算日")
    limit_days = models.PositiveSmallIntegerField("时限（工作日）")
    due_date = models.DateField("办理期限", db_index=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.CharField("经办人", max_length=150, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "转移接续环节"
        verbose_name_plural = "转移接续环节"
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["transfer", "kind"], name="transfer_leg_once")]

    def __str__(self) -> str:
        return f"{self.transfer.ref} {self.get_kind_display()}"


class DocumentKind(models.TextChoices):
    APPLICATION = "application", "转移申请（附参保凭证）"
    CONTACT_LETTER = "contact_letter", "基本医疗保险关系转移接续联系函"
    TRANSFER_SHEET = "transfer_sheet", "参保人员基本医疗保险信息表（附资金划转）"
    COMPLETION = "completion", "转入办结通知"


class Direction(models.TextChoices):
    SENT = "sent", "发出"
    RECEIVED = "received", "收到"


class TransferDocument(models.Model):
    """A document of the chain as sent or received; ``document_id`` is the idempotency key."""

    document_id = models.CharField("文书编号", max_length=120)
    direction = models.CharField("方向", max_length=10, choices=Direction.choices)
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("文书类型", max_length=20, choices=DocumentKind.choices)
    peer = models.CharField("对方系统", max_length=40)
    payload = models.JSONField("内容")
    signature = models.CharField("签名", max_length=128, blank=True)
    receipt = models.JSONField("回执", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "转移接续文书"
        verbose_name_plural = "转移接续文书"
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["document_id", "direction"], name="transfer_document_once")]

    def __str__(self) -> str:
        return self.document_id
