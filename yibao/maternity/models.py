"""A paid maternity benefit: one row per decision, so one birth or check is never paid twice."""

from django.db import models
from django.utils import timezone


class BenefitKind(models.TextChoices):
    PRENATAL = "prenatal", "产前检查费"
    DELIVERY = "delivery", "生育医疗费"
    FAMILY_PLANNING = "family_planning", "计划生育医疗费"
    ALLOWANCE = "allowance", "生育津贴"


class MaternityBenefit(models.Model):
    """The decision paid at 拨付: amount, how it was computed and to whom."""

    case_number = models.CharField("办件编号", max_length=24, unique=True)
    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, related_name="maternity_benefits",
                               verbose_name="参保人员")
    unit = models.ForeignKey("enrollment.Unit", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="maternity_benefits", verbose_name="参保单位")
    kind = models.CharField("待遇类别", max_length=20, choices=BenefitKind.choices)
    event_date = models.DateField("分娩、手术或检查日期")
    amount = models.DecimalField("支付金额", max_digits=12, decimal_places=2)
    leave_days = models.PositiveSmallIntegerField("产假天数", null=True, blank=True)
    average_wage = models.DecimalField("单位上年度职工月平均工资", max_digits=12, decimal_places=2,
                                       null=True, blank=True)
    explanation = models.JSONField("计算过程", default=list)
    uses_demo_values = models.BooleanField("使用示例参数", default=False)
    paid_to_unit = models.BooleanField("支付至单位（由单位转付职工）", default=False)
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="maternity_benefit",
                                   verbose_name="支付记录")
    actor = models.CharField("经办人", max_length=150)
    created_at = models.DateTimeField("核定时间", default=timezone.now)

    class Meta:
        verbose_name = "生育保险待遇"
        verbose_name_plural = "生育保险待遇"
        ordering = ["-created_at"]
        constraints = [
            # One birth (or one check / operation on a day) is paid once, whichever case asks.
            models.UniqueConstraint(fields=["person", "kind", "event_date"], name="maternity_benefit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_number}"
