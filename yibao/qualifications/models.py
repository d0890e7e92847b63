"""Treatment qualifications (待遇资格): one person's entitlement to a disease's outpatient
benefits (门诊慢特病, 两病, 未成年人六种重大疾病) or to a special drug (门诊特药), and the
special-drug directory (特药定点医疗机构和责任医师) the 特药 qualification picks from."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from yibao.agencies.models import Region
from yibao.enrollment.models import Person


class QualificationKind(models.TextChoices):
    CHRONIC = "chronic", "门诊慢特病"
    TWO_DISEASES = "two_diseases", "城乡居民“两病”"
    MINOR_MAJOR = "minor_major", "未成年人六种重大疾病"
    SPECIAL_DRUG = "special_drug", "门诊特药"


class QualificationStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    EXPIRED = "expired", "到期"
    TERMINATED = "terminated", "终止"


class SpecialDrug(models.Model):
    """A special drug (特药) of a region's directory, with the disease it is paid for."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="special_drugs",
                               verbose_name="统筹区")
    name = models.CharField("药品名称", max_length=100)
    generic_name = models.CharField("通用名", max_length=100, blank=True)
    disease_code = models.CharField("适应病种编码", max_length=10)
    disease_name = models.CharField("适应病种", max_length=100)

    class Meta:
        verbose_name = "特药"
        verbose_name_plural = "特药目录"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="special_drug_region_name")]

    def __str__(self) -> str:
        return self.name


class DrugInstitution(models.Model):
    """A designated institution that may prescribe and dispense one special drug."""

    drug = models.ForeignKey(SpecialDrug, on_delete=models.CASCADE, related_name="institutions",
                             verbose_name="特药")
    institution_code = models.CharField("定点医疗机构编码", max_length=12)
    institution_name = models.CharField("定点医疗机构名称", max_length=100)

    class Meta:
        verbose_name = "特药定点医疗机构"
        verbose_name_plural = "特药定点医疗机构"
        ordering = ["institution_code"]
        constraints = [models.UniqueConstraint(fields=["drug", "institution_code"],
                                               name="drug_institution_unique")]

    def __str__(self) -> str:
        return f"{self.institution_name}（{self.institution_code}）"


class ResponsibleDoctor(models.Model):
    """A responsible doctor (责任医师) of a drug at an institution: only what a hospital publishes."""

    drug_institution = models.ForeignKey(DrugInstitution, on_delete=models.CASCADE, related_name="doctors",
                                         verbose_name="特药定点医疗机构")
    name = models.CharField("姓名", max_length=50)
    department = models.CharField("科室", max_length=50)

    class Meta:
        verbose_name = "特药责任医师"
        verbose_name_plural = "特药责任医师"
        ordering = ["department", "name"]
        constraints = [models.UniqueConstraint(fields=["drug_institution", "name", "department"],
                                               name="responsible_doctor_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.department}）"


class Qualification(models.Model):
    """One person's entitlement to treatment of one disease, granted by one case.

    At most one is 有效 per person and disease (a database constraint, so two concurrent
    grants cannot both succeed). Renewal is a new row pointing back through ``renews``;
    the old row keeps its dates and status, so the history stays.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="qualifications",
                               verbose_name="参保人员")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="qualifications",
                               verbose_name="统筹区")
    kind = models.CharField("待遇类别", max_length=20, choices=QualificationKind.choices)
    disease_code = models.CharField("病种编码", max_length=10, db_index=True)
    disease_name = models.CharField("病种名称", max_length=100)
    insurance_type = models.CharField("险种", max_length=3)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止")
    institution_code = models.CharField("定点医疗机构编码", max_length=12, blank=True, db_index=True)
    institution_name = models.CharField("定点医疗机构名称", max_length=100, blank=True)
    drug = models.ForeignKey(SpecialDrug, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="qualifications", verbose_name="特药")
    doctor_name = models.CharField("责任医师", max_length=50, blank=True)
    doctor_department = models.CharField("责任医师科室", max_length=50, blank=True)
    criteria_met = models.JSONField("符合的认定标准", default=list, blank=True)
    case_number = models.CharField("核定办件编号", max_length=24, db_index=True)
    status = models.CharField("状态", max_length=12, choices=QualificationStatus.choices,
                              default=QualificationStatus.ACTIVE)
    ended_on = models.DateField("终止/到期日期", null=True, blank=True)
    end_reason = models.CharField("终止/到期原因", max_length=200, blank=True)
    renews = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="renewed_by", verbose_name="续办前资格")
    expiry_notified_on = models.DateField("到期提醒日期", null=True, blank=True)
    demo_validity = models.BooleanField("有效期为示例参数", default=True)
    created_at = models.DateTimeField("认定时间", default=timezone.now)

    class Meta:
        verbose_name = "待遇资格"
        verbose_name_plural = "待遇资格"
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "disease_code"], condition=Q(status="active"),
                                    name="one_active_qualification_per_disease"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")),
                                   name="qualification_valid_range"),
        ]
        indexes = [models.Index(fields=["status", "valid_to"], name="qualification_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.disease_name}（{self.get_status_display()}）"


class QualificationEvent(models.Model):
    """One line of a qualification's history (认定, 到期提醒, 到期, 终止, 续办)."""

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="events",
                                      verbose_name="待遇资格")
    at = models.DateTimeField("时间", default=timezone.now)
    action = models.CharField("事项", max_length=20)
    actor = models.CharField("操作人", max_length=150)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "待遇资格记录"
        verbose_name_plural = "待遇资格记录"
        ordering = ["at", "id"]


class CriteriaReview(models.Model):
    """Which of the disease's entry criteria a reviewer found met (as ticked on 表10), at 审核 or 复审."""

    case_number = models.CharField("办件编号", max_length=24, db_index=True)
    step = models.CharField("环节", max_length=10)
    reviewer = models.CharField("审核人", max_length=150)
    disease_code = models.CharField("病种编码", max_length=10)
    criteria_met = models.JSONField("符合的认定标准", default=list)
    opinion = models.CharField("审核意见", max_length=300, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "认定标准审核记录"
        verbose_name_plural = "认定标准审核记录"
        ordering = ["at", "id"]
