"""The case handlers of category 五 (医疗待遇核定): 门诊慢特病, 两病, 未成年人六种重大疾病,
门诊特药, and Jincheng's 特药定点医疗机构和责任医师查询.

Who may apply: the person online or at a window, or a designated hospital for its patient
(``applicant_kind == "institution"``: the hospital logged in as itself in the hall or with its
``inst`` API token, or a window clerk entering the hospital's paper application) — only a
registered hospital designated today, not suspended, of the item's region, for an item that
lists the hospital channel. The case belongs to the patient's home
agency (``subject_person``). Everything is checked at submission and again at acceptance; the
qualification is granted at the item's granting step (认定, or 办结 where the item has no 认定).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yibao import clock
from yibao.cases.handlers import Effect, HandlerRefusal, ItemHandler, register
from yibao.enrollment.handlers.base import enrollment_records
from yibao.enrollment.models import (
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonCategory,
)
from yibao.enrollment.selectors import person_by_id_number
from yibao.errors import DomainError
from yibao.institutions.models import Institution, InstitutionKind, InstitutionStatus
from yibao.institutions.selectors import designated_on, institution_by_uscc
from yibao.qualifications.diseases import Disease, disease_file, find_disease
from yibao.qualifications.models import CriteriaReview, QualificationKind, SpecialDrug
from yibao.qualifications.selectors import active_qualification, drug_directory
from yibao.qualifications.services import Grant, grant_qualification

EMPLOYEE_TYPES = (InsuranceType.EMPLOYEE_BASIC, InsuranceType.RETIRED_CADRE)
RESIDENT_TYPES = (InsuranceType.RESIDENT_BASIC,)


class QualificationFields(BaseModel):
    """表10 门诊慢特病病种待遇认定申请表 (and the 两病 / 六种重大疾病 applications)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id_number: str = Field("", max_length=18, title="参保人公民身份号码（医疗机构代为申请时必填）")
    person_name: str = Field("", max_length=50, title="参保人姓名（医疗机构代为申请时必填）")
    disease_code: str = Field(max_length=10, title="申报病种医保编码")
    institution_code: str = Field("", max_length=12, title="选择定点医院编码")
    institution_name: str = Field("", max_length=100, title="选择定点医院名称")
    criteria_met: list[str] = Field(default_factory=list, max_length=20,
                                    title="申报病种情况（符合诊断标准项目）",
                                    json_schema_extra={"x-widget": "rows", "x-help": "每行填写一项符合的认定标准"})
    diagnosis: str = Field("", max_length=200, title="诊断")

    @field_validator("criteria_met", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        # The hall's form sends the criteria as text, one per line.
        if isinstance(value, str):
            return [line.strip() for line in value.splitlines() if line.strip()]
        return value


class SpecialDrugFields(BaseModel):
    """《门诊特殊药品使用申请表》: the drug, and the institution and responsible doctor from the directory."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id_number: str = Field("", max_length=18, title="参保人公民身份号码（医疗机构代为申请时必填）")
    person_name: str = Field("", max_length=50, title="参保人姓名（医疗机构代为申请时必填）")
    drug_name: str = Field(max_length=100, title="特药名称")
    institution_code: str = Field(max_length=12, title="特药定点医疗机构编码")
    doctor_name: str = Field(max_length=50, title="责任医师")
    diagnosis: str = Field("", max_length=200, title="诊断")


class DrugQueryFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    drug_name: str = Field("", max_length=100, title="特药名称")


def _day(value: date) -> str:
    return f"{value:%Y-%m-%d}"


def _person(case, fields) -> Person:
    """The person the qualification is for: the applicant, or the patient a hospital names."""
    if case.applicant_kind == "unit":
        raise HandlerRefusal("待遇资格核定由参保人本人或定点医疗机构申请，单位不能代为申请")
    if case.applicant_kind == "person":
        if fields.person_id_number and fields.person_id_number.upper() != case.applicant_id_number:
            raise HandlerRefusal("字段 参保人公民身份号码：个人只能为本人申请")
        person = person_by_id_number(case.applicant_id_number)
        if person is None:
            raise HandlerRefusal(f"未参保：未查询到 {case.applicant_name} 的参保信息，不能申请待遇资格核定")
        return person
    _applying_hospital(case)
    if not fields.person_id_number or not fields.person_name:
        raise HandlerRefusal("字段 参保人公民身份号码、参保人姓名：医疗机构代为申请时必填")
    person = person_by_id_number(fields.person_id_number.upper())
    if person is None:
        raise HandlerRefusal(f"未参保：未查询到 {fields.person_name} 的参保信息，不能申请待遇资格核定")
    if person.name != fields.person_name:
        raise HandlerRefusal(f"字段 参保人姓名：「{fields.person_name}」与参保记录不符")
    return person


def _applying_hospital(case) -> Institution:
    """The designated hospital filing for its patient: registered, a hospital (not a pharmacy),
    designated today and not suspended, in the item's region, and the item lists the hospital
    channel ("一站式"; 异地门诊慢特病 is applied for at the insuring agency)."""
    channels = {c.get("kind") for c in (case.item.data or {}).get("channels", [])}
    if "hospital" not in channels:
        raise HandlerRefusal("本事项不接受定点医疗机构代为申请，请参保人本人向经办机构申请")
    institution = institution_by_uscc(case.applicant_id_number)
    if institution is None:
        raise HandlerRefusal(f"{case.applicant_name} 不是登记的定点医药机构，不能代参保人申请待遇资格核定")
    if institution.kind != InstitutionKind.HOSPITAL:
        raise HandlerRefusal(f"{institution.name} 是零售药店，只有定点医疗机构可以代参保人申请待遇资格核定")
    if institution.status == InstitutionStatus.SUSPENDED:
        raise HandlerRefusal(f"{institution.name} 的定点协议已暂停，暂停期间不能代参保人申请待遇资格核定")
    today = clock.today()
    if not institution.national_code or not designated_on(code=institution.national_code, day=today):
        raise HandlerRefusal(f"{institution.name} 在 {_day(today)} 不是定点医疗机构，不能代参保人申请待遇资格核定")
    if institution.region_id != case.region.pk:
        raise HandlerRefusal(f"{institution.name} 不是{case.region.name}的定点医疗机构：异地门诊慢特病、特药"
                             "请参保人向参保地经办机构申请")
    return institution


def _insured_period(person: Person, day: date, types: tuple[str, ...]) -> InsurancePeriod | None:
    return (InsurancePeriod.objects.filter(person=person, insurance_type__in=types, status=InsuranceStatus.INSURED,
                                           start_date__lte=day)
            .exclude(end_date__lt=day).order_by("-start_date").first())


def _covering(person: Person, day: date) -> InsurancePeriod:
    """The basic insurance (职工 or 居民) the person is insured in on ``day``, or a refusal."""
    if person.death_date is not None and person.death_date <= day:
        raise HandlerRefusal(f"{person.name} 已于 {_day(person.death_date)} 死亡，不能申请待遇资格核定")
    period = _insured_period(person, day, EMPLOYEE_TYPES + RESIDENT_TYPES)
    if period is None:
        raise HandlerRefusal(f"{person.name} 在 {_day(day)} 没有正常参保的基本医疗保险（职工或城乡居民），"
                             "不能申请待遇资格核定")
    return period


def _is_minor(person: Person, period: InsurancePeriod, day: date) -> bool:
    birth = person.birth_date
    try:
        eighteen = birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February
        eighteen = date(birth.year + 18, 3, 1)
    # 未成年人(大学生): under 18, or insured as a student (the Taiyuan target names 大学生).
    return day < eighteen or period.category == PersonCategory.STUDENT


INSURANCE_FORM_OPTION = {InsuranceType.EMPLOYEE_BASIC: "职工医保", InsuranceType.RETIRED_CADRE: "职工医保",
                         InsuranceType.RESIDENT_BASIC: "城乡居民医保"}
DECISION_ACTIONS = {"review": "审核", "second_review": "复审", "recognize": "认定", "complete": "办结",
                    "reject": "不予认定", "deny": "不予认定"}


def _form10_record(case, id_number: str, kind: str) -> dict[str, Any]:
    """What the case knows for 表10's other boxes: 险种 (the form's option), age, disease name,
    认定机构 (the hospital that filed), the criteria the reviewer ticked, and 审批意见 — the
    reviewers' opinions and, once granted, the validity."""
    from yibao.cases.models import CaseEvent
    from yibao.qualifications.models import Qualification

    today = clock.today()
    person = person_by_id_number(id_number.upper()) if id_number else None
    record: dict[str, Any] = {}
    if person is not None:
        period = _insured_period(person, today, EMPLOYEE_TYPES + RESIDENT_TYPES)
        if period is not None:
            record["insurance_form"] = INSURANCE_FORM_OPTION.get(period.insurance_type, "")
        birth = person.birth_date
        record["age"] = str(today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)))
    code = str((case.form_data or {}).get("disease_code", ""))
    try:
        record["disease_name"] = find_disease(kind, code, case.region.slug).name
    except (DomainError, KeyError):
        pass
    if case.applicant_kind == "institution":
        hospital = institution_by_uscc(case.applicant_id_number)
        if hospital is not None:
            record["certifying_institution"] = hospital.name
            record["designated_hospital"] = hospital.name
    reviewed = CriteriaReview.objects.filter(case_number=case.number).order_by("-at", "-id").first()
    if reviewed is not None:
        record["criteria_met"] = list(reviewed.criteria_met)
    opinions = [f"{DECISION_ACTIONS[e.action]}：{e.opinion}" for e in
                CaseEvent.objects.filter(case=case, action__in=list(DECISION_ACTIONS)).exclude(opinion="")]
    granted = Qualification.objects.filter(case_number=case.number).order_by("-id").first()
    if granted is not None:
        opinions.append(f"予以认定，有效期 {_day(granted.valid_from)} 至 {_day(granted.valid_to)}")
    if opinions:
        record["approval_opinion"] = "；".join(opinions)
    return record


class _QualificationHandler(ItemHandler[QualificationFields]):
    """Shared by the disease-list qualifications; ``kind`` names the list."""

    Fields = QualificationFields
    kind: ClassVar[str] = QualificationKind.CHRONIC

    def subject_person(self, *, case, fields) -> str | None:
        # A hospital's application belongs to the patient's home agency, not the hospital's county.
        if case.applicant_kind == "institution" and fields.person_id_number:
            return fields.person_id_number.strip().upper()
        return None

    def prefill(self, case, *, person_id_number: str = "") -> dict[str, dict[str, Any]]:
        # 表10 prefilled from the enrollment record of the patient.
        if not person_id_number and case.applicant_kind == "institution":
            person_id_number = str(case.form_data.get("person_id_number", "")).upper()
        records = enrollment_records(case, person_id_number=person_id_number)
        records["record"] = _form10_record(case, person_id_number or case.applicant_id_number,
                                           getattr(self, "kind", QualificationKind.SPECIAL_DRUG))
        return records

    def _institution(self, case, fields) -> tuple[str, str]:
        # A hospital applies under its USCC; its 定点医疗机构编码 is on the form (required then).
        if case.applicant_kind == "institution":
            # "一站式": the hospital that files is the one the patient is treated at.
            hospital = _applying_hospital(case)
            code = (fields.institution_code or hospital.national_code or "").upper()
            if code != hospital.national_code:
                raise HandlerRefusal(f"字段 选择定点医院编码：{code[:20]} 不是申请机构 {hospital.name} 的定点医疗机构编码"
                                     f"（{hospital.national_code}）：医疗机构只能为在本院治疗的参保人申请")
            return code, fields.institution_name or hospital.name
        return fields.institution_code.upper(), fields.institution_name

    def _disease(self, case, fields) -> Disease:
        try:
            return find_disease(self.kind, fields.disease_code, case.region.slug)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def _check(self, case, fields, day: date) -> tuple[Person, InsurancePeriod, Disease]:
        person = _person(case, fields)
        if person.region_id != case.region.pk:
            raise HandlerRefusal(f"{person.name} 不在{case.region.name}参保，请向参保地医保经办机构申请")
        disease = self._disease(case, fields)
        period = _covering(person, day)
        catalog_kind = disease_file().lists[self.kind]
        if catalog_kind.residents_only:
            resident = _insured_period(person, day, RESIDENT_TYPES)
            if resident is None:
                raise HandlerRefusal(f"{catalog_kind.label}待遇仅限城乡居民基本医疗保险参保人员，{person.name} "
                                     f"参加的是{InsuranceType(period.insurance_type).label}，请申请门诊慢特病病种待遇核定")
            period = resident
        if catalog_kind.minors_only and not _is_minor(person, period, day):
            raise HandlerRefusal(f"{catalog_kind.label}待遇仅限未满18周岁的未成年人（含参保大学生），"
                                 f"{person.name} 已满18周岁")
        self._institution(case, fields)
        unknown = [c for c in fields.criteria_met if c not in disease.criteria]
        if unknown:
            raise HandlerRefusal(f"字段 申报病种情况：「{unknown[0][:40]}」不是{disease.name}的认定标准")
        current = active_qualification(person=person, disease_code=disease.code)
        if current is not None and (current.valid_to - day).days > disease_file().notice_days:
            raise HandlerRefusal(f"{person.name} 已有有效的「{current.disease_name}」待遇资格（至 "
                                 f"{_day(current.valid_to)}，办件 {current.case_number}），不能重复申请；"
                                 f"到期前 {disease_file().notice_days} 日内可申请续办")
        return person, period, disease

    def check(self, *, case, fields) -> None:
        self._check(case, fields, clock.today())

    def on_step(self, *, case, step: str, fields, actor: str) -> None:
        today = clock.today()
        person, period, disease = self._check(case, fields, today)
        code, name = self._institution(case, fields)
        # The reviewer's record of the criteria met (表10) when there is one, else the application's.
        reviewed = CriteriaReview.objects.filter(case_number=case.number).order_by("-at", "-id").first()
        criteria = reviewed.criteria_met if reviewed is not None else list(fields.criteria_met)
        grant = Grant(kind=self.kind, disease_code=disease.code, disease_name=disease.name,
                      insurance_type=period.insurance_type, valid_from=today, institution_code=code,
                      institution_name=name, criteria_met=criteria)
        try:
            grant_qualification(person=person, region=case.region, grant=grant, case_number=case.number, actor=actor)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def describe(self, *, case, fields) -> list[tuple[str, str]]:
        rows = super().describe(case=case, fields=fields)
        try:
            disease = self._disease(case, fields)
        except HandlerRefusal:
            return rows
        rows.append(("申报病种", f"{disease.code} {disease.name}"))
        rows.append(("认定标准", "；".join(
            f"{'☑' if c in fields.criteria_met else '☐'} {c}" for c in disease.criteria)))
        for review in CriteriaReview.objects.filter(case_number=case.number):
            met = "；".join(review.criteria_met) or "无符合项"
            rows.append((f"{review.step}（{review.reviewer}）认定标准", f"{met}{'。' + review.opinion if review.opinion else ''}"))
        rows.append(("说明", f"病种认定标准与有效期为{disease_file().demo_label}"))
        return rows


@register("qualification_chronic")
class ChronicDiseaseHandler(_QualificationHandler):
    """Taiyuan 门诊慢特病病种待遇核定: 审核 (hospital) → 复审 (experts) → 认定 grants."""

    key = "qualification_chronic"
    kind = QualificationKind.CHRONIC
    acts_at = {"认定": Effect.ENTITLEMENT}


@register("qualification_chronic_at_completion")
class ChronicDiseaseAtCompletionHandler(_QualificationHandler):
    """Changzhi 门诊慢特病病种待遇核定 (00203600500Y): 审核 → 办结 grants (20 working days)."""

    key = "qualification_chronic_at_completion"
    kind = QualificationKind.CHRONIC
    acts_at = {"办结": Effect.ENTITLEMENT}


@register("qualification_two_diseases")
class TwoDiseasesHandler(_QualificationHandler):
    """Taiyuan 城乡居民"两病"待遇核定: residents only, 即时办结."""

    key = "qualification_two_diseases"
    kind = QualificationKind.TWO_DISEASES
    acts_at = {"办结": Effect.ENTITLEMENT}


@register("qualification_minor_major")
class MinorMajorDiseaseHandler(_QualificationHandler):
    """Taiyuan 未成年人六种重大疾病待遇核定: minors (and insured students) only; 认定 grants."""

    key = "qualification_minor_major"
    kind = QualificationKind.MINOR_MAJOR
    acts_at = {"认定": Effect.ENTITLEMENT}


class _SpecialDrugHandler(ItemHandler[SpecialDrugFields]):
    """门诊特药待遇核定: the drug, institution and responsible doctor come from the directory."""

    Fields = SpecialDrugFields

    subject_person = _QualificationHandler.subject_person
    prefill = _QualificationHandler.prefill

    def _pick(self, case, fields) -> tuple[SpecialDrug, str, str, str, str]:
        drug = SpecialDrug.objects.filter(region=case.region, name=fields.drug_name).first()
        if drug is None:
            raise HandlerRefusal(f"字段 特药名称：「{fields.drug_name[:40]}」不在{case.region.name}特药目录中")
        place = drug.institutions.filter(institution_code=fields.institution_code.upper()).first()
        if place is None:
            raise HandlerRefusal(f"字段 特药定点医疗机构编码：{fields.institution_code[:20]} 不是「{drug.name}」的特药定点医疗机构")
        doctor = place.doctors.filter(name=fields.doctor_name).first()
        if doctor is None:
            raise HandlerRefusal(f"字段 责任医师：「{fields.doctor_name[:20]}」不是{place.institution_name}「{drug.name}」的责任医师")
        return drug, place.institution_code, place.institution_name, doctor.name, doctor.department

    def _check(self, case, fields, day: date):
        person = _person(case, fields)
        if person.region_id != case.region.pk:
            raise HandlerRefusal(f"{person.name} 不在{case.region.name}参保，请向参保地医保经办机构申请")
        period = _covering(person, day)
        if case.applicant_kind == "institution":
            hospital = _applying_hospital(case)
            if fields.institution_code.upper() != hospital.national_code:
                raise HandlerRefusal(f"字段 特药定点医疗机构编码：{fields.institution_code[:20]} 不是申请机构 "
                                     f"{hospital.name} 的定点医疗机构编码（{hospital.national_code}）")
        picked = self._pick(case, fields)
        drug = picked[0]
        current = active_qualification(person=person, disease_code=drug.disease_code)
        if current is not None and (current.valid_to - day).days > disease_file().notice_days:
            raise HandlerRefusal(f"{person.name} 已有有效的「{current.disease_name}」待遇资格（至 "
                                 f"{_day(current.valid_to)}，办件 {current.case_number}），不能重复申请")
        return person, period, picked

    def check(self, *, case, fields) -> None:
        self._check(case, fields, clock.today())

    def on_step(self, *, case, step: str, fields, actor: str) -> None:
        today = clock.today()
        person, period, (drug, code, name, doctor, department) = self._check(case, fields, today)
        grant = Grant(kind=QualificationKind.SPECIAL_DRUG, disease_code=drug.disease_code,
                      disease_name=f"{drug.disease_name}（特药：{drug.name}）", insurance_type=period.insurance_type,
                      valid_from=today, institution_code=code, institution_name=name, drug=drug,
                      doctor_name=doctor, doctor_department=department)
        try:
            grant_qualification(person=person, region=case.region, grant=grant, case_number=case.number, actor=actor)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc


@register("qualification_special_drug")
class SpecialDrugHandler(_SpecialDrugHandler):
    """Taiyuan 门诊特药待遇核定: 审核 → 认定 grants."""

    key = "qualification_special_drug"
    acts_at = {"认定": Effect.ENTITLEMENT}


@register("qualification_special_drug_at_completion")
class SpecialDrugAtCompletionHandler(_SpecialDrugHandler):
    """Changzhi 门诊特药待遇核定: 即时办结 after 审核 and 复审; 办结 grants."""

    key = "qualification_special_drug_at_completion"
    acts_at = {"办结": Effect.ENTITLEMENT}


@register("special_drug_query")
class SpecialDrugQueryHandler(ItemHandler[DrugQueryFields]):
    """Jincheng 特药定点医疗机构和责任医师查询: no materials; the answer is the public directory
    (/qualifications/special-drugs/); a window case records the query and its answer."""

    key = "special_drug_query"
    Fields = DrugQueryFields
    acts_at = {"办结": Effect.RECORD}

    def describe(self, *, case, fields) -> list[tuple[str, str]]:
        rows = super().describe(case=case, fields=fields)
        for drug in drug_directory(region=case.region, query=fields.drug_name, limit=20):
            for place in drug.institutions.all():
                doctors = "、".join(f"{d.name}（{d.department}）" for d in place.doctors.all()) or "（未登记）"
                rows.append((drug.name, f"{place.institution_name}（{place.institution_code}）：{doctors}"))
        return rows
