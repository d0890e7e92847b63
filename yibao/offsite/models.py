"""Off-site medical treatment filings (异地就医备案)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from yibao.agencies.models import Region
from yibao.enrollment.models import Person
from yibao.offsite.rules import category_rule


class FilingCategory(models.TextChoices):
    """人员类别 of a filing; which item covers which is data (``data/filing_items.yaml``)."""

    RESETTLED_RETIREE = "resettled_retiree", "异地安置退休人员"
    LONG_TERM_RESIDENT = "long_term_resident", "异地长期居住人员"
    STATIONED_WORKER = "stationed_worker", "常驻异地工作人员"
    REFERRAL = "referral", "异地转诊人员"
    EMERGENCY = "emergency", "异地急诊抢救人员"
    NON_EMERGENCY_UNREFERRED = "non_emergency_unreferred", "非急诊且未转诊人员"
    OTHER_TEMPORARY = "other_temporary", "其他临时外出就医人员"


class FilingStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    CHANGED = "changed", "已变更"
    CANCELLED = "cancelled", "已取消"
    EXPIRED = "expired", "已到期"


class FiledBy(models.TextChoices):
    PERSON = "person", "本人"
    UNIT = "unit", "单位"
    HOSPITAL = "hospital", "医疗机构"


class OffsiteFiling(models.Model):
    """One filing of one person to one destination for one period.

    A change (变更) closes this row (status ``changed``, ``ended_on``) and opens a
    new one pointing back at it through ``supersedes``, so the history stays.
    The filing is in force from ``start_date`` to ``end_date`` (None: long-term)
    and, once changed or cancelled, up to the day before ``ended_on``.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="offsite_filings",
                               verbose_name="参保人员")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="offsite_filings",
                               verbose_name="参保地统筹区")
    insurance_type = models.CharField("险种", max_length=3)
    category = models.CharField("人员类别", max_length=30, choices=FilingCategory.choices)
    destination_province_code = models.CharField("转往省代码", max_length=6)
    destination_province_name = models.CharField("转往省(市、区)", max_length=30)
    destination_city_code = models.CharField("转往地区代码", max_length=6)
    destination_city_name = models.CharField("转往地区(市、州)", max_length=30)
    hospital = models.CharField("就医医院", max_length=100, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)  # None: long-term
    status = models.CharField("状态", max_length=10, choices=FilingStatus.choices, default=FilingStatus.ACTIVE)
    ended_on = models.DateField("变更/取消生效日期", null=True, blank=True)
    end_reason = models.CharField("变更/取消原因", max_length=200, blank=True)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", verbose_name="变更前备案")
    reason = models.CharField("备案原因", max_length=200, blank=True)
    offsite_address = models.CharField("异地联系地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    by_commitment = models.BooleanField("以承诺书代替证明材料", default=False)
    case_number = models.CharField("办件编号", max_length=24, blank=True)
    filed_by = models.CharField("备案申报方", max_length=10, choices=FiledBy.choices, default=FiledBy.PERSON)
    filer_id_number = models.CharField("申报方证件号码/统一社会信用代码", max_length=18, blank=True)
    filer_name = models.CharField("申报方名称", max_length=100, blank=True)
    created_at = models.DateTimeField("备案时间", default=timezone.now)

    class Meta:
        verbose_name = "异地就医备案"
        verbose_name_plural = "异地就医备案"
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["person", "status"], name="offsite_person_status_idx"),
            models.Index(fields=["region", "destination_city_code"], name="offsite_region_dest_idx"),
            models.Index(fields=["region", "category", "start_date"], name="offsite_region_cat_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()} {self.destination_city_name}"

    @property
    def number(self) -> str:
        """备案编号."""
        return f"YD{self.pk:010d}" if self.pk else ""

    @property
    def last_day(self):
        """The last day the filing is (or was) in force, or None while open-ended."""
        days = [d for d in (self.end_date, self.ended_on and self.ended_on - timedelta(days=1)) if d]
        return min(days) if days else None

    @property
    def is_long_term(self) -> bool:
        return category_rule(self.category).long_term
