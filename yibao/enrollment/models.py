import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from yibao.agencies.models import Agency, Region


class UnitType(models.TextChoices):
    GOVERNMENT = "机关", "机关"
    INSTITUTION = "事业", "事业"
    ENTERPRISE = "企业", "企业"
    SOCIAL_ORGANIZATION = "社会团体", "社会团体"
    PRIVATE_NON_ENTERPRISE = "民办非企业", "民办非企业"


class UnitStatus(models.TextChoices):
    ACTIVE = "active", "正常参保"
    SUSPENDED = "suspended", "暂停"
    CANCELLED = "cancelled", "注销"


class Unit(models.Model):
    """A 参保单位, registered by the 单位参保登记 item."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("单位名称", max_length=100)
    unit_type = models.CharField("单位类型", max_length=10, choices=UnitType.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units")
    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units",
                                    verbose_name="所属经办机构")
    address = models.CharField("地址", max_length=200, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    insurance_types = models.JSONField("参保险种", default=list)
    affiliation = models.CharField("隶属关系", max_length=50, blank=True, default="", db_default="")
    bank_name = models.CharField("开户银行", max_length=100, blank=True, default="", db_default="")
    bank_account = models.CharField("银行账号", max_length=40, blank=True, default="", db_default="")
    status = models.CharField("状态", max_length=20, choices=UnitStatus.choices, default=UnitStatus.ACTIVE)
    registered_on = models.DateField("参保日期")
    registered_by_case = models.CharField("登记办件", max_length=24, blank=True)
    suspended_on = models.DateField("暂停日期", null=True, blank=True)
    cancelled_on = models.DateField("注销日期", null=True, blank=True)
    # 拆分 / 合并 / 分立: the unit this one was merged into or split from.
    successor = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="predecessors", verbose_name="承继单位")

    class Meta:
        verbose_name = "参保单位"
        verbose_name_plural = "参保单位"
        ordering = ["uscc"]

    def __str__(self) -> str:
        return self.name


class IdType(models.TextChoices):
    """证件类型. 01/17/90/99 follow the national 医保信息平台 list; the others are
    the documents the seeds name, with codes of this deployment."""

    RESIDENT_ID = "01", "居民身份证（户口簿）"
    HOUSEHOLD_REGISTER = "02", "户口簿"
    RESIDENCE_PERMIT = "03", "居住证"
    FOREIGNER_PERMANENT_RESIDENCE = "07", "外国人永久居留身份证"
    CHINESE_PASSPORT = "16", "中国护照"
    HMT_RESIDENCE_PERMIT = "17", "港澳台居民居住证"
    SOCIAL_SECURITY_CARD = "90", "社会保障卡"
    OTHER = "99", "其他"


class Sex(models.TextChoices):
    """性别 (GB/T 2261.1)."""

    MALE = "1", "男"
    FEMALE = "2", "女"


class InsuranceType(models.TextChoices):
    """险种 (national 医保信息平台 codes; DESIGN.md "Code lists")."""

    EMPLOYEE_BASIC = "310", "职工基本医疗保险"
    CIVIL_SERVANT_SUBSIDY = "320", "公务员医疗补助"
    LARGE_EXPENSE_SUBSIDY = "330", "大额医疗费用补助"
    RETIRED_CADRE = "340", "离休人员医疗保障"
    RESIDENT_BASIC = "390", "城乡居民基本医疗保险"
    RESIDENT_CRITICAL_ILLNESS = "392", "城乡居民大病医疗保险"
    MATERNITY = "510", "生育保险"


class InsuranceStatus(models.TextChoices):
    """人员参保状态 (national 医保信息平台 codes; DESIGN.md "Code lists")."""

    NOT_INSURED = "0", "未参保"
    INSURED = "1", "正常参保"
    SUSPENDED = "2", "暂停参保"
    INVALID = "3", "无效参保"
    TERMINATED = "4", "终止参保"


class Person(models.Model):
    """A 参保人员."""

    id_type = models.CharField("证件类型", max_length=2, choices=IdType.choices,
                               default=IdType.RESIDENT_ID)
    # unique=True gives the index the hot "person by ID number" read uses.
    id_number = models.CharField("证件号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("居住地址", max_length=200, blank=True, default="", db_default="")
    death_date = models.DateField("死亡日期", null=True, blank=True)
    # 多号合并: a duplicate record points at the record that was kept.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_records", verbose_name="已合并至")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="persons",
                               verbose_name="统筹区")
    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="persons",
                                    verbose_name="所属经办机构")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "参保人员"
        verbose_name_plural = "参保人员"
        ordering = ["id_number"]

    def __str__(self) -> str:
        return self.name


class PersonCategory(models.TextChoices):
    """人员类别 of an insurance period."""

    EMPLOYED = "employed", "在职职工"
    RETIRED = "retired", "退休人员"
    FLEXIBLE = "flexible", "灵活就业人员"
    RESIDENT = "resident", "城乡居民"
    STUDENT = "student", "学生儿童"
    NEWBORN = "newborn", "新生儿"


class InsurancePeriod(models.Model):
    """A 参保期间: one insurance type from start to (optional) end, for one person."""

    # No separate index on person: the (person, insurance_type) index leads with it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="periods",
                               verbose_name="参保人员", db_index=False)
    insurance_type = models.CharField("险种", max_length=3, choices=InsuranceType.choices)
    status = models.CharField("参保状态", max_length=1, choices=InsuranceStatus.choices,
                              default=InsuranceStatus.INSURED)
    category = models.CharField("人员类别", max_length=10, choices=PersonCategory.choices, blank=True, default="", db_default="")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="periods", verbose_name="参保单位")
    # 单位编号 where there is no unit record, e.g. the flexible-worker pool (Jincheng: 46065).
    unit_code = models.CharField("单位编号", max_length=20, blank=True, default="", db_default="")
    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="periods",
                                    verbose_name="所属经办机构")
    start_date = models.DateField("参保开始日期")
    end_date = models.DateField("参保终止日期", null=True, blank=True)
    stop_reason = models.CharField("停保原因", max_length=100, blank=True)
    started_by_case = models.CharField("参保办件", max_length=24, blank=True, default="", db_default="")
    stopped_by_case = models.CharField("停保办件", max_length=24, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "参保期间"
        verbose_name_plural = "参保期间"
        ordering = ["person", "insurance_type", "start_date"]
        indexes = [
            models.Index(fields=["person", "insurance_type"], name="period_person_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_insurance_type_display()} {self.start_date}–{self.end_date or ''}"


class Contribution(models.Model):
    """A 缴费记录: one month of one insurance type for one person."""

    # No separate index on person: the unique constraint and the (person, month) index lead with it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contributions",
                               verbose_name="参保人员", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="contributions", verbose_name="参保单位")
    month = models.DateField("费款所属期")  # always the first day of the month
    insurance_type = models.CharField("险种", max_length=3, choices=InsuranceType.choices)
    base = models.DecimalField("缴费基数", max_digits=12, decimal_places=2)
    unit_part = models.DecimalField("单位缴费", max_digits=12, decimal_places=2)
    personal_part = models.DecimalField("个人缴费", max_digits=12, decimal_places=2)
    paid = models.BooleanField("已到账", default=False)
    # 补缴 / 报盘: the case that created or last changed the row.
    case_number = models.CharField("办件编号", max_length=24, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "缴费记录"
        verbose_name_plural = "缴费记录"
        ordering = ["person", "-month", "insurance_type"]
        constraints = [
            models.UniqueConstraint(fields=["person", "insurance_type", "month"],
                                    name="contribution_unique_month"),
        ]
        indexes = [
            models.Index(fields=["person", "month"], name="contribution_person_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.insurance_type} {self.base}"


class AccountStatus(models.TextChoices):
    OPEN = "open", "正常"
    CLOSED = "closed", "注销"


class PersonalAccount(models.Model):
    """A 个人账户 (employees' basic medical insurance)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="account",
                                  verbose_name="参保人员")
    balance = models.DecimalField("余额", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField("状态", max_length=10, choices=AccountStatus.choices,
                              default=AccountStatus.OPEN)
    closed_on = models.DateField("注销日期", null=True, blank=True)
    close_reason = models.CharField("注销原因", max_length=100, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "个人账户"
        verbose_name_plural = "个人账户"
        ordering = ["person"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.balance}"


class MovementKind(models.TextChoices):
    CONTRIBUTION = "contribution", "缴费划入"
    EXPENSE = "expense", "医疗消费"
    WITHDRAWAL = "withdrawal", "一次性支取"
    TRANSFER_OUT = "transfer_out", "转移转出"
    TRANSFER_IN = "transfer_in", "转移转入"
    ADJUSTMENT = "adjustment", "调整"


class AccountMovement(models.Model):
    """One change of a personal account's balance; ``reference`` makes a retried
    movement (a transfer document received twice, say) a no-op."""

    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="movements",
                                verbose_name="个人账户")
    kind = models.CharField("类型", max_length=20, choices=MovementKind.choices)
    amount = models.DecimalField("金额（收入为正，支出为负）", max_digits=12, decimal_places=2)
    balance_after = models.DecimalField("变动后余额", max_digits=12, decimal_places=2)
    reference = models.CharField("业务流水号", max_length=64, unique=True)
    case_number = models.CharField("办件编号", max_length=24, blank=True)
    note = models.CharField("摘要", max_length=200, blank=True)
    # The reason key of a one-off withdrawal (data/withdrawal.yaml); the once-a-year rule queries it.
    withdrawal_reason = models.CharField("支取原因", max_length=30, blank=True)
    actor = models.CharField("经办人", max_length=150)
    created_at = models.DateTimeField("记账时间", default=timezone.now)

    class Meta:
        verbose_name = "个人账户收支"
        verbose_name_plural = "个人账户收支"
        ordering = ["account", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class BaseDeclaration(models.Model):
    """缴费基数申报: a unit declares one employee's monthly base for a year."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="base_declarations",
                             verbose_name="参保单位")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="base_declarations",
                               verbose_name="参保人员")
    year = models.PositiveSmallIntegerField("申报年度")
    base = models.DecimalField("月缴费基数", max_digits=12, decimal_places=2)
    case_number = models.CharField("办件编号", max_length=24, blank=True)
    declared_at = models.DateTimeField("申报时间", default=timezone.now)

    class Meta:
        verbose_name = "缴费基数申报"
        verbose_name_plural = "缴费基数申报"
        ordering = ["unit", "year", "person"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "person", "year"], name="base_declaration_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.person_id} {self.base}"


class RegionPolicy(models.Model):
    """Per-region enrollment rules the administrator may change (admin site).

    Defaults come from ``data/policies.yaml`` (the seeds' figures where they
    give one, e.g. Taiyuan's resident window 9月1日–12月20日, Jincheng's
    flexible-worker unit code 46065).

    A policy holds from ``effective_from`` to ``effective_to`` (inclusive; open
    when empty): a change of rates is a new row from its date, and a past date
    is read with the policy of that date (``policies.policy_for(region, on=…)``)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="enrollment_policies",
                               verbose_name="统筹区")
    effective_from = models.DateField("生效日期", default=datetime.date(2000, 1, 1))
    effective_to = models.DateField("失效日期（含当日，空为长期有效）", null=True, blank=True)
    resident_window_start = models.CharField("居民集中参保期开始（MM-DD）", max_length=5, default="09-01")
    resident_window_end = models.CharField("居民集中参保期结束（MM-DD）", max_length=5, default="12-20")
    flexible_unit_code = models.CharField("灵活就业人员单位编号", max_length=20, default="46065")
    unit_rate = models.DecimalField("单位缴费费率", max_digits=5, decimal_places=4, default=Decimal("0.0800"))
    personal_rate = models.DecimalField("个人缴费费率", max_digits=5, decimal_places=4, default=Decimal("0.0200"))
    flexible_rate = models.DecimalField("灵活就业缴费费率", max_digits=5, decimal_places=4,
                                        default=Decimal("0.0800"))
    resident_yearly_fee = models.DecimalField("居民个人年缴费标准", max_digits=8, decimal_places=2,
                                              default=Decimal("380.00"))

    class Meta:
        verbose_name = "参保政策参数"
        verbose_name_plural = "参保政策参数"
        ordering = ["region", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "effective_from"], name="region_policy_once_per_date"),
            models.CheckConstraint(condition=models.Q(effective_to__isnull=True)
                                   | models.Q(effective_to__gte=models.F("effective_from")),
                                   name="region_policy_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.region} 参保政策参数（{self.effective_from:%Y-%m-%d} 起）"


class BaopanUpload(models.Model):
    """Which unit uploaded a stored 报盘 workbook (files are stored once per SHA-256).

    A 缴费基数申报 may name only a workbook its own unit uploaded, so that a
    digest copied from elsewhere cannot attach another unit's employees' wages.
    """

    sha256 = models.CharField("SHA-256", max_length=64)
    uscc = models.CharField("上传单位统一社会信用代码", max_length=18)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "报盘文件上传"
        verbose_name_plural = "报盘文件上传"
        constraints = [models.UniqueConstraint(fields=["sha256", "uscc"], name="baopan_upload_owner")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.sha256[:12]}"


class DeathDocumentType(models.TextChoices):
    MEDICAL_CERTIFICATE = "medical", "居民死亡医学证明（推断）书"
    CREMATION = "cremation", "火化证明"
    HOUSEHOLD_CANCELLATION = "household", "公安机关户籍注销证明"
    COURT_DECLARATION = "court", "人民法院宣告死亡判决书"
    CIVIL_AFFAIRS_DATA = "civil_affairs", "民政殡葬信息比对结果"


class DeathVerification(models.Model):
    """How the reviewing clerk verified a death claimed in a 一次性支取 case."""

    case_number = models.CharField("办件编号", max_length=24, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="death_verifications",
                               verbose_name="参保人员")
    document_type = models.CharField("核验证明类型", max_length=20, choices=DeathDocumentType.choices)
    document_number = models.CharField("证明编号", max_length=50)
    note = models.CharField("核验说明", max_length=200, blank=True)
    verified_by = models.CharField("核验人", max_length=150)
    verified_at = models.DateTimeField("核验时间", default=timezone.now)

    class Meta:
        verbose_name = "死亡核验"
        verbose_name_plural = "死亡核验"
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return f"{self.case_number} {self.get_document_type_display()}"
