"""Item handlers of the 城乡居民 items and of 参保信息变更 (表3, 表5, 表6).

Every handler checks its application at submission and again at acceptance
(``check``) with the same service-level checks the write repeats under a row
lock, and applies the effect when the case reaches 办结 — except the
non-key fields of an information change (联系电话, 居住地址), which apply at
受理. The person an application is for is the applicant, or — when a
household member, guardian, school or agent applies — the person named in
the form (``id_type`` / ``id_number`` / ``name``).

Field names follow Changzhi's reference forms (``yibao/documents/forms_data/
changzhi_forms.yaml``) where they mean the same thing, so the form 表3 / 表5 /
表6 can be prefilled from ``form_data``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from yibao import clock
from yibao.accounts.identity import IdentityClaim
from yibao.accounts.models import CodePurpose
from yibao.cases.handlers import Effect, HandlerRefusal, register
from yibao.cases.models import Channel
from yibao.enrollment.handlers.base import EnrollmentHandler, use_new_phone_code
from yibao.enrollment.models import IdType, InsuranceStatus, Person, PersonCategory
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.services.persons import (
    FIELD_LABELS,
    KEY_FIELDS,
    OTHER_FIELDS,
    change_person_info,
    check_merge,
    merge_needs_review,
    merge_persons,
    plan_info_change,
)
from yibao.enrollment.services.residents import (
    KEEP_RESIDENT,
    BackpayRequest,
    PersonInput,
    backpay_resident,
    check_backpay,
    check_newborn,
    check_resident_enrollment,
    check_suspension,
    enroll_newborn,
    enroll_resident,
    person_input,
    resident_rules,
    suspend_resident,
)
from yibao.ids import InvalidIdentifier

SEX_CODES = {"男": "1", "女": "2"}
# Literals built from data at import time: mypy sees them as str.
if TYPE_CHECKING:
    IdTypeCode = str
    StopReason = str
    OptionalStopReason = str
else:
    IdTypeCode = Literal[tuple(IdType.values)]
    StopReason = Literal[tuple(resident_rules()["suspension"]["reasons"])]
    OptionalStopReason = Literal[("",) + tuple(resident_rules()["suspension"]["reasons"])]
ID_TYPE_TITLE = "身份证件类型（" + "、".join(f"{value} {label}" for value, label in IdType.choices) + "）"


def today() -> date:
    """Today's date (tests replace this function)."""
    return clock.today()


def _refusing(call, *args, **kwargs):
    """Run a service call; its domain error becomes the handler's refusal, message unchanged."""
    try:
        return call(*args, **kwargs)
    except (EnrollmentError, InvalidIdentifier) as exc:
        raise HandlerRefusal(str(exc)) from exc


# --- fields -----------------------------------------------------------------------------------

class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonFields(_Form):
    """The person of 表3 (城乡居民基本医疗保险参保登记表); empty when the applicant enrolls themselves."""

    name: str = Field("", max_length=50, title="姓名（为他人办理时必填，本人办理可不填）")
    id_type: IdTypeCode = Field(IdType.RESIDENT_ID.value, title=ID_TYPE_TITLE)
    id_number: str = Field("", max_length=18, title="身份证件号码（为他人办理时必填，本人办理可不填）")
    sex: Literal["", "男", "女"] = Field("", title="性别（证件号码不含性别时必填）")
    birth_date: date | None = Field(None, title="出生日期（证件号码不含出生日期时必填）")
    phone: str = Field("", max_length=20, title="联系电话")
    household_registration: str = Field("", max_length=200, title="户籍所在地（居住证登记地）")
    address: str = Field("", max_length=200, title="通讯地址")


class ResidentEnrollmentFields(PersonFields):
    """表3 城乡居民基本医疗保险参保登记表."""

    applicant_identity: list[Literal["中小学儿童", "大学生", "无业成年人"]] = Field(
        default_factory=list, title="申请人身份")
    subsidy_category: list[Literal["低保", "特困"]] = Field(default_factory=list, title="财政补助对象")
    business_type: Literal["新增", "暂停", "终止", "恢复"] = Field("新增", title="业务类型")
    duplicate_resolution: Literal["", KEEP_RESIDENT] = Field(  # type: ignore[valid-type]
        "", title="重复参保处理（已参加职工医保时选择）")
    stop_reason: OptionalStopReason = Field("", title="停保原因（业务类型为暂停、终止时必填）")


class BackpayFields(PersonFields):
    previous_region_code: str = Field(max_length=6, title="上年度参保地行政区划代码（6位）")
    previous_insurance_type: Literal["390", "310"] = Field(
        title="上年度参保险种（390 城乡居民基本医疗保险、310 职工基本医疗保险）")
    backpay_year: int | None = Field(None, ge=2000, le=2100, title="补缴年度（默认当年）")
    household_moved_on: date | None = Field(None, title="户口迁入日期（户口迁至本市的必填）")
    residence_permit_number: str = Field("", max_length=18, title="本市居住证号码（户籍在异地的必填）")


class SuspendFields(_Form):
    id_number: str = Field("", max_length=18, title="身份证件号码（单位或他人代办时必填，本人办理可不填）")
    stop_reason: StopReason = Field(title="停保原因")
    stop_note: str = Field("", max_length=80, title="停保说明")
    stop_date: date | None = Field(None, title="停保日期（默认今天）")


class MergeFields(_Form):
    id_number: str = Field("", max_length=18, title="保留记录的身份证件号码（默认申请人本人）")
    duplicate_id_type: IdTypeCode = Field(IdType.HOUSEHOLD_REGISTER.value, title="待合并记录的" + ID_TYPE_TITLE)
    duplicate_id_number: str = Field(max_length=18, title="待合并记录的证件号码")


class InfoChangeFields(_Form):
    """表5 职工 / 表6 城乡居民参保信息变更登记表: one person per application."""

    name: str = Field("", max_length=50, title="姓名（为他人办理时必填）")
    id_number: str = Field("", max_length=18, title="身份证件号码（为他人或单位代办时必填）")
    new_name: str = Field("", max_length=50, title="变更后姓名")
    new_sex: Literal["", "男", "女"] = Field("", title="变更后性别")
    new_id_type: Literal[("",) + tuple(IdType.values)] = Field("", title="变更后" + ID_TYPE_TITLE)  # type: ignore[valid-type]
    new_id_number: str = Field("", max_length=18, title="变更后证件号码")
    new_birth_date: date | None = Field(None, title="变更后出生日期")
    new_phone: str = Field("", max_length=20, title="变更后联系电话")
    # Proof that the applicant controls the new phone (issue 9): the code texted to it from
    # 我的账号 › 更换手机号码 (/accounts/phone/). Not needed at a window, where the clerk checks the ID card.
    new_phone_code: str = Field("", max_length=8, title="变更后联系电话收到的短信验证码（网上办理时必填）")
    new_address: str = Field("", max_length=200, title="变更后居住地址")
    # Derived, not asked (for the form's prefill): 表5/表6 "关键信息 / 非关键信息" and
    # the 变更项目 / 变更后 columns of its table, one entry per field given.
    info_category: SkipJsonSchema[str] = ""
    changes: SkipJsonSchema[list[dict]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _derived(self) -> InfoChangeFields:
        given = {field: value for field, value in self.wanted().items() if value}
        self.info_category = "关键信息" if set(given) & set(KEY_FIELDS) else "非关键信息"
        shown = {**given, "sex": self.new_sex, "id_type": IdType(self.new_id_type).label if self.new_id_type else ""}
        self.changes = [{"item": FIELD_LABELS[field], "after": str(shown[field])} for field in given]
        return self

    def wanted(self) -> dict:
        return {"name": self.new_name, "sex": SEX_CODES.get(self.new_sex, ""), "id_type": self.new_id_type,
                "id_number": self.new_id_number.upper(), "birth_date": self.new_birth_date,
                "phone": self.new_phone, "address": self.new_address}


# --- who the application is for ------------------------------------------------------------------

def _person_data(case, fields: PersonFields) -> PersonInput:
    if fields.id_number:
        return _refusing(person_input, id_type=fields.id_type, id_number=fields.id_number, name=fields.name,
                         sex=SEX_CODES.get(fields.sex, ""), birth_date=fields.birth_date, phone=fields.phone,
                         address=fields.address, today=today())
    if case.applicant_kind != "person":
        raise HandlerRefusal("字段 身份证件号码：单位代为办理时必填参保人的证件号码")
    return _refusing(person_input, id_type=IdType.RESIDENT_ID, id_number=case.applicant_id_number,
                     name=fields.name or case.applicant_name, sex=SEX_CODES.get(fields.sex, ""),
                     birth_date=fields.birth_date, phone=fields.phone or case.applicant_phone,
                     address=fields.address, today=today())


def _record(case, id_number: str, *, label: str = "身份证件号码") -> Person:
    if not id_number and case.applicant_kind != "person":
        raise HandlerRefusal(f"字段 {label}：单位代为办理时必填")
    number = (id_number or case.applicant_id_number).strip().upper()
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise HandlerRefusal(f"字段 {label}：未找到证件号码为 {number} 的参保人员")
    return person


def _situations(case) -> list[str]:
    return list(case.situation.get("situations", []))


# --- 城乡居民参保登记 (Taiyuan 3.(1) 续保/新参保, Changzhi 子项3 表3) -----------------------------

@register("resident_enrollment")
class ResidentEnrollmentHandler(EnrollmentHandler[ResidentEnrollmentFields]):
    key = "resident_enrollment"
    Fields = ResidentEnrollmentFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    @staticmethod
    def _category(fields: ResidentEnrollmentFields) -> str:
        students = resident_rules()["enrollment"]["student_identities"]
        return (PersonCategory.STUDENT if any(i in students for i in fields.applicant_identity)
                else PersonCategory.RESIDENT)

    @staticmethod
    def _stops(fields: ResidentEnrollmentFields) -> bool:
        return fields.business_type in ("暂停", "终止")

    def check(self, *, case, fields: ResidentEnrollmentFields) -> None:
        data = _person_data(case, fields)
        if self._stops(fields):
            if not fields.stop_reason:
                raise HandlerRefusal(f"字段 停保原因：业务类型为{fields.business_type}时必填")
            person = _record(case, data.id_number)
            _refusing(check_suspension, person=person, reason=fields.stop_reason)
            return
        _refusing(check_resident_enrollment, region=case.region, data=data, day=today(),
                  duplicate_resolution=fields.duplicate_resolution, situations=_situations(case))

    def on_step(self, *, case, step: str, fields: ResidentEnrollmentFields, actor: str) -> None:
        data = _person_data(case, fields)
        if self._stops(fields):
            _refusing(suspend_resident, person=_record(case, data.id_number), on=today(), reason=fields.stop_reason,
                      actor=actor, case_number=case.number, status=InsuranceStatus.TERMINATED if fields.business_type == "终止" else None)
            return
        _refusing(enroll_resident, region=case.region, home_agency=case.home_agency, data=data,
                  category=self._category(fields), day=today(), actor=actor,
                  duplicate_resolution=fields.duplicate_resolution, situations=_situations(case),
                  case_number=case.number)


# --- 新生儿参保登记 (Taiyuan 3.(5)) ------------------------------------------------------------

@register("newborn_enrollment")
class NewbornEnrollmentHandler(EnrollmentHandler[PersonFields]):
    key = "newborn_enrollment"
    Fields = PersonFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: PersonFields) -> None:
        if not fields.id_number or not fields.name:
            raise HandlerRefusal("字段 姓名、身份证件号码：请填写新生儿的姓名和户口簿上的公民身份号码")
        if fields.id_type not in (IdType.RESIDENT_ID, IdType.HOUSEHOLD_REGISTER):
            raise HandlerRefusal("字段 身份证件类型：新生儿参保登记凭户口簿办理，应为 01 居民身份证（户口簿）或 02 户口簿")
        _refusing(check_newborn, region=case.region, data=_person_data(case, fields), day=today())

    def on_step(self, *, case, step: str, fields: PersonFields, actor: str) -> None:
        _refusing(enroll_newborn, region=case.region, home_agency=case.home_agency,
                  data=_person_data(case, fields), day=today(), actor=actor, case_number=case.number)


# --- 停保 (Taiyuan 3.(3)) ---------------------------------------------------------------------

@register("resident_suspend")
class ResidentSuspendHandler(EnrollmentHandler[SuspendFields]):
    key = "resident_suspend"
    Fields = SuspendFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: SuspendFields) -> None:
        person = _record(case, fields.id_number)
        _refusing(check_suspension, person=person, reason=fields.stop_reason)
        if fields.stop_date and fields.stop_date > today():
            raise HandlerRefusal(f"字段 停保日期：{fields.stop_date:%Y-%m-%d} 晚于今天，停保日期不能预先填写")

    def on_step(self, *, case, step: str, fields: SuspendFields, actor: str) -> None:
        _refusing(suspend_resident, person=_record(case, fields.id_number), on=fields.stop_date or today(),
                  reason=fields.stop_reason, note=fields.stop_note, actor=actor, case_number=case.number)


# --- 补缴 (Taiyuan 3.(4)) ---------------------------------------------------------------------

@register("resident_backpay")
class ResidentBackpayHandler(EnrollmentHandler[BackpayFields]):
    key = "resident_backpay"
    Fields = BackpayFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    @staticmethod
    def _request(case, fields: BackpayFields) -> BackpayRequest:
        chosen = [s for s in _situations(case) if s in resident_rules()["backpay"]["situations"]]
        return BackpayRequest(situation=chosen[0] if len(chosen) == 1 else "",
                              previous_region_code=fields.previous_region_code,
                              previous_insurance_type=fields.previous_insurance_type, year=fields.backpay_year,
                              household_moved_on=fields.household_moved_on,
                              residence_permit_number=fields.residence_permit_number)

    def check(self, *, case, fields: BackpayFields) -> None:
        _refusing(check_backpay, region=case.region, data=_person_data(case, fields),
                  request=self._request(case, fields), day=today())

    def on_step(self, *, case, step: str, fields: BackpayFields, actor: str) -> None:
        _refusing(backpay_resident, region=case.region, home_agency=case.home_agency,
                  data=_person_data(case, fields), request=self._request(case, fields), day=today(),
                  actor=actor, case_number=case.number)


# --- 多号合并 (Taiyuan 3.(2)) -----------------------------------------------------------------

@register("resident_merge")
class ResidentMergeHandler(EnrollmentHandler[MergeFields]):
    key = "resident_merge"
    Fields = MergeFields
    acts_at = {"办结": Effect.ENTITLEMENT}
    adds_steps = frozenset({"审核"})

    def _pair(self, case, fields: MergeFields) -> tuple[Person, Person]:
        kept = _record(case, fields.id_number, label="保留记录的身份证件号码")
        duplicate = Person.objects.filter(id_number=fields.duplicate_id_number.strip().upper()).first()
        if duplicate is None:
            raise HandlerRefusal(f"字段 待合并记录的证件号码：未找到证件号码为 {fields.duplicate_id_number} 的参保记录")
        if duplicate.id_type != fields.duplicate_id_type:
            raise HandlerRefusal(f"字段 待合并记录的证件类型：该记录的证件类型为「{duplicate.get_id_type_display()}」，"
                                 f"与填写的「{IdType(fields.duplicate_id_type).label}」不符")
        return kept, duplicate

    def check(self, *, case, fields: MergeFields) -> None:
        kept, duplicate = self._pair(case, fields)
        # Differing names or birth dates are not refused here: extra_steps sends them to review.
        _refusing(check_merge, kept=kept, duplicate=duplicate, reviewed=True)

    def extra_steps(self, *, case, fields: MergeFields) -> list[str]:
        kept, duplicate = self._pair(case, fields)
        return ["审核"] if merge_needs_review(kept, duplicate) else []

    def on_step(self, *, case, step: str, fields: MergeFields, actor: str) -> None:
        kept, duplicate = self._pair(case, fields)
        reviewed = "审核" in case.steps and case.reviewed_by_id is not None
        _refusing(merge_persons, kept=kept, duplicate=duplicate, on=today(), actor=actor, reviewed=reviewed,
                  case_number=case.number)


# --- 参保信息变更登记 (表5 职工 / 表6 城乡居民) ---------------------------------------------------

@register("person_info_change")
class PersonInfoChangeHandler(EnrollmentHandler[InfoChangeFields]):
    """Key fields go to review (extra step 审核, a second person) and apply at 办结;
    联系电话 and 居住地址 apply at 受理."""

    key = "person_info_change"
    Fields = InfoChangeFields
    acts_at = {"受理": Effect.RECORD, "办结": Effect.ENTITLEMENT}
    adds_steps = frozenset({"审核"})

    def _person(self, case, fields: InfoChangeFields) -> Person:
        person = _record(case, fields.id_number)
        if fields.name and fields.name != person.name:
            raise HandlerRefusal(f"字段 姓名：证件号码 {person.id_number} 的参保记录姓名为「{person.name}」，"
                                 f"与填写的「{fields.name}」不符")
        return person

    @staticmethod
    def _check_new_phone(case, person: Person, fields: InfoChangeFields) -> None:
        """Online, a new phone is proven like at registration: by the code texted to it."""
        if not fields.new_phone or fields.new_phone == person.phone or case.channel == Channel.WINDOW:
            return
        claim = IdentityClaim(kind="person", identifier=person.id_number, name=person.name,
                              purpose=CodePurpose.CHANGE_PHONE, phone=fields.new_phone)
        use_new_phone_code(case, claim, fields.new_phone_code, field="变更后联系电话收到的短信验证码",
                           missing="网上变更联系电话须先在「我的账号 › 更换手机号码」向新号码获取验证码并填写；"
                                   "单位代办或无法接收短信的，请到经办窗口办理")

    def on_filed(self, *, case, fields: InfoChangeFields) -> None:
        # The code is used up by this case's number, which the case has only now.
        self._check_new_phone(case, self._person(case, fields), fields)

    def check(self, *, case, fields: InfoChangeFields) -> None:
        person = self._person(case, fields)
        plan = _refusing(plan_info_change, person=person, wanted=fields.wanted())
        if plan.has_key_changes:
            offered = set(case.item.data.get("situations") or [])
            needed = [s for s in resident_rules()["info_change"]["key_change_situations"] if s in offered]
            if needed and not set(needed) & set(_situations(case)):
                raise HandlerRefusal(f"办理情形：变更关键信息（姓名、性别、证件号码、出生日期）须选择情形「{needed[0]}」"
                                     "并提供身份证或公安部门出具的变更证明")

    def extra_steps(self, *, case, fields: InfoChangeFields) -> list[str]:
        return ["审核"] if fields.info_category == "关键信息" else []

    def on_step(self, *, case, step: str, fields: InfoChangeFields, actor: str) -> None:
        wanted = fields.wanted()
        if step == "受理" and any(wanted[f] for f in OTHER_FIELDS):
            _refusing(change_person_info, person=self._person(case, fields), wanted=wanted, actor=actor,
                      key_fields=False, case_number=case.number)
        elif step == "办结" and fields.info_category == "关键信息":
            _refusing(change_person_info, person=self._person(case, fields), wanted=wanted, actor=actor,
                      key_fields=True, case_number=case.number)
