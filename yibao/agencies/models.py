from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Region(models.Model):
    """A 统筹区 (pooling region), here one per city."""

    slug = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    code = models.CharField("行政区划代码", max_length=6, unique=True)

    class Meta:
        verbose_name = "统筹区"
        verbose_name_plural = "统筹区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AgencyLevel(models.TextChoices):
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Agency(models.Model):
    """A 经办机构: the city centre of a region or one of its county/district centres."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="agencies",
                               verbose_name="统筹区")
    # The 6-digit administrative division code of the city or county served;
    # one agency per division, so it doubles as the agency's code.
    code = models.CharField("机构代码（行政区划代码）", max_length=6, unique=True)
    slug = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=80)
    level = models.CharField("层级", max_length=10, choices=AgencyLevel.choices)
    district = models.CharField("所辖县（市、区）", max_length=40)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("电话", max_length=40, blank=True)
    is_active = models.BooleanField("在用", default=True)
    # The fund's receiving account (医保基金收入户): a transfer-out sends the personal-account
    # balance there, so the 联系函 carries it. Blank until the agency's administrator enters it.
    fund_account_name = models.CharField("基金收入户户名", max_length=100, blank=True)
    fund_bank_name = models.CharField("基金收入户开户银行", max_length=100, blank=True)
    fund_account_number = models.CharField("基金收入户银行账号", max_length=40, blank=True)

    class Meta:
        verbose_name = "经办机构"
        verbose_name_plural = "经办机构"
        ordering = ["region__code", "code"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A service window (窗口) of an agency, e.g. A01 参保征缴综合窗口."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="windows",
                               verbose_name="经办机构")
    number = models.CharField("窗口号", max_length=10)
    name = models.CharField("窗口名称", max_length=60)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "窗口"
        verbose_name_plural = "窗口"
        ordering = ["agency__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="window_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.name} {self.number} {self.name}"


class Role(models.TextChoices):
    ACCEPT = "accept", "受理"
    REVIEW = "review", "审核"
    SECOND_REVIEW = "second_review", "复审"
    PAY = "pay", "拨付"
    SUPERVISE = "supervise", "科长"
    ADMINISTER = "administer", "管理员"


class StaffMember(models.Model):
    """A 经办人员: a login that acts for exactly one agency, with one or more roles."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="staff_member", verbose_name="登录账号")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff",
                               verbose_name="经办机构")
    default_window = models.ForeignKey(Window, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name="默认窗口")
    name = models.CharField("姓名", max_length=40)
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "经办人员"
        verbose_name_plural = "经办人员"
        ordering = ["agency__code", "user__username"]

    def __str__(self) -> str:
        return f"{self.name}（{self.agency.name}）"

    def clean(self) -> None:
        # A clerk sits at a window of their own agency, never another's.
        if self.default_window_id and self.default_window.agency_id != self.agency_id:
            raise ValidationError({"default_window": "默认窗口不属于该经办人员的经办机构"})


class StaffRole(models.Model):
    """One role held by a staff member (a row per role keeps "who may review here" one query)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="roles",
                              verbose_name="经办人员")
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "经办角色"
        verbose_name_plural = "经办角色"
        ordering = ["staff", "role"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "role"], name="staffrole_unique"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()
