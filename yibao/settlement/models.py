"""Monthly settlement with designated institutions (定点医药机构费用结算, issue 14 §2).

A ``Declaration`` is one institution's month: the direct settlements (``SettlementRecord``,
one per 结算, the fields of BENEFITS.md §3) it declares, the deductions the review makes
(``Deduction``, a reason code each, by rule or by a clerk), and the statement
(``StatementLine``, one per fund) the institution and the agency confirm and the agency pays.

Money columns follow openIMIS's lesson: a column per stage (declared, deducted, approved,
withheld, payable) rather than one amount overwritten as the review goes on.
"""

from __future__ import annotations

from django.db import models

from yibao.agencies.models import Agency


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", "录入中"
    DECLARED = "declared", "已申报"
    REVIEWED = "reviewed", "已审核"
    STATED = "stated", "已出结算单"
    CONFIRMED = "confirmed", "双方已确认"
    PAID = "paid", "已拨付"


# The funds a direct settlement draws on (基金支付类型) and the pool (职工/居民/救助) each belongs to;
# the statement keeps the pools apart (BENEFITS.md §5, the Xuzhou lesson).
FUND_COLUMNS = {
    "310100": "pooled_employee",
    "310200": "account_pay",
    "330100": "large_expense",
    "390100": "pooled_resident",
    "390200": "critical_illness",
    "610100": "medical_aid",
}
FUND_POOL = {
    "310100": "职工", "310200": "职工", "330100": "职工",
    "390100": "居民", "390200": "居民",
    "610100": "救助",
}


class Declaration(models.Model):
    """One institution's monthly declaration of last month's direct settlements (月度结算申报)."""

    institution_code = models.CharField("定点机构编码", max_length=12)
    institution_name = models.CharField("定点机构名称", max_length=100)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="settlement_declarations",
                               verbose_name="结算经办机构")
    month = models.DateField("结算月份")  # the first day of the month the settlements belong to
    status = models.CharField("状态", max_length=12, choices=DeclarationStatus.choices,
                              default=DeclarationStatus.DRAFT)
    version = models.PositiveIntegerField("版本", default=0)
    declared_on = models.DateField("申报日期", null=True, blank=True)
    due_date = models.DateField("拨付期限", null=True, blank=True)  # 30 working days after declared_on
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.CharField("审核人", max_length=50, blank=True)
    deposit_share = models.DecimalField("质量保证金比例", max_digits=5, decimal_places=4, null=True, blank=True)
    deposit_share_is_demo = models.BooleanField("保证金比例为示例参数", default=False)
    institution_confirmed_at = models.DateTimeField("机构确认时间", null=True, blank=True)
    institution_confirmed_by = models.CharField("机构确认人", max_length=50, blank=True)
    agency_confirmed_at = models.DateTimeField("经办机构确认时间", null=True, blank=True)
    agency_confirmed_by = models.CharField("经办机构确认人", max_length=50, blank=True)
    # The account the institution named on its 清算确认书 (the institution record holds none yet).
    payee_bank_name = models.CharField("收款开户银行", max_length=100, blank=True)
    payee_account_number = models.CharField("收款银行账号", max_length=40, blank=True)
    paid_on = models.DateField("拨付日期", null=True, blank=True)
    case_number = models.CharField("清算申请办件", max_length=24, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "月度结算申报"
        constraints = [models.UniqueConstraint(fields=["institution_code", "month"],
                                               name="settlement_one_declaration_per_month")]
        indexes = [models.Index(fields=["agency", "month"])]

    def __str__(self) -> str:
        return f"{self.institution_name} {self.month:%Y-%m}"


class SettlementRecord(models.Model):
    """One direct settlement (结算) as the institution declared it, with its row in the upload."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="records")
    row = models.PositiveIntegerField("行号")
    settlement_id = models.CharField("结算编号", max_length=40)
    person_id_number = models.CharField("公民身份号码", max_length=18)
    insurance_type = models.CharField("险种", max_length=3)
    med_type = models.CharField("医疗类别", max_length=6)
    begin_date = models.DateField("就诊（入院）日期")
    end_date = models.DateField("结算（出院）日期")
    total = models.DecimalField("医疗费总额", max_digits=14, decimal_places=2)
    self_pay_full = models.DecimalField("全自费金额", max_digits=14, decimal_places=2, default=0)
    over_limit = models.DecimalField("超限价自费", max_digits=14, decimal_places=2, default=0)
    pre_self_pay = models.DecimalField("先行自付金额", max_digits=14, decimal_places=2, default=0)
    in_policy = models.DecimalField("符合政策范围金额", max_digits=14, decimal_places=2, default=0)
    deductible = models.DecimalField("实际支付起付线", max_digits=14, decimal_places=2, default=0)
    pooled_employee = models.DecimalField("职工统筹基金支出(310100)", max_digits=14, decimal_places=2, default=0)
    account_pay = models.DecimalField("个人账户支出(310200)", max_digits=14, decimal_places=2, default=0)
    large_expense = models.DecimalField("大额医疗费用补助(330100)", max_digits=14, decimal_places=2, default=0)
    pooled_resident = models.DecimalField("居民统筹基金支出(390100)", max_digits=14, decimal_places=2, default=0)
    critical_illness = models.DecimalField("居民大病保险(390200)", max_digits=14, decimal_places=2, default=0)
    medical_aid = models.DecimalField("医疗救助(610100)", max_digits=14, decimal_places=2, default=0)
    fund_total = models.DecimalField("基金支付总额", max_digits=14, decimal_places=2)
    personal_total = models.DecimalField("个人负担总金额", max_digits=14, decimal_places=2)
    cash_pay = models.DecimalField("个人现金支出", max_digits=14, decimal_places=2, default=0)
    diagnosis_code = models.CharField("病种组合（DIP）", max_length=20, blank=True, default="", db_default="")
    problem_code = models.CharField("问题代码", max_length=20, blank=True, default="", db_default="")
    problem = models.CharField("问题", max_length=200, blank=True, default="", db_default="")

    class Meta:
        verbose_name = verbose_name_plural = "直接结算明细"
        constraints = [models.UniqueConstraint(fields=["declaration", "settlement_id"],
                                               name="settlement_record_once_per_declaration")]
        indexes = [models.Index(fields=["settlement_id"]), models.Index(fields=["declaration", "end_date"]),
                   # The few records with a problem, found without scanning the month (rule review).
                   models.Index(fields=["declaration"], condition=~models.Q(problem_code=""),
                                name="settlement_record_problems")]


class DeductionSource(models.TextChoices):
    RULE = "rule", "规则审核"
    CLERK = "clerk", "人工审核"


class ObjectionState(models.TextChoices):
    NONE = "", "无"
    OPEN = "open", "申诉待复核"
    UPHELD = "upheld", "维持扣款"
    REVERSED = "reversed", "撤销扣款"


class Deduction(models.Model):
    """An amount of one record's fund payment the agency will not pay, with its reason code."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="deductions")
    record = models.ForeignKey(SettlementRecord, on_delete=models.CASCADE, related_name="deductions")
    fund = models.CharField("基金", max_length=6)
    amount = models.DecimalField("扣款金额", max_digits=14, decimal_places=2)
    reason_code = models.CharField("扣款原因代码", max_length=20)
    reason = models.CharField("扣款原因", max_length=200)
    source = models.CharField("来源", max_length=8, choices=DeductionSource.choices)
    created_by = models.CharField("扣款人", max_length=50)
    note = models.CharField("审核意见", max_length=500, blank=True)
    objection_state = models.CharField("申诉状态", max_length=10, choices=ObjectionState.choices, blank=True,
                                       default="", db_default="")
    objection_reason = models.CharField("申诉理由", max_length=500, blank=True, default="", db_default="")
    objected_at = models.DateTimeField("申诉时间", null=True, blank=True)
    decided_by = models.CharField("复核人", max_length=50, blank=True, default="", db_default="")
    decision_note = models.CharField("复核意见", max_length=500, blank=True, default="", db_default="")
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核扣款"
        constraints = [models.UniqueConstraint(fields=["record", "fund", "reason_code"],
                                               condition=models.Q(source="rule"),
                                               name="settlement_rule_deduction_once")]


class StatementLine(models.Model):
    """One fund's line of an institution's monthly statement (结算单 / 清算确认书)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines")
    fund = models.CharField("基金", max_length=6)
    pool = models.CharField("基金类别", max_length=4)  # 职工 / 居民 / 救助
    records = models.PositiveIntegerField("结算笔数")
    declared = models.DecimalField("申报金额", max_digits=14, decimal_places=2)
    deducted = models.DecimalField("审核扣款", max_digits=14, decimal_places=2)
    approved = models.DecimalField("审核通过", max_digits=14, decimal_places=2)
    withheld = models.DecimalField("预留质量保证金", max_digits=14, decimal_places=2)
    payable = models.DecimalField("应拨付", max_digits=14, decimal_places=2)
    payment_reference = models.CharField("支付业务流水号", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "结算单行"
        ordering = ["fund"]
        constraints = [models.UniqueConstraint(fields=["declaration", "fund"], name="settlement_line_per_fund")]


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    FINISHED = "finished", "已完成"
    FAILED = "failed", "失败"


class RunProgress(models.Model):
    """A long run started from the console (a month's settlement run, a big import): how far it is,
    so that the console can show it while a background worker does it (issue 14 §3)."""

    kind = models.CharField("类型", max_length=20)  # settlement_run | settlement_upload
    label = models.CharField("名称", max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="settlement_runs",
                               verbose_name="发起经办机构")
    started_by = models.CharField("发起人", max_length=50)
    status = models.CharField("状态", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveBigIntegerField("总数", null=True, blank=True)
    done = models.PositiveBigIntegerField("已完成", default=0)
    stage = models.CharField("当前阶段", max_length=100, blank=True)
    summary = models.JSONField("结果摘要", default=dict, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台运行进度"
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))
