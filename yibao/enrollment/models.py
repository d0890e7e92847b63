from django.db import models

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
