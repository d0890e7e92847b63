"""The case handlers of category 九 (医药机构申报定点协议管理, 服务开通, 信息变更).

The designation application follows 国家医疗保障局令第2号/第3号 on the case engine:

=========  =====================  ============================================
case step  stage                  what must hold / what happens
=========  =====================  ============================================
申请       定点申请 (表13/表14)   only an institution's login, of the item's kind
受理       受理                   one-time notice, clock paused (the engine)
调查       评估 (书面+现场)       a passed ``Evaluation``; opens the 公示
审核       公示期满               period over, objections answered, none upheld
认定       协商谈判 → 协议签订    the negotiation recorded; the agreement is signed
办结       服务开通               code H/P, designation period, directory entry
=========  =====================  ============================================

The catalogs list 申请—受理—审核—办结 with "审核环节包括评估、公示、协商谈判、协议签订";
the handler adds 调查 and 认定 (``adds_steps``) so each stage is a step of its own,
with its clerk and time in the case history. Where the region has a separate
服务开通 item (Taiyuan, ``data/rules.yaml`` ``separate_opening``), the designation
case ends at 协议签订 and the opening case assigns the code.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yibao.cases.handlers import Effect, HandlerRefusal, ItemHandler, handler_for, register
from yibao.cases.models import Case, CaseStatus
from yibao.errors import DomainError
from yibao.institutions.models import Agreement, Institution, InstitutionKind, InstitutionStatus
from yibao.institutions.rules import region_rules
from yibao.institutions.services import (
    KEY_CHANGES,
    apply_changes,
    check_changes,
    close_publicity,
    open_service,
    sign_agreement,
    start_publicity,
)

ONLY_INSTITUTIONS = "本事项须由医药机构以机构账号申请，个人或单位不能申请"
DESIGNATION_STEPS = frozenset({"调查", "认定"})


def _institution(case) -> Institution:
    if case.applicant_kind != "institution":
        raise HandlerRefusal(ONLY_INSTITUTIONS)
    institution = Institution.objects.filter(uscc=case.applicant_id_number).first()
    if institution is None:
        raise HandlerRefusal("该统一社会信用代码尚未登记为医药机构，请先到市医保经办机构医药机构服务科登记机构账号")
    if institution.region_id != case.region_id:
        raise HandlerRefusal(f"{institution.name}属于{institution.region.name}，请向所在统筹区申请")
    return institution


def _run(call):
    try:
        return call()
    except DomainError as exc:
        raise HandlerRefusal(str(exc)) from exc


class DesignationFields(BaseModel):
    """What the institution confirms or adds to its record when applying (表13/表14)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    insurance_head: str = Field("", max_length=50, title="主管医保工作负责人")
    insurance_head_phone: str = Field("", max_length=20, title="负责人联系电话")
    insurance_staff_count: int = Field(0, ge=0, le=1000, title="医保管理专（兼）职人数")
    business_scope: list[Literal["住院", "门诊", "购药"]] = Field([], max_length=3, title="申请业务内容")
    commitment: Literal["", "是"] = Field("", title="申请承诺：已阅读定点管理规定，对所提交资料的真实性负责")


class _DesignationBase(ItemHandler[DesignationFields]):
    Fields = DesignationFields
    institution_kind: str = ""
    adds_steps = DESIGNATION_STEPS
    acts_at = {"调查": Effect.RECORD, "审核": Effect.RECORD, "认定": Effect.ENTITLEMENT, "办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: DesignationFields) -> None:
        institution = _institution(case)
        if institution.kind != self.institution_kind:
            raise HandlerRefusal(f"{institution.name}是{institution.get_kind_display()}，"
                                 f"不能申请「{case.item.name}」")
        if institution.status in (InstitutionStatus.DESIGNATED, InstitutionStatus.SIGNED,
                                  InstitutionStatus.SUSPENDED):
            raise HandlerRefusal(f"{institution.name}已是定点医药机构（{institution.get_status_display()}），"
                                 f"无需再次申请定点")
        if fields.commitment != "是":
            raise HandlerRefusal("字段 申请承诺：须确认已阅读定点管理规定并对资料真实性负责")
        if not fields.insurance_head:
            raise HandlerRefusal("字段 主管医保工作负责人：必填")
        open_cases = (Case.objects.filter(applicant_id_number=institution.uscc, applicant_kind="institution")
                      .exclude(status__in=[CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN])
                      .exclude(pk=case.pk).select_related("item"))
        if any(isinstance(handler_for(c.item), _DesignationBase) for c in open_cases):
            raise HandlerRefusal(f"{institution.name}已有一件正在办理的定点申请")

    def extra_steps(self, *, case, fields) -> list[str]:
        return sorted(DESIGNATION_STEPS)

    def home_agency(self, *, case, fields):
        institution = Institution.objects.filter(uscc=case.applicant_id_number).select_related("agency").first()
        return institution.agency if institution else super().home_agency(case=case, fields=fields)

    def on_step(self, *, case, step: str, fields, actor: str) -> None:
        if step == "调查":
            _run(lambda: start_publicity(case=case, actor=actor))
        elif step == "审核":
            _run(lambda: close_publicity(case=case, actor=actor))
        elif step == "认定":
            _run(lambda: sign_agreement(case=case, actor=actor))
        elif step == "办结":
            if region_rules(case.region.slug).separate_opening:
                return  # the 服务开通 item opens the service
            _run(lambda: open_service(institution=_institution(case), actor=actor, case=case))

    def describe(self, *, case, fields) -> list[tuple[str, str]]:
        rows = super().describe(case=case, fields=fields)
        institution = Institution.objects.filter(uscc=case.applicant_id_number).first()
        if institution is not None:
            rows = [("机构名称", institution.name), ("机构类别", institution.get_kind_display()),
                    ("执业许可证/药品经营许可证号", institution.licence_number), *rows]
            agreement = Agreement.objects.filter(case=case).first()
            if agreement and agreement.signed_at:
                rows.append(("服务协议", f"{agreement.number}（{agreement.starts_on:%Y-%m-%d} 至 "
                                         f"{agreement.ends_on:%Y-%m-%d}）"))
            if institution.national_code:
                rows.append(("国家医保定点机构编码", institution.national_code))
        return rows

    def prefill(self, case, *, person_id_number: str = "") -> dict[str, dict[str, Any]]:
        institution = Institution.objects.filter(uscc=case.applicant_id_number).first()
        if institution is None:
            return {}
        return {"unit": {
            "name": institution.name, "uscc": institution.uscc, "address": institution.address,
            "legal_representative": institution.legal_representative, "licence_number": institution.licence_number,
            "opened_on": f"{institution.opened_on:%Y-%m-%d}", "beds": str(institution.beds),
            "level": institution.get_level_display() if institution.level else "",
            "contact_phone": institution.phone, "nature": "连锁" if institution.is_chain else "单体",
            "bank": f"{institution.bank_name} {institution.bank_account}".strip(),
        }}


@register("institutions.hospital_designation")
class HospitalDesignation(_DesignationBase):
    """医疗机构申报定点协议管理 (令第2号)."""

    institution_kind = InstitutionKind.HOSPITAL


@register("institutions.pharmacy_designation")
class PharmacyDesignation(_DesignationBase):
    """零售药店申报定点协议管理 (令第3号)."""

    institution_kind = InstitutionKind.PHARMACY


class OpeningFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code_maintained: Literal["", "是"] = Field("", title="已在国家医保信息业务编码标准数据库动态维护平台完成贯标维护")
    network_connected: Literal["", "是"] = Field("", title="已完成医保网络连接和系统对接")


class _OpeningBase(ItemHandler[OpeningFields]):
    """服务开通 (Taiyuan): a signed institution gets its code and its designation period at 办结."""

    Fields = OpeningFields
    institution_kind: str = ""
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: OpeningFields) -> None:
        institution = _institution(case)
        if institution.kind != self.institution_kind:
            raise HandlerRefusal(f"{institution.name}是{institution.get_kind_display()}，不能申请「{case.item.name}」")
        if institution.status == InstitutionStatus.DESIGNATED:
            raise HandlerRefusal(f"{institution.name}已开通定点服务")
        if institution.status != InstitutionStatus.SIGNED:
            raise HandlerRefusal(f"{institution.name}尚未签订服务协议，请先办理申报定点协议管理")
        if fields.code_maintained != "是":
            raise HandlerRefusal("字段 贯标维护：须先在国家医保信息业务编码标准数据库动态维护平台完成贯标维护")
        if fields.network_connected != "是":
            raise HandlerRefusal("字段 网络连接：须先完成医保网络连接和系统对接")

    def home_agency(self, *, case, fields):
        institution = Institution.objects.filter(uscc=case.applicant_id_number).select_related("agency").first()
        return institution.agency if institution else super().home_agency(case=case, fields=fields)

    def on_step(self, *, case, step: str, fields, actor: str) -> None:
        if step == "办结":
            _run(lambda: open_service(institution=_institution(case), actor=actor, case=case))


@register("institutions.hospital_opening")
class HospitalOpening(_OpeningBase):
    institution_kind = InstitutionKind.HOSPITAL


@register("institutions.pharmacy_opening")
class PharmacyOpening(_OpeningBase):
    institution_kind = InstitutionKind.PHARMACY


class ChangeFields(BaseModel):
    """定点医药机构变更申报: the new values (empty: unchanged)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field("", max_length=100, title="变更后名称")
    address: str = Field("", max_length=200, title="变更后地址")
    legal_representative: str = Field("", max_length=50, title="变更后法定代表人")
    level: Literal["", "3", "2", "1", "0"] = Field("", title="变更后医院等级（3 三级/2 二级/1 一级/0 未定级）")
    beds: int | None = Field(None, ge=0, le=20000, title="变更后核定床位")
    add_departments: str = Field("", max_length=500, title="新增科室（以顿号分隔）")
    add_services: list[Literal["11", "14", "16", "21", "28", "41", "51", "52"]] = Field(
        [], max_length=8, title="新增项目（医疗类别代码）")

    def changes(self, institution: Institution) -> dict:
        changes: dict = {k: v for k, v in
                         (("name", self.name), ("address", self.address),
                          ("legal_representative", self.legal_representative), ("level", self.level))
                         if v}
        if self.beds is not None:
            changes["beds"] = self.beds
        added = [d for d in re.split(r"[、,，\s]+", self.add_departments) if d]
        if added:
            changes["departments"] = list(dict.fromkeys([*institution.departments, *added]))
        if self.add_services:
            changes["services"] = list(dict.fromkeys([*institution.services, *self.add_services]))
        return changes


@register("institutions.info_change")
class InstitutionInfoChange(ItemHandler[ChangeFields]):
    """定点医药机构办理信息变更: checked at submission, reviewed (key changes), applied at 办结."""

    Fields = ChangeFields
    acts_at = {"办结": Effect.ENTITLEMENT}
    adds_steps = frozenset({"审核"})

    def check(self, *, case, fields: ChangeFields) -> None:
        institution = _institution(case)
        if institution.status not in (InstitutionStatus.DESIGNATED, InstitutionStatus.SUSPENDED):
            raise HandlerRefusal(f"{institution.name}不是定点医药机构，不能办理定点信息变更")
        _run(lambda: check_changes(institution=institution, changes=fields.changes(institution)))

    def extra_steps(self, *, case, fields: ChangeFields) -> list[str]:
        institution = Institution.objects.filter(uscc=case.applicant_id_number).first()
        if institution is not None and set(fields.changes(institution)) & KEY_CHANGES:
            return ["审核"]  # a key change is reviewed even where the item is 即时办结
        return []

    def home_agency(self, *, case, fields):
        institution = Institution.objects.filter(uscc=case.applicant_id_number).select_related("agency").first()
        return institution.agency if institution else super().home_agency(case=case, fields=fields)

    def on_step(self, *, case, step: str, fields: ChangeFields, actor: str) -> None:
        if step == "办结":
            institution = _institution(case)
            _run(lambda: apply_changes(institution=institution, changes=fields.changes(institution),
                                       actor=actor, case=case))
