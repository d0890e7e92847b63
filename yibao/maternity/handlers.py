"""The case handlers of category 七 (生育保险待遇核准支付) of Taiyuan and Changzhi.

One handler class per benefit kind; the item's YAML ``handler:`` key names the settings in
``data/items.yaml`` (险种 that must cover the care dates, 单位补缴欠费后报销, fund). The amount
is computed from the dated parameters (``data/parameters.yaml``) and the unit's records,
shown on the case pages and paid once at 拨付 through the payments ledger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from yibao import clock
from yibao.cases.handlers import Described, Effect, HandlerRefusal, ItemHandler, register
from yibao.enrollment.models import Person
from yibao.enrollment.selectors import person_by_id_number
from yibao.errors import DomainError
from yibao.maternity import calculations, parameters
from yibao.maternity.calculations import Assessment, BirthFacts
from yibao.maternity.models import BenefitKind
from yibao.maternity.services import (
    Payee,
    already_paid,
    check_arrears_paid,
    check_sex,
    covering_period,
    pay_benefit,
    unit_payee,
    wage_basis,
)
from yibao.payments.models import PayeeKind
from yibao.payments.services import PayeeDetails

Money = Decimal


class MaternityFields(BaseModel):
    """The application: whose benefit, the facts of the birth or care, the bills' totals, the bank."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id_number: str = Field("", max_length=18, title="职工公民身份号码（单位代为申请时必填）")
    person_name: str = Field("", max_length=50, title="职工姓名（单位代为申请时必填）")
    event: Literal["分娩", "流产", "产前检查", "计划生育手术"] = Field(title="生育情形")
    event_date: date = Field(title="分娩、流产、手术或检查日期")
    care_start: date | None = Field(None, title="入院（就诊）日期")
    care_end: date | None = Field(None, title="出院日期")
    delivery_type: Literal["", "顺产", "剖宫产"] = Field("", title="分娩方式")
    difficult_birth: bool = Field(False, title="难产")
    babies: int = Field(1, ge=1, le=9, title="婴儿数")
    pregnancy_months: int | None = Field(None, ge=1, le=10, title="流产时怀孕月数")
    total_cost: Money = Field(Decimal("0"), ge=0, le=Decimal("10000000"), decimal_places=2, title="医疗费总额（元）")
    in_policy_cost: Money = Field(Decimal("0"), ge=0, le=Decimal("10000000"), decimal_places=2,
                                  title="政策范围内费用（元）")
    bank_name: str = Field("", max_length=100, title="开户银行（支付至个人时必填）")
    account_name: str = Field("", max_length=50, title="账户名（支付至个人时必填）")
    account_number: str = Field("", max_length=40, title="银行账号（支付至个人时必填）")

    @model_validator(mode="after")
    def _consistent(self) -> MaternityFields:
        if self.in_policy_cost > self.total_cost:
            raise ValueError("政策范围内费用不能大于医疗费总额")
        start, end = self.care_start or self.event_date, self.care_end or self.event_date
        if end < start:
            raise ValueError("出院日期不能早于入院日期")
        if not (start <= self.event_date <= end):
            raise ValueError("分娩、流产、手术或检查日期须在入院至出院日期之间")
        if self.event == "流产" and self.pregnancy_months is None:
            raise ValueError("流产时须填写怀孕月数")
        return self

    @property
    def span(self) -> tuple[date, date]:
        return self.care_start or self.event_date, self.care_end or self.event_date


EVENTS = {"prenatal": ("产前检查",), "delivery": ("分娩", "流产"), "family_planning": ("计划生育手术",),
          "allowance": ("分娩", "流产")}


def _refuse(exc: DomainError | parameters.ParameterMissing) -> HandlerRefusal:
    return HandlerRefusal(str(exc))


class MaternityHandler(ItemHandler[MaternityFields]):
    """Shared by the four kinds; ``assess`` differs."""

    key = "maternity"
    Fields = MaternityFields
    acts_at = {"拨付": Effect.PAYMENT}
    kind = ""

    # --- whose benefit ------------------------------------------------------------------

    def setting(self, case) -> parameters.ItemSetting:
        try:
            return parameters.item_setting(case.item.data.get("handler") or "")
        except parameters.ParameterMissing as exc:
            raise _refuse(exc) from exc

    def subject_person(self, *, case, fields: MaternityFields) -> str | None:
        if case.applicant_kind == "unit" and fields.person_id_number:
            return fields.person_id_number.upper()
        return None

    def person(self, case, fields: MaternityFields) -> Person:
        if case.applicant_kind == "person":
            if fields.person_id_number and fields.person_id_number.upper() != case.applicant_id_number:
                raise HandlerRefusal("字段 职工公民身份号码：个人只能为本人申请")
            number, name = case.applicant_id_number, case.applicant_name
        else:
            if not fields.person_id_number or not fields.person_name:
                raise HandlerRefusal("字段 职工公民身份号码、职工姓名：单位代为申请时必填")
            number, name = fields.person_id_number.upper(), fields.person_name
        person = person_by_id_number(number)
        if person is None:
            raise HandlerRefusal(f"未参保：未查询到 {name} 的参保信息，不能享受生育保险待遇")
        if case.applicant_kind != "person" and person.name != fields.person_name:
            raise HandlerRefusal(f"字段 职工姓名：「{fields.person_name}」与参保记录不符")
        return person

    def facts(self, case, fields: MaternityFields):
        """Everything the decision needs, checked: (setting, person, period)."""
        setting = self.setting(case)
        if fields.event not in EVENTS[self.kind]:
            raise HandlerRefusal(f"字段 生育情形：本事项只办理{'、'.join(EVENTS[self.kind])}")
        if fields.event_date > clock.today():
            raise HandlerRefusal("字段 分娩、流产、手术或检查日期：不能晚于今天")
        person = self.person(case, fields)
        if person.region_id != case.region.pk:
            raise HandlerRefusal(f"{person.name} 不在{case.region.name}参保，请向参保地医保经办机构申请")
        start, end = fields.span
        try:
            check_sex(person, self.kind)
            period = covering_period(person, setting, start, end)
            if setting.arrears:
                check_arrears_paid(person, setting, start, end)
        except DomainError as exc:
            raise _refuse(exc) from exc
        if case.applicant_kind == "unit" and (period.unit is None or period.unit.uscc != case.applicant_id_number):
            raise HandlerRefusal(f"{person.name} 在 {start:%Y-%m-%d} 不是本单位参保职工，单位不能代为申请")
        return setting, person, period

    def payee(self, case, fields: MaternityFields, person: Person, period) -> Payee:
        if parameters.paid_to_unit(case.region.slug, self.kind) and period.unit is not None:
            try:
                return Payee(unit_payee(period.unit), to_unit=True)
            except DomainError as exc:
                raise _refuse(exc) from exc
        if not (fields.bank_name and fields.account_number):
            raise HandlerRefusal("字段 开户银行、银行账号：待遇支付至个人银行账户，须填写")
        return Payee(PayeeDetails(kind=PayeeKind.PERSON, identifier=person.id_number,
                                  name=fields.account_name or person.name, bank_name=fields.bank_name,
                                  account_number=fields.account_number), to_unit=False)

    def assess(self, case, fields: MaternityFields, person: Person, period) -> Assessment:
        raise NotImplementedError

    def _assessment(self, case, fields: MaternityFields, person: Person, period) -> Assessment:
        try:
            return self.assess(case, fields, person, period)
        except (DomainError, parameters.ParameterMissing) as exc:
            raise _refuse(exc) from exc

    # --- engine hooks -------------------------------------------------------------------

    def check(self, *, case, fields: MaternityFields) -> None:
        _setting, person, period = self.facts(case, fields)
        other = already_paid(person, self.kind, fields.event_date, case_number=case.number or "")
        if other is not None:
            raise HandlerRefusal(f"{person.name} {fields.event_date:%Y-%m-%d} 的{BenefitKind(self.kind).label}"
                                 f"已由办件 {other.case_number} 支付，不能重复申请")
        self.payee(case, fields, person, period)
        self._assessment(case, fields, person, period)

    def on_step(self, *, case, step: str, fields: MaternityFields, actor: str) -> None:
        setting, person, period = self.facts(case, fields)
        assessment = self._assessment(case, fields, person, period)
        payee = self.payee(case, fields, person, period)
        try:
            pay_benefit(case=case, person=person, unit=period.unit, kind=self.kind, event_date=fields.event_date,
                        setting=setting, assessment=assessment, payee=payee, actor=actor)
        except DomainError as exc:
            raise _refuse(exc) from exc

    def describe(self, *, case, fields: MaternityFields) -> Described:
        rows = super().describe(case=case, fields=fields)
        from yibao.maternity.models import MaternityBenefit

        paid = MaternityBenefit.objects.filter(case_number=case.number).first() if case.number else None
        if paid is not None:
            rows += [tuple(line) for line in paid.explanation]  # type: ignore[misc]
            rows.append(("核定金额", f"{paid.amount:.2f} 元"))
            if paid.paid_to_unit and paid.unit is not None:
                rows.append(("单位应转付职工", f"{paid.unit.name} 应将 {paid.amount:.2f} 元"
                             f"{BenefitKind(paid.kind).label}全额转付给职工 {paid.person.name}"))
            if paid.uses_demo_values:
                rows.append(("说明", "本结果使用了示例参数或待核实参数，须按本地现行文件核定"))
            return rows
        try:
            _setting, person, period = self.facts(case, fields)
            assessment = self._assessment(case, fields, person, period)
            payee = self.payee(case, fields, person, period)
        except HandlerRefusal as exc:
            return rows + [("待遇测算", f"暂无法测算：{exc}")]
        rows += assessment.lines
        rows.append(("测算金额", f"{assessment.amount:.2f} 元"))
        if payee.to_unit:
            rows.append(("支付对象", f"{payee.details.name}（支付至单位账户，单位须全额转付给职工 {person.name}）"))
            rows.append(("单位应转付职工", f"{assessment.amount:.2f} 元"))
        else:
            rows.append(("支付对象", f"{payee.details.name}（个人银行账户）"))
        for note in sorted(assessment.notes):
            rows.append(("说明", f"本结果使用了以下参数说明：{note}"))
        return rows

    def prefill(self, case, *, person_id_number: str = "") -> dict:
        person = person_by_id_number(person_id_number or case.applicant_id_number)
        if person is None:
            return {}
        return {"person": {"name": person.name, "id_number": person.id_number, "sex": person.get_sex_display(),
                           "phone": person.phone}}


@register("maternity_prenatal")
class PrenatalCheckHandler(MaternityHandler):
    key = "maternity_prenatal"
    kind = "prenatal"

    def assess(self, case, fields, person, period) -> Assessment:
        return calculations.capped(region=case.region.slug, day=fields.event_date, name="prenatal_check_amount",
                                   cost=fields.in_policy_cost, title="产前检查费")


@register("maternity_delivery", "maternity_delivery_arrears", "maternity_delivery_resident")
class DeliveryHandler(MaternityHandler):
    key = "maternity_delivery"
    kind = "delivery"

    def assess(self, case, fields, person, period) -> Assessment:
        if fields.event == "分娩" and not fields.delivery_type:
            raise HandlerRefusal("字段 分娩方式：分娩时必填（顺产或剖宫产）")
        return calculations.delivery(region=case.region.slug, day=fields.event_date, event=fields.event,
                                     delivery_type=fields.delivery_type, in_policy_cost=fields.in_policy_cost)


@register("maternity_family_planning", "maternity_family_planning_arrears")
class FamilyPlanningHandler(MaternityHandler):
    key = "maternity_family_planning"
    kind = "family_planning"

    def assess(self, case, fields, person, period) -> Assessment:
        return calculations.capped(region=case.region.slug, day=fields.event_date, name="family_planning_cap",
                                   cost=fields.in_policy_cost, title="计划生育医疗费")


@register("maternity_allowance")
class AllowanceHandler(MaternityHandler):
    key = "maternity_allowance"
    kind = "allowance"

    def assess(self, case, fields, person, period) -> Assessment:
        if period.unit is None:
            raise HandlerRefusal(f"生育津贴按用人单位上年度职工月平均工资计发，{person.name} 没有参保单位，不能申领")
        basis = wage_basis(period.unit, fields.event_date.year - 1)
        facts = BirthFacts(event=fields.event, birth_date=fields.event_date, difficult=fields.difficult_birth,
                           babies=fields.babies, pregnancy_months=fields.pregnancy_months)
        return calculations.allowance(facts, basis, region=case.region.slug)
