"""办件 (cases): an application for one catalog item and its way through the steps.

Every change of a case goes through ``yibao.cases.services``; the status moves
are the table in ``yibao.cases.lifecycle`` and each one leaves a ``CaseEvent``.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from yibao.agencies.models import Agency, Region, StaffMember, Window
from yibao.catalog.models import Item

if TYPE_CHECKING:
    from yibao.cases.services import JustFiled


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    SUPPLEMENTING = "supplementing", "待补正"
    ACCEPTED = "accepted", "已受理"
    INVESTIGATED = "investigated", "已调查"
    REVIEWED = "reviewed", "已审核"
    RECOGNIZED = "recognized", "已认定"
    SECOND_REVIEWED = "second_reviewed", "已复审"
    PAID = "paid", "已拨付"
    COMPLETED = "completed", "已办结"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    ONLINE_HALL = "online_hall", "网上服务大厅"
    WECHAT = "wechat", "微信公众号"
    APP = "app", "手机App"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "个人"
    UNIT = "unit", "单位"
    INSTITUTION = "institution", "定点医药机构"


class Outcome(models.TextChoices):
    APPROVED = "approved", "准予办理"
    DENIED = "denied", "不予批准"


class Case(models.Model):
    # Not a column: True on a copy a clerk's lookup read for this request (selectors.case_for_staff),
    # which the next action may use without reading it again (services._reread).
    fresh_for_action = False
    # Not a column: on the copy submit_case returns, the rows it has just written (services.JustFiled).
    just_filed: "JustFiled | None" = None

    number = models.CharField("办件编号", max_length=24, unique=True)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="cases", verbose_name="事项")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases", verbose_name="统筹区")
    status = models.CharField("状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    # Compare-and-set counter: every move updates WHERE version = the version read.
    version = models.PositiveIntegerField("版本", default=1)
    channel = models.CharField("申请渠道", max_length=20, choices=Channel.choices)

    applicant_kind = models.CharField("申请人类型", max_length=20, choices=ApplicantKind.choices)
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="cases", verbose_name="申请人账号")
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_id_number = models.CharField("证件号码/统一社会信用代码", max_length=18, db_index=True)
    applicant_phone = models.CharField("联系电话", max_length=20)
    agent_name = models.CharField("代办人", max_length=50, blank=True)
    agent_id_number = models.CharField("代办人证件号码", max_length=18, blank=True)
    situation = models.JSONField("申请情形", default=dict, blank=True)
    form_data = models.JSONField("申请信息", default=dict, blank=True)
    # Steps this case needs beyond its item's (an information change of a key
    # field goes to 审核 although the item is 即时办结); chosen by the handler at submission.
    extra_steps = models.JSONField("追加环节", default=list, blank=True)

    home_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="home_cases",
                                    verbose_name="所属经办机构")
    accepting_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="accepted_cases", verbose_name="受理机构")
    accepting_window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name="受理窗口")
    accepted_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="受理人")
    reviewed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="审核人")
    is_cross_agency = models.BooleanField("通办（异地受理）", default=False)

    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    due_date = models.DateField("办结期限", null=True, blank=True, db_index=True)
    paused_on = models.DateField("暂停计时日", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("补正暂停工作日", default=0)
    resume_status = models.CharField("补正后恢复状态", max_length=20, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    is_overdue = models.BooleanField("超期", default=False, db_index=True)
    # The next move and the staff role it needs (lifecycle.next_move), kept with every
    # status change so the to-do list is one query; "" when the case waits or has ended.
    next_action = models.CharField("下一环节", max_length=20, blank=True, default="accept")
    next_role = models.CharField("下一环节所需角色", max_length=20, blank=True, default="accept", db_index=True)
    outcome = models.CharField("办理结果", max_length=20, choices=Outcome.choices, blank=True)
    refusal_reason = models.TextField("不予受理/不予批准理由", blank=True)
    result_text = models.TextField("办理结果说明", blank=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["home_agency", "status"], name="case_home_status_idx"),
            models.Index(fields=["accepting_agency", "status"], name="case_accepting_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name}"

    @property
    def steps(self) -> list[str]:
        """The catalog steps of the item plus the case's extra steps, in catalog order."""
        from yibao.catalog.schema import STEP_NAMES

        wanted = set(self.item.steps) | set(self.extra_steps or [])
        return [name for name in STEP_NAMES if name in wanted]


class CaseMaterial(models.Model):
    """One line of the case's material checklist, as computed for its situation."""

    class State(models.TextChoices):
        PENDING = "pending", "待核验"
        OK = "ok", "齐全"
        MISSING = "missing", "缺少"
        DEFECTIVE = "defective", "不符合要求"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("材料名称", max_length=500)
    required = models.BooleanField("必需", default=True)
    commitment_alternative = models.CharField("可用承诺书", max_length=200, blank=True)
    use_commitment = models.BooleanField("以承诺书代替", default=False)
    state = models.CharField("核验结果", max_length=20, choices=State.choices, default=State.PENDING)
    problem = models.CharField("问题说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"
        # By the column: ordering by the relation ("case") would join cases_case and sort by the
        # case's own ordering on every read of a case's rows (here and in the three models below).
        ordering = ["case_id", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="case_material_position")]

    def __str__(self) -> str:
        return self.name


class CaseFile(models.Model):
    """An uploaded scan; stored by content hash, never executed, served as a download."""

    material = models.ForeignKey(CaseMaterial, on_delete=models.CASCADE, related_name="files")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("字节数")
    original_name = models.CharField("原文件名", max_length=200)
    storage_path = models.CharField("存储路径", max_length=200)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.CharField("上传人", max_length=150)

    class Meta:
        verbose_name = "扫描件"
        verbose_name_plural = "扫描件"
        ordering = ["material_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(models.Model):
    """One transition of a case: who, where, when, through which channel, and the change."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("动作", max_length=30)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20)
    actor = models.CharField("操作人", max_length=150)
    actor_role = models.CharField("身份", max_length=30, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField("渠道", max_length=20, blank=True)
    opinion = models.TextField("意见", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办件流转记录"
        verbose_name_plural = "办件流转记录"
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.action} {self.from_status}→{self.to_status}"


class CaseNotice(models.Model):
    """一次性告知书: every missing or defective material of a case, issued once per round."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    number = models.CharField("告知书编号", max_length=30, unique=True)
    problems = models.JSONField("需补正材料")  # [{"position", "name", "state", "problem"}]
    issued_at = models.DateTimeField("告知时间", auto_now_add=True)
    issued_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField("补正时间", null=True, blank=True)

    class Meta:
        verbose_name = "一次性告知书"
        verbose_name_plural = "一次性告知书"
        ordering = ["case_id", "issued_at"]

    def __str__(self) -> str:
        return self.number


class CaseNumberCounter(models.Model):
    """Per region and day, the last case number handed out (row-locked while incremented)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="case_counter_region_day")]
