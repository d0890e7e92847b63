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
    status = models.CharField("状态", max_length=20, choices=UnitStatus.choices, default=UnitStatus.ACTIVE)
    registered_on = models.DateField("参保日期")
    registered_by_case = models.CharField("登记办件", max_length=24, blank=True)

    class Meta:
        verbose_name = "参保单位"
        verbose_name_plural = "参保单位"
        ordering = ["uscc"]

    def __str__(self) -> str:
        return self.name


class IdType(models.TextChoices):
    """证件类型 (national 医保信息平台 codes; DESIGN.md "Code lists")."""

    RESIDENT_ID = "01", "居民身份证（户口簿）"
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


class InsurancePeriod(models.Model):
    """A 参保期间: one insurance type from start to (optional) end, for one person."""

    # No separate index on person: the (person, insurance_type) index leads with it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="periods",
                               verbose_name="参保人员", db_index=False)
    insurance_type = models.CharField("险种", max_length=3, choices=InsuranceType.choices)
    status = models.CharField("参保状态", max_length=1, choices=InsuranceStatus.choices,
                              default=InsuranceStatus.INSURED)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="periods", verbose_name="参保单位")
    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="periods",
                                    verbose_name="所属经办机构")
    start_date = models.DateField("参保开始日期")
    end_date = models.DateField("参保终止日期", null=True, blank=True)
    stop_reason = models.CharField("停保原因", max_length=100, blank=True)

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

    class Meta:
        verbose_name = "个人账户"
        verbose_name_plural = "个人账户"
        ordering = ["person"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.balance}"
