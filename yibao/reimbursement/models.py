"""零星(手工)报销 claims: the care episode, its itemized lines with their money stages, the bills
reimbursed (once each), and the 意外伤害认定 decisions.

A line keeps every money stage as openIMIS does (claimed → adjusted with a reason code →
approved), so a reviewer's change is never an overwrite: the 申报 figure stays beside it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yibao.cases.models import Case
from yibao.enrollment.models import Person


class ClaimStatus(models.TextChoices):
    RECORDED = "recorded", "已受理"
    REVIEWED = "reviewed", "已审核"
    PAID = "paid", "已拨付"
    SETTLED = "settled", "已办结"


class Grade(models.TextChoices):
    """收费项目等级 (BENEFITS.md §2)."""

    A = "甲", "甲类"
    B = "乙", "乙类"
    C = "丙", "丙类/目录外"


class Claim(models.Model):
    """One reimbursement application's care episode and its computed settlement."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="reimbursement_claim",
                                verbose_name="办件")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reimbursement_claims",
                               verbose_name="参保人员")
    handler_key = models.CharField("报销类别", max_length=60)
    insurance_type = models.CharField("险种", max_length=3)
    med_type = models.CharField("医疗类别", max_length=6)
    institution_code = models.CharField("医疗机构编码", max_length=20, blank=True)
    institution_name = models.CharField("医疗机构名称", max_length=100)
    institution_local = models.BooleanField("本统筹区定点医疗机构")
    hospital_level = models.CharField("医院等级", max_length=10)
    admission_date = models.DateField("就医开始日期")
    discharge_date = models.DateField("就医结束日期")
    diagnosis_code = models.CharField("诊断编码", max_length=20, blank=True)
    diagnosis_name = models.CharField("诊断名称", max_length=100)
    disease_code = models.CharField("门诊慢特病病种", max_length=6, blank=True)
    referral = models.CharField("转诊转院", max_length=20)
    filing_in_force = models.BooleanField("就医时异地就医备案有效", default=False)
    accident = models.BooleanField("意外伤害", default=False)
    # The 符合 意外伤害认定 that cleared the accident flag (Jincheng: the fund pays only then).
    accident_determination = models.ForeignKey("AccidentDetermination", on_delete=models.PROTECT, null=True,
                                               blank=True, related_name="claims", verbose_name="意外伤害认定")
    status = models.CharField("状态", max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.RECORDED)
    claimed_total = models.DecimalField("申报金额", max_digits=12, decimal_places=2)
    approved_total = models.DecimalField("核准金额", max_digits=12, decimal_places=2, null=True, blank=True)
    fund_paid = models.DecimalField("基金支付", max_digits=12, decimal_places=2, null=True, blank=True)
    personal_paid = models.DecimalField("个人负担", max_digits=12, decimal_places=2, null=True, blank=True)
    # The settlement as computed at 拨付: fields, steps and the parameters used (with dates/sources).
    settlement = models.JSONField("结算结果", default=dict, blank=True)
    created_at = models.DateTimeField("受理时间", default=timezone.now)
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)

    class Meta:
        verbose_name = "零星报销申请"
        verbose_name_plural = "零星报销申请"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "admission_date"], name="claim_person_day_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.claimed_total}"


class AdjustReason(models.TextChoices):
    """审核调整原因 (platform codes; openIMIS keeps rejection reasons as codes the same way)."""

    OVER_CEILING = "01", "超出限价"
    OUT_OF_LIST = "02", "非医保目录"
    DUPLICATE = "03", "重复收费"
    NOT_INDICATED = "04", "与诊断不符"
    QUANTITY = "05", "数量超出合理用量"
    BILL_MISMATCH = "06", "与收费票据不符"
    OTHER = "99", "其他"


class ClaimLine(models.Model):
    """One 收费项目 of the 费用明细清单 with its money stages."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines", verbose_name="报销申请")
    row = models.PositiveIntegerField("序号")
    item_code = models.CharField("收费项目编码", max_length=50, blank=True)
    item_name = models.CharField("收费项目名称", max_length=100)
    grade = models.CharField("等级", max_length=1, choices=Grade.choices)
    unit_price = models.DecimalField("单价", max_digits=12, decimal_places=4)
    quantity = models.DecimalField("数量", max_digits=12, decimal_places=4)
    price_ceiling = models.DecimalField("限价", max_digits=12, decimal_places=4, null=True, blank=True)
    self_pay_ratio = models.DecimalField("自付比例", max_digits=5, decimal_places=4, null=True, blank=True)
    claimed_amount = models.DecimalField("申报金额", max_digits=12, decimal_places=2)
    adjusted_amount = models.DecimalField("审核调整后金额", max_digits=12, decimal_places=2, null=True, blank=True)
    adjust_reason = models.CharField("调整原因", max_length=2, choices=AdjustReason.choices, blank=True)
    adjust_note = models.CharField("调整说明", max_length=200, blank=True)
    adjusted_by = models.CharField("调整人", max_length=150, blank=True)
    approved_amount = models.DecimalField("核准金额", max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "费用明细"
        verbose_name_plural = "费用明细"
        ordering = ["claim", "row"]
        constraints = [models.UniqueConstraint(fields=["claim", "row"], name="claim_line_unique_row")]

    def __str__(self) -> str:
        return f"{self.row} {self.item_name}"

    @property
    def current_amount(self):
        """The amount the line stands at: adjusted if a reviewer changed it, else as claimed."""
        return self.adjusted_amount if self.adjusted_amount is not None else self.claimed_amount


class ReimbursedBill(models.Model):
    """A 收费票据 number reimbursed: the unique constraint makes a second reimbursement impossible."""

    bill_number = models.CharField("票据号码", max_length=40, unique=True)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="bills", verbose_name="报销申请")
    created_at = models.DateTimeField("拨付时间", default=timezone.now)

    class Meta:
        verbose_name = "已报销票据"
        verbose_name_plural = "已报销票据"

    def __str__(self) -> str:
        return self.bill_number


class AccidentOutcome(models.TextChoices):
    ELIGIBLE = "eligible", "符合"
    INELIGIBLE = "ineligible", "不符合"


class AccidentDetermination(models.Model):
    """意外伤害费用纳入医保支付范围认定 (申请—调查—认定): the investigation's notes and the outcome."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="accident_determination",
                                verbose_name="办件")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accident_determinations",
                               verbose_name="参保人员")
    accident_date = models.DateField("受伤日期")
    investigation_notes = models.TextField("调查记录", blank=True)
    investigated_by = models.CharField("调查人", max_length=150, blank=True)
    investigator = models.CharField("调查人员姓名", max_length=100, blank=True)
    # 调查结论: is a third party liable for the costs (社会保险法第三十条)? None until investigated.
    third_party_liable = models.BooleanField("有责任第三方", null=True, blank=True)
    third_party = models.CharField("责任第三方", max_length=100, blank=True)
    investigated_at = models.DateTimeField("调查时间", null=True, blank=True)
    outcome = models.CharField("认定结论", max_length=10, choices=AccidentOutcome.choices, blank=True)
    reason = models.CharField("认定理由", max_length=300, blank=True)
    decided_by = models.CharField("认定人", max_length=150, blank=True)
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)

    class Meta:
        verbose_name = "意外伤害认定"
        verbose_name_plural = "意外伤害认定"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_outcome_display()}"
