"""The rules domain's stored data: administrators' dated parameter values (an overlay on the
files) and the per-person, per-year usage ledger the calculator reads "this year so far" from."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class ParameterValue(models.Model):
    """A dated value an administrator added in the console (never edited or deleted afterwards).

    It joins the file's series with the same key; reading "as of" a day sees it from its
    effective date on. ``value`` is null to end the parameter, ``brackets`` holds a scale.
    """

    region = models.CharField("统筹区", max_length=40)
    parameter = models.CharField("参数", max_length=60)
    key = models.JSONField("维度", default=dict)  # dimension → list of accepted values
    # The key as canonical text (sorted JSON), so that one series has one value per date.
    series_key = models.CharField("维度（规范文本）", max_length=300)
    series_label = models.CharField("适用范围", max_length=200, blank=True)
    effective = models.DateField("施行日期")
    value = models.DecimalField("取值", max_digits=14, decimal_places=4, null=True, blank=True)
    brackets = models.JSONField("分段", null=True, blank=True)  # [[threshold, rate], ...] for scales
    reference_number = models.CharField("文号", max_length=100)
    reference_article = models.CharField("条款", max_length=100, blank=True)
    reference_title = models.CharField("文件标题", max_length=200)
    reference_issued = models.DateField("成文日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策参数取值（后台录入）"
        verbose_name_plural = verbose_name
        ordering = ["region", "parameter", "effective", "id"]
        indexes = [models.Index(fields=["region", "parameter"])]
        constraints = [
            models.UniqueConstraint(fields=["region", "parameter", "series_key", "effective"],
                                    name="rules_one_value_per_series_and_date"),
        ]


class InsuranceType(models.TextChoices):
    EMPLOYEE = "310", "职工基本医疗保险"
    RESIDENT = "390", "城乡居民基本医疗保险"


class YearUsage(models.Model):
    """One person's year for one 险种 (openIMIS ``ClaimDedRem``): deductible used, fund paid,
    大病/大额 base accumulated and paid, aid paid. Written only through
    ``yibao.rules.services.record_usage`` inside the payment's transaction, on a locked row."""

    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, related_name="year_usages",
                               verbose_name="参保人")
    year = models.PositiveSmallIntegerField("年度")
    insurance_type = models.CharField("险种", max_length=3, choices=InsuranceType.choices)
    deductible_used = models.DecimalField("已付起付线", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    fund_paid = models.DecimalField("统筹基金已支付", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    serious_illness_accumulated = models.DecimalField("大病/大额累计基数", max_digits=14, decimal_places=2,
                                                      default=Decimal("0.00"))
    serious_illness_paid = models.DecimalField("大病/大额已支付", max_digits=14, decimal_places=2,
                                               default=Decimal("0.00"))
    aid_paid = models.DecimalField("医疗救助已支付", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    settlements = models.PositiveIntegerField("结算次数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年度待遇累计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "insurance_type"], name="rules_one_usage_per_year"),
        ]


class UsageEntry(models.Model):
    """Each settlement recorded in a ``YearUsage`` (what it added and for which claim), so a year's
    figures can be explained and a claim is never counted twice."""

    usage = models.ForeignKey(YearUsage, on_delete=models.PROTECT, related_name="entries")
    reference = models.CharField("结算来源", max_length=80, unique=True)  # e.g. the claim number
    deductible = models.DecimalField("起付线", max_digits=14, decimal_places=2)
    fund = models.DecimalField("统筹基金", max_digits=14, decimal_places=2)
    serious_illness_base = models.DecimalField("大病/大额基数", max_digits=14, decimal_places=2)
    serious_illness = models.DecimalField("大病/大额", max_digits=14, decimal_places=2)
    aid = models.DecimalField("医疗救助", max_digits=14, decimal_places=2)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度待遇累计明细"
        verbose_name_plural = verbose_name
