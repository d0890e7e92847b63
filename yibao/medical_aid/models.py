"""The yearly 参保资助 programme, its recipients (the imported list and each one's subsidy) and aid reimbursements."""

from django.db import models
from django.utils import timezone


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "草稿（导入名单）"
    TO_APPROVE = "to_approve", "待审批"
    APPROVED = "approved", "已审批"
    PAID = "paid", "已支付"


class AidProgramme(models.Model):
    """One region's 参保资助 for one insurance year (OpenG2P's cycle: draft → to approve → approved → paid)."""

    region = models.ForeignKey("agencies.Region", on_delete=models.PROTECT, related_name="aid_programmes",
                               verbose_name="统筹区")
    year = models.PositiveSmallIntegerField("参保年度")
    status = models.CharField("状态", max_length=12, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT)
    # Set while an import or the payment run works on the programme; a second run is refused.
    locked_by = models.CharField("批量处理中（经办人）", max_length=150, blank=True, default="")
    locked_at = models.DateTimeField("批量处理开始时间", null=True, blank=True)
    resident_fee = models.DecimalField("居民个人年缴费标准", max_digits=8, decimal_places=2, null=True, blank=True)
    approved_by = models.CharField("审批人", max_length=150, blank=True, default="")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    paid_by = models.CharField("支付经办人", max_length=150, blank=True, default="")
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    created_by = models.CharField("创建人", max_length=150)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "参保资助计划"
        verbose_name_plural = "参保资助计划"
        ordering = ["region", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="aid_programme_once_per_year")]

    def __str__(self) -> str:
        return f"{self.region} {self.year} 年度参保资助"


class Treatment(models.TextChoices):
    REFUND = "refund", "已全额缴费，退还资助金额"
    CREDIT = "credit", "资助抵缴个人缴费"
    NONE = "none", "不予资助"


class AidRecipient(models.Model):
    """One person of the imported list and the subsidy computed for the programme's year."""

    programme = models.ForeignKey(AidProgramme, on_delete=models.CASCADE, related_name="recipients",
                                  verbose_name="参保资助计划")
    id_number = models.CharField("公民身份号码", max_length=18)
    name = models.CharField("姓名", max_length=50)
    category = models.CharField("救助对象类别", max_length=20)
    valid_from = models.DateField("认定有效期起")
    valid_to = models.DateField("认定有效期止", null=True, blank=True)
    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="aid_recipients", verbose_name="参保人员")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="aid_recipients", verbose_name="所属经办机构")
    share = models.DecimalField("资助比例", max_digits=5, decimal_places=4)
    subsidy = models.DecimalField("资助金额", max_digits=8, decimal_places=2)
    treatment = models.CharField("资助方式", max_length=10, choices=Treatment.choices, blank=True, default="")
    reason = models.CharField("说明", max_length=200, blank=True, default="")
    # The refund account the list gives (optional): used only for a person who had paid in full.
    refund_bank_name = models.CharField("退费开户银行", max_length=100, blank=True, default="")
    refund_account_number = models.CharField("退费银行账号", max_length=40, blank=True, default="")
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="aid_subsidy", verbose_name="退费支付记录")
    settled_at = models.DateTimeField("资助落实时间", null=True, blank=True)
    source_row = models.PositiveIntegerField("导入行号", default=0)

    class Meta:
        verbose_name = "资助对象"
        verbose_name_plural = "资助对象"
        ordering = ["programme", "source_row"]
        constraints = [
            # One subsidy per person and year: re-importing or re-running never pays twice.
            models.UniqueConstraint(fields=["programme", "id_number"], name="aid_recipient_once_per_programme"),
        ]
        indexes = [models.Index(fields=["id_number", "valid_from"], name="aid_recipient_id_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.category}"


class AidReimbursement(models.Model):
    """医疗救助 paid on one case (零星报销): what the person still bore and the aid computed on it."""

    case_number = models.CharField("办件编号", max_length=24, unique=True)
    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, related_name="aid_reimbursements",
                               verbose_name="参保人员")
    year = models.PositiveSmallIntegerField("救助年度")
    category = models.CharField("救助对象类别", max_length=20)
    settlement_number = models.CharField("基本医保结算单号", max_length=40)
    still_borne = models.DecimalField("政策范围内个人负担", max_digits=12, decimal_places=2)
    amount = models.DecimalField("救助金额", max_digits=12, decimal_places=2)
    explanation = models.JSONField("计算过程", default=list)
    uses_demo_values = models.BooleanField("使用示例参数", default=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="aid_reimbursements",
                               verbose_name="经办机构")
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="aid_reimbursement",
                                   verbose_name="支付记录")
    actor = models.CharField("经办人", max_length=150)
    created_at = models.DateTimeField("核定时间", default=timezone.now)

    class Meta:
        verbose_name = "医疗救助零星报销"
        verbose_name_plural = "医疗救助零星报销"
        ordering = ["-created_at"]
        constraints = [
            # One basic settlement is aided once, whichever case asks.
            models.UniqueConstraint(fields=["person", "settlement_number"], name="aid_once_per_settlement"),
        ]

    def __str__(self) -> str:
        return f"医疗救助 {self.case_number}"
