"""The case handlers of category 八 (医疗救助对象待遇核准支付) of Taiyuan and Changzhi.

- ``aid_contribution_subsidy``: a recipient who had already paid the full personal resident
  contribution in the collection period applies for the subsidy to be refunded (seed 004 item 24);
  the refund is the programme's, under the same reference, so the run and the case pay it once.
- ``aid_reimbursement``: 医疗救助 on what a recipient still bears in policy after basic insurance
  and 大病. The basic settlement's figures are entered from the paper 结算单 (the reimbursement
  app's claim is not read yet); a person not yet identified files the 《个人家庭经济状况核查委托授权书》
  and the case waits at 拨付 until the civil-affairs list identifies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from yibao import clock
from yibao.cases.handlers import Described, Effect, HandlerRefusal, ItemHandler, register
from yibao.enrollment.models import Person
from yibao.enrollment.selectors import person_by_id_number
from yibao.errors import DomainError
from yibao.medical_aid.models import (
    AidProgramme,
    AidRecipient,
    AidReimbursement,
    ProgrammeStatus,
    Treatment,
)
from yibao.medical_aid.services import (
    _full_payers,
    aid_paid_in_year,
    assess_aid,
    pay_aid_reimbursement,
    recipient_on,
    refund_subsidy,
)
from yibao.payments.models import PayeeKind
from yibao.payments.services import PayeeDetails

PAPER_NOTE = "基本医保结算数据按纸质结算单录入，经办人员须与结算单原件核对"


class BankFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bank_name: str = Field(min_length=1, max_length=100, title="开户银行")
    account_number: str = Field(min_length=1, max_length=40, title="银行账号")


def _person(case) -> Person:
    if case.applicant_kind != "person":
        raise HandlerRefusal("本事项由救助对象本人申请")
    person = person_by_id_number(case.applicant_id_number)
    if person is None:
        raise HandlerRefusal(f"未参保：未查询到 {case.applicant_name} 的参保信息")
    if person.region_id != case.region.pk:
        raise HandlerRefusal(f"{person.name} 不在{case.region.name}参保，请向参保地医保经办机构申请")
    return person


def _payee(person: Person, fields: BankFields) -> PayeeDetails:
    return PayeeDetails(kind=PayeeKind.PERSON, identifier=person.id_number, name=person.name,
                        bank_name=fields.bank_name, account_number=fields.account_number)


class SubsidyFields(BankFields):
    year: int = Field(ge=2000, le=2100, title="参保年度")


@register("aid_contribution_subsidy")
class ContributionSubsidyHandler(ItemHandler[SubsidyFields]):
    key = "aid_contribution_subsidy"
    Fields = SubsidyFields
    acts_at = {"拨付": Effect.PAYMENT}

    def recipient(self, case, fields: SubsidyFields) -> tuple[Person, AidRecipient]:
        person = _person(case)
        programme = AidProgramme.objects.filter(region=case.region, year=fields.year).first()
        if programme is None or programme.status not in (ProgrammeStatus.APPROVED, ProgrammeStatus.PAID):
            raise HandlerRefusal(f"{case.region.name} {fields.year} 年度参保资助名单尚未审批，请审批后再申请")
        recipient = AidRecipient.objects.filter(programme=programme, id_number=person.id_number).first()
        if recipient is None:
            raise HandlerRefusal(f"{person.name} 不在 {fields.year} 年度医疗救助参保资助名单中，不能申请个人缴费补贴")
        if recipient.payment_id is not None:
            raise HandlerRefusal(f"{person.name} {fields.year} 年度的参保资助 {recipient.subsidy} 元已退还，不能重复申请")
        if recipient.treatment == Treatment.CREDIT:
            raise HandlerRefusal(f"{person.name} {fields.year} 年度的参保资助已抵缴个人缴费，无需退费")
        if person.pk not in _full_payers(programme, [person.pk]):
            raise HandlerRefusal(f"{person.name} 未在集中缴费期全额缴纳 {fields.year} 年度城乡居民个人缴费，"
                                 "资助将抵缴个人缴费，不予退费")
        return person, recipient

    def check(self, *, case, fields: SubsidyFields) -> None:
        self.recipient(case, fields)

    def on_step(self, *, case, step: str, fields: SubsidyFields, actor: str) -> None:
        person, recipient = self.recipient(case, fields)
        try:
            refund_subsidy(recipient=recipient, payee=_payee(person, fields), actor=actor, case=case)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def describe(self, *, case, fields: SubsidyFields) -> Described:
        rows = super().describe(case=case, fields=fields)
        try:
            _person_, recipient = self.recipient(case, fields)
        except HandlerRefusal as exc:
            return rows + [("资助测算", str(exc))]
        return rows + [("救助对象类别", recipient.category),
                       ("资助金额", f"{recipient.subsidy} 元（{recipient.programme.resident_fee} 元 × "
                                   f"{recipient.share * 100:.0f}%；示例参数，须按本地现行文件核定）")]


class AidClaimFields(BaseModel):
    """医疗救助申请 (表11) with the basic settlement: the reimbursement case's number, or the figures
    of its paper 结算单."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    basic_case_number: str = Field("", max_length=24, title="基本医保零星报销办件编号（在本系统报销的填写）")
    settlement_number: str = Field("", max_length=40, title="基本医保结算单号（按纸质结算单填写时必填）")
    care_start: date | None = Field(None, title="就医（入院）日期")
    care_end: date | None = Field(None, title="出院日期")
    total_cost: Decimal = Field(Decimal("0"), ge=0, le=Decimal("10000000"), decimal_places=2, title="医疗费总额（元）")
    basic_fund_paid: Decimal = Field(Decimal("0"), ge=0, le=Decimal("10000000"), decimal_places=2,
                                     title="基本医保统筹支付（元）")
    serious_illness_paid: Decimal = Field(Decimal("0"), ge=0, le=Decimal("10000000"), decimal_places=2,
                                          title="大病保险（大额补助）支付（元）")
    still_borne_in_policy: Decimal = Field(Decimal("0"), ge=0, le=Decimal("10000000"), decimal_places=2,
                                           title="政策范围内个人负担（元）")
    authorization_filed: bool = Field(False, title="已提交《个人家庭经济状况核查委托授权书》（尚未认定为救助对象时）")
    bank_name: str = Field(min_length=1, max_length=100, title="开户银行")
    account_number: str = Field(min_length=1, max_length=40, title="银行账号")

    @model_validator(mode="after")
    def _consistent(self) -> AidClaimFields:
        if self.basic_case_number:
            return self
        if not (self.settlement_number and self.care_start and self.care_end):
            raise ValueError("未填写基本医保零星报销办件编号时，须按纸质结算单填写结算单号和就医日期")
        if self.care_end < self.care_start:
            raise ValueError("出院日期不能早于入院日期")
        if self.basic_fund_paid + self.serious_illness_paid + self.still_borne_in_policy > self.total_cost:
            raise ValueError("统筹支付、大病支付与政策范围内个人负担之和不能大于医疗费总额")
        return self


@dataclass(frozen=True)
class Basis:
    """The basic settlement the aid is computed on."""

    settlement_number: str
    care_start: date
    care_end: date
    still_borne: Decimal
    source: str


def _basis(case, person: Person, fields: AidClaimFields) -> Basis:
    """From the reimbursement case when named (its computed settlement), else the paper 结算单's figures."""
    if not fields.basic_case_number:
        return Basis(fields.settlement_number, fields.care_start, fields.care_end,  # type: ignore[arg-type]
                     fields.still_borne_in_policy, PAPER_NOTE)
    from yibao.cases.models import Case
    from yibao.reimbursement.models import ClaimStatus
    from yibao.reimbursement.selectors import claim_of_case

    basic = Case.objects.filter(number=fields.basic_case_number, region=case.region).first()
    claim = claim_of_case(basic) if basic is not None else None
    if claim is None or claim.person_id != person.pk:
        raise HandlerRefusal(f"字段 基本医保零星报销办件编号：未找到 {person.name} 的零星报销办件 {fields.basic_case_number}")
    if claim.status not in (ClaimStatus.PAID, ClaimStatus.SETTLED):
        raise HandlerRefusal(f"基本医保零星报销办件 {fields.basic_case_number} 尚未拨付，拨付后方可申请医疗救助")
    figures = claim.settlement.get("fields", {})
    in_policy = Decimal(figures.get("符合政策范围金额", "0"))
    pooled = Decimal(figures.get("统筹基金支出", "0"))
    serious = Decimal(figures.get("大病保险/大额补助", "0"))
    if Decimal(figures.get("医疗救助", "0")) > 0:
        raise HandlerRefusal(f"基本医保零星报销办件 {fields.basic_case_number} 的结算已含医疗救助，不能重复申请")
    still = max(Decimal("0.00"), in_policy - pooled - serious)
    return Basis(fields.basic_case_number, claim.admission_date, claim.discharge_date, still,
                 f"基本医保零星报销办件 {fields.basic_case_number} 的结算结果：政策范围内 {in_policy} 元 − 统筹 {pooled} 元 − "
                 f"大病/大额 {serious} 元 = 个人负担 {still} 元")


@register("aid_reimbursement")
class AidReimbursementHandler(ItemHandler[AidClaimFields]):
    key = "aid_reimbursement"
    Fields = AidClaimFields
    acts_at = {"拨付": Effect.PAYMENT}

    def check(self, *, case, fields: AidClaimFields) -> None:
        person = _person(case)
        basis = _basis(case, person, fields)
        if basis.care_end > clock.today():
            raise HandlerRefusal("字段 出院日期：不能晚于今天")
        if recipient_on(person.id_number, basis.care_start, region=case.region) is None and not fields.authorization_filed:
            raise HandlerRefusal(f"{person.name} 在 {basis.care_start:%Y-%m-%d} 尚未认定为医疗救助对象，请提交"
                                 "《个人家庭经济状况核查委托授权书》，待民政部门核查认定后办理")
        done = AidReimbursement.objects.filter(person=person, settlement_number=basis.settlement_number).exclude(
            case_number=case.number or "").first()
        if done is not None:
            raise HandlerRefusal(f"结算单 {basis.settlement_number} 已由办件 {done.case_number} 给予医疗救助，不能重复申请")

    def on_step(self, *, case, step: str, fields: AidClaimFields, actor: str) -> None:
        self.check(case=case, fields=fields)
        person = _person(case)
        basis = _basis(case, person, fields)
        recipient = recipient_on(person.id_number, basis.care_start, region=case.region)
        if recipient is None:
            raise HandlerRefusal(f"{person.name} 尚未认定为医疗救助对象（已提交核查委托授权书，待民政部门核查认定），"
                                 "认定后方可拨付")
        try:
            pay_aid_reimbursement(case=case, person=person, recipient=recipient,
                                  settlement_number=basis.settlement_number, day=basis.care_start,
                                  still_borne=basis.still_borne,
                                  payee=_payee(person, BankFields(bank_name=fields.bank_name,
                                                                  account_number=fields.account_number)),
                                  actor=actor)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def describe(self, *, case, fields: AidClaimFields) -> Described:
        rows = super().describe(case=case, fields=fields)
        paid = AidReimbursement.objects.filter(case_number=case.number).first() if case.number else None
        if paid is not None:
            try:
                rows.append(("数据来源", _basis(case, paid.person, fields).source))
            except HandlerRefusal:
                pass
            rows += [tuple(x) for x in paid.explanation]  # type: ignore[misc]
            if paid.uses_demo_values:
                rows.append(("说明", "本结果使用了示例参数，须按本地现行文件核定"))
            return rows
        try:
            person = _person(case)
            basis = _basis(case, person, fields)
        except HandlerRefusal as exc:
            return rows + [("救助测算", str(exc))]
        rows.append(("数据来源", basis.source))
        recipient = recipient_on(person.id_number, basis.care_start, region=case.region)
        if recipient is None:
            return rows + [("救助对象认定", "尚未认定为医疗救助对象，待民政部门核查认定")]
        try:
            a = assess_aid(region=case.region, category=recipient.category, day=basis.care_start,
                           still_borne=basis.still_borne,
                           paid_so_far=aid_paid_in_year(person, basis.care_start.year))
        except DomainError as exc:
            return rows + [("救助测算", str(exc))]
        rows += a.lines
        if a.demo:
            rows.append(("说明", "本结果使用了示例参数，须按本地现行文件核定"))
        return rows

    def prefill(self, case, *, person_id_number: str = "") -> dict:
        person = person_by_id_number(person_id_number or case.applicant_id_number)
        if person is None:
            return {}
        recipient = recipient_on(person.id_number, clock.today(), region=person.region)
        return {"person": {"name": person.name, "id_number": person.id_number, "sex": person.get_sex_display(),
                           "phone": person.phone, "address": person.address,
                           "aid_category": recipient.category if recipient else ""}}
