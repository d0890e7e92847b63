"""定点医药机构: hospitals and pharmacies as records, as logins, and their designation.

An ``Institution`` exists from its first application on (status 申请中) and becomes
designated when its service is opened: it then has a national code (医疗机构
``H`` + 11 digits, 零售药店 ``P`` + 11 digits) and a ``DesignationPeriod`` from the
opening day. 暂停 and 解除 close the open period; the settlement asks
``selectors.designated_on(code=…, day=…)``, which reads the periods, never the
current status, so a month is judged by what was true on each care day.

The application lifecycle (国家医疗保障局令第2号/第3号) rides on the case engine:
评估 (``Evaluation`` with one ``EvaluationScore`` per criterion), 公示
(``Publicity`` and its ``Objection``\\ s), 协商谈判 and 协议签订 (``Agreement``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yibao.agencies.models import Agency, Region, StaffMember

INSTITUTION_PREFIX = "i:"  # auth username of an institution's login: "i:" + 统一社会信用代码


class InstitutionKind(models.TextChoices):
    HOSPITAL = "hospital", "医疗机构"
    PHARMACY = "pharmacy", "零售药店"


class InstitutionStatus(models.TextChoices):
    APPLYING = "applying", "申请中"
    SIGNED = "signed", "已签订协议（待开通）"
    DESIGNATED = "designated", "定点"
    SUSPENDED = "suspended", "暂停"
    TERMINATED = "terminated", "已解除协议"


class HospitalLevel(models.TextChoices):
    TERTIARY = "3", "三级"
    SECONDARY = "2", "二级"
    PRIMARY = "1", "一级"
    UNRATED = "0", "未定级"


class Institution(models.Model):
    """A hospital or a retail pharmacy, applicant and (once designated) 定点医药机构."""

    kind = models.CharField("机构类别", max_length=10, choices=InstitutionKind.choices)
    name = models.CharField("机构名称", max_length=100)
    # The institution's own USCC is its login and its case applicant number; the
    # operator's (举办主体) may differ (a chain's head office, a hospital's group).
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    operator_uscc = models.CharField("举办主体统一社会信用代码", max_length=18)
    licence_number = models.CharField("执业许可证/药品经营许可证号", max_length=40)
    legal_representative = models.CharField("法定代表人", max_length=50)
    address = models.CharField("地址", max_length=200)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    # 基本账户 (表13/表14): where settlement pays (yibao.settlement reads it through its seam).
    bank_name = models.CharField("基本账户开户银行", max_length=100, blank=True, default="")
    bank_account = models.CharField("基本账户账号", max_length=40, blank=True, default="")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="institutions",
                               verbose_name="统筹区")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="institutions",
                               verbose_name="管理经办机构")
    county = models.CharField("所在县（市、区）", max_length=40)
    opened_on = models.DateField("开业（执业）日期")
    # Hospital
    level = models.CharField("医院等级", max_length=2, choices=HospitalLevel.choices, blank=True)
    hospital_type = models.CharField("医疗机构类型", max_length=40, blank=True)  # 综合医院、中医医院…
    beds = models.PositiveIntegerField("核定床位", default=0)
    departments = models.JSONField("诊疗科目", default=list, blank=True)
    # Pharmacy
    is_chain = models.BooleanField("连锁药店", default=False)
    pharmacists = models.PositiveIntegerField("执业药师人数", default=0)
    # What it may serve once designated: 医疗类别 codes (BENEFITS §2), e.g. ["11", "21"] or ["41"].
    services = models.JSONField("服务范围（医疗类别）", default=list, blank=True)
    national_code = models.CharField("国家医保定点机构编码", max_length=12, unique=True, null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=InstitutionStatus.choices,
                              default=InstitutionStatus.APPLYING, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "医药机构"
        verbose_name_plural = "医药机构"
        ordering = ["region", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(national_code__isnull=True)
                | models.Q(kind="hospital", national_code__regex=r"^H\d{11}$")
                | models.Q(kind="pharmacy", national_code__regex=r"^P\d{11}$"),
                name="institution_code_matches_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class InstitutionAccount(models.Model):
    """The login of an institution: its staff log in as the institution (username "i:" + USCC)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="institution_account", verbose_name="登录账号")
    institution = models.OneToOneField(Institution, on_delete=models.CASCADE, related_name="account",
                                       verbose_name="医药机构")
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = "医药机构账号"
        verbose_name_plural = "医药机构账号"

    def __str__(self) -> str:
        return self.institution.name


class DesignationPeriod(models.Model):
    """A span during which the institution was designated: [start, end], end None while open."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="periods",
                                    verbose_name="医药机构")
    start = models.DateField("起始日")
    end = models.DateField("终止日", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=20, blank=True)
    agreement = models.ForeignKey("Agreement", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name="服务协议")

    class Meta:
        verbose_name = "定点期间"
        verbose_name_plural = "定点期间"
        ordering = ["institution", "start"]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=models.Q(end__isnull=True),
                                    name="one_open_designation_period"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.start}–{self.end or ''}"


class Evaluation(models.Model):
    """One round of 评估 (written and on-site) of an application; failed rounds may be retried."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="evaluations",
                             verbose_name="办件")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="evaluations")
    round = models.PositiveSmallIntegerField("评估轮次")
    passed = models.BooleanField("评估合格")
    written_on = models.DateField("书面评估日期")
    onsite_on = models.DateField("现场评估日期")
    evaluator = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name="评估人")
    opinion = models.TextField("评估意见", blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "评估记录"
        verbose_name_plural = "评估记录"
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="evaluation_case_round")]


class EvaluationScore(models.Model):
    """The finding on one criterion of the regulation (``data/criteria.yaml``)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField("评估项代码", max_length=40)
    label = models.CharField("评估项", max_length=200)
    met = models.BooleanField("符合")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "评估项记录"
        verbose_name_plural = "评估项记录"
        ordering = ["evaluation", "id"]


class Publicity(models.Model):
    """公示: the institution is listed on the public page from ``start`` to ``end`` inclusive."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="publicity")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="publicities")
    start = models.DateField("公示开始")
    end = models.DateField("公示截止")
    # The cases' ``审核`` closes the publicity; kept for the public page's history.
    closed_at = models.DateTimeField("公示结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "定点公示"
        verbose_name_plural = "定点公示"
        ordering = ["-start", "-id"]


class Objection(models.Model):
    """An objection raised during publicity, answered by staff (upheld or not)."""

    publicity = models.ForeignKey(Publicity, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.CharField("异议人", max_length=50)
    contact = models.CharField("联系方式", max_length=40)
    text = models.TextField("异议内容")
    raised_at = models.DateTimeField("提出时间", auto_now_add=True)
    answer = models.TextField("答复", blank=True)
    upheld = models.BooleanField("异议成立", null=True, blank=True)
    answered_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["publicity", "raised_at", "id"]


class Agreement(models.Model):
    """协议: negotiated (协商谈判) then signed (协议签订); the PDF carries a verification QR."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="agreement")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="agreements")
    number = models.CharField("协议编号", max_length=30, unique=True)
    negotiated_terms = models.TextField("协商谈判结果")
    negotiated_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    negotiated_at = models.DateTimeField("协商时间", auto_now_add=True)
    starts_on = models.DateField("协议起始日", null=True, blank=True)
    ends_on = models.DateField("协议终止日", null=True, blank=True)
    signed_at = models.DateTimeField("签订时间", null=True, blank=True)

    class Meta:
        verbose_name = "服务协议"
        verbose_name_plural = "服务协议"
        ordering = ["-negotiated_at", "-id"]

    def __str__(self) -> str:
        return self.number


class InstitutionChange(models.Model):
    """A recorded change of an institution (信息变更, 暂停, 恢复, 解除), with before and after."""

    class Action(models.TextChoices):
        CHANGE = "change", "信息变更"
        SUSPEND = "suspend", "暂停"
        RESUME = "resume", "恢复"
        TERMINATE = "terminate", "解除协议"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField("动作", max_length=10, choices=Action.choices)
    reason_code = models.CharField("原因代码", max_length=20, blank=True)
    before = models.JSONField("变更前", default=dict)
    after = models.JSONField("变更后", default=dict)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.CharField("操作人", max_length=150)
    effective_on = models.DateField("生效日")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "机构变更记录"
        verbose_name_plural = "机构变更记录"
        ordering = ["institution", "at", "id"]
