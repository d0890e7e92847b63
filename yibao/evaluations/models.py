"""好差评 (service evaluations) and the follow-up of bad reviews.

国办发〔2019〕51号《关于建立政务服务"好差评"制度提高政务服务水平的意见》 and
GB/T 39734-2020 set five levels, 非常满意 … 非常不满意, the last two being bad
reviews (差评); 一次一评 at the window, 一事一评 online; every named bad review
is called back (回访) and rectified (整改) — Taiyuan's rule: within 10 working days.

The agency, window, home agency, item and region of the case are copied onto
the evaluation so statistics are one grouped query without joins through cases.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from yibao.agencies.models import Agency, Region, StaffMember, Window
from yibao.cases.models import Case, Channel
from yibao.catalog.models import Item


class Level(models.IntegerChoices):
    VERY_SATISFIED = 1, "非常满意"
    SATISFIED = 2, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 4, "不满意"
    VERY_DISSATISFIED = 5, "非常不满意"


# 4 and 5 are bad reviews (差评); 1–3 count as satisfied.
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
COMMENT_MAX = 500


class Evaluation(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="evaluation", verbose_name="办件")
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    comment = models.TextField("评价内容", max_length=COMMENT_MAX, blank=True)
    channel = models.CharField("评价渠道", max_length=20, choices=Channel.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="统筹区")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="evaluations",
                               verbose_name="受理机构")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name="受理窗口")
    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="所属经办机构")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name="事项")
    created_at = models.DateTimeField("评价时间", default=timezone.now, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="评价人账号")
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="代录窗口人员")

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="evaluation_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "待整改"
    CLOSED = "closed", "已办结"


class FollowUp(models.Model):
    """差评整改: a task for the 科长 of the case's home agency (and of the accepting agency for 通办)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="follow_up",
                                      verbose_name="差评")
    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="follow_ups",
                                    verbose_name="所属经办机构")
    # Set only when the case was accepted at another agency (通办): its 科长 sees the task too.
    accepting_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name="通办受理机构")
    status = models.CharField("状态", max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    opened_at = models.DateTimeField("发起时间", default=timezone.now)
    due_date = models.DateField("整改期限", db_index=True)
    callback_note = models.TextField("回访情况", blank=True)
    rectification_note = models.TextField("整改情况", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name="办结人")

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["home_agency", "status"], name="followup_home_status_idx")]

    def __str__(self) -> str:
        return f"差评整改 {self.evaluation.case_id} {self.get_status_display()}"

    def is_overdue(self, today: date) -> bool:
        """Open past its deadline, or closed later than it."""
        if self.status == FollowUpStatus.OPEN:
            return self.due_date < today
        return self.closed_at is not None and timezone.localtime(self.closed_at).date() > self.due_date
