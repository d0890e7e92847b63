"""The fund payments ledger: every payment out of an insurance fund is one row here.

A payment is approved (核定) in the same transaction as the decision that causes
it, carries an idempotency ``reference`` (one payment per reference, whatever is
retried), goes to the bank in a disbursement file (已提交银行) and is settled by
the bank's return file (已支付 | 退回). A returned payment may be reissued once to
corrected bank details: a new payment linked to the returned one, so at most one
link of the chain can ever be paid.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Fund(models.TextChoices):
    """基金支付类型 (fund_pay_type) of the national 医保信息平台 (BENEFITS.md §2)."""

    EMPLOYEE_POOLED = "310100", "职工统筹"
    EMPLOYEE_ACCOUNT = "310200", "职工个人账户"
    LARGE_MEDICAL = "330100", "大额医疗费用补助"
    RESIDENT_BASIC = "390100", "居民基本"
    RESIDENT_CRITICAL = "390200", "居民大病"
    MATERNITY = "510100", "生育"
    MEDICAL_AID = "610100", "医疗救助"


class PayeeKind(models.TextChoices):
    PERSON = "person", "个人银行账户"
    UNIT = "unit", "参保单位"
    INSTITUTION = "institution", "定点医药机构"
    AGENCY = "agency", "经办机构（医保基金收入户）"


class PaymentStatus(models.TextChoices):
    APPROVED = "approved", "核定"
    SUBMITTED = "submitted", "已提交银行"
    PAID = "paid", "已支付"
    RETURNED = "returned", "退回"


# The lifecycle as data: state → the states it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.APPROVED: frozenset({PaymentStatus.SUBMITTED}),
    PaymentStatus.SUBMITTED: frozenset({PaymentStatus.PAID, PaymentStatus.RETURNED}),
    PaymentStatus.PAID: frozenset(),
    PaymentStatus.RETURNED: frozenset(),
}


class Payee(models.Model):
    """Whom a payment goes to, as a snapshot of their bank details.

    ``identifier`` is the person's ID number, the unit's USCC or the
    institution's code (H/P + 11 digits): other apps (a future ``institutions``)
    are payees without this app importing them. Rows are never edited — corrected
    bank details are a new row — so a payment always shows the details it was sent to.
    """

    kind = models.CharField("收款方类型", max_length=20, choices=PayeeKind.choices)
    identifier = models.CharField("证件号码/统一社会信用代码/机构编码", max_length=32)
    name = models.CharField("户名", max_length=100)
    bank_name = models.CharField("开户银行", max_length=100)
    account_number = models.CharField("银行账号", max_length=40)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "收款方"
        verbose_name_plural = "收款方"
        ordering = ["kind", "identifier", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "identifier", "name", "bank_name", "account_number"],
                                    name="payee_unique_snapshot"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.bank_name} 尾号{self.account_number[-4:]}"

    @property
    def masked_account(self) -> str:
        return f"****{self.account_number[-4:]}"


class DisbursementBatch(models.Model):
    """One disbursement file sent to the bank: a fund, a paying agency, the approval day."""

    number = models.CharField("批次号", max_length=40, unique=True)
    fund = models.CharField("基金", max_length=6, choices=Fund.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="disbursement_batches",
                               verbose_name="经办机构")
    day = models.DateField("核定日期")
    count = models.PositiveIntegerField("笔数")
    total = models.DecimalField("金额合计", max_digits=16, decimal_places=2)
    created_by = models.CharField("制盘人", max_length=150)
    created_at = models.DateTimeField("制盘时间", default=timezone.now)

    class Meta:
        verbose_name = "拨付报盘批次"
        verbose_name_plural = "拨付报盘批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """One payment out of a fund (拨付)."""

    reference = models.CharField("业务流水号（幂等）", max_length=80, unique=True)
    fund = models.CharField("基金", max_length=6, choices=Fund.choices)
    payee = models.ForeignKey(Payee, on_delete=models.PROTECT, related_name="payments", verbose_name="收款方")
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="payments",
                               verbose_name="支付经办机构")
    region = models.ForeignKey("agencies.Region", on_delete=models.PROTECT, related_name="payments",
                               verbose_name="统筹区")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="payments", verbose_name="办件")
    source = models.CharField("来源（结算单等）", max_length=80, blank=True)
    status = models.CharField("状态", max_length=20, choices=PaymentStatus.choices,
                              default=PaymentStatus.APPROVED)
    note = models.CharField("摘要", max_length=200, blank=True)
    approved_by = models.CharField("核定人", max_length=150)
    approved_on = models.DateField("核定日期", db_index=True)
    batch = models.ForeignKey(DisbursementBatch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="payments", verbose_name="报盘批次")
    submitted_on = models.DateField("提交银行日期", null=True, blank=True)
    settled_on = models.DateField("回盘日期", null=True, blank=True)
    bank_serial = models.CharField("银行流水号", max_length=64, blank=True)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    # One reissue per returned payment, enforced by the database (two clerks cannot both reissue).
    reissue_of = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="reissue", verbose_name="重新支付自")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "基金支付"
        verbose_name_plural = "基金支付"
        ordering = ["-approved_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(case__isnull=False) | ~Q(source=""),
                                   name="payment_pays_case_or_source"),
        ]
        indexes = [
            models.Index(fields=["agency", "fund", "status", "approved_on"], name="payment_agency_fund_idx"),
            models.Index(fields=["agency", "submitted_on"], name="payment_agency_submitted_idx"),
            models.Index(fields=["agency", "settled_on"], name="payment_agency_settled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_fund_display()} {self.amount}"

    @property
    def pays(self) -> str:
        """What the payment pays: the case number or the free source reference."""
        case = self.case if self.case_id else None  # no query for a payment without a case
        return case.number if case is not None else self.source


class PaymentEvent(models.Model):
    """One change of a payment's status: who, when, from what to what."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events", verbose_name="支付")
    from_status = models.CharField("原状态", max_length=20, choices=PaymentStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=PaymentStatus.choices)
    actor = models.CharField("操作人", max_length=150)
    at = models.DateTimeField("时间", default=timezone.now)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "支付状态变更"
        verbose_name_plural = "支付状态变更"
        ordering = ["payment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.payment.reference} {self.from_status or '—'}→{self.to_status}"
