"""Maternity benefit decisions: eligibility from the records and the payment at 拨付."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Sum

from yibao.audit.services import record_audit
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    Sex,
    Unit,
)
from yibao.errors import Conflict, Refused
from yibao.ids import mask_resident_id
from yibao.maternity.calculations import Assessment, WageBasis
from yibao.maternity.models import BenefitKind, MaternityBenefit
from yibao.maternity.parameters import ItemSetting
from yibao.payments.models import PayeeKind
from yibao.payments.services import PayeeDetails, approve_payment


class MaternityRefused(Refused):
    code = "maternity.refused"


class BenefitAlreadyPaid(Conflict):
    code = "maternity.already_paid"


# Benefits that only the woman who gave birth receives (a man's spouse's delivery is not his 津贴).
WOMEN_ONLY = {"prenatal": "产前检查费", "allowance": "生育津贴"}
INSURANCE_NAMES = {"510": "生育保险", "310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}


def check_sex(person: Person, kind: str) -> None:
    """A man is refused the benefits of the woman who gave birth."""
    if kind in WOMEN_ONLY and person.sex == Sex.MALE:
        raise MaternityRefused(f"{person.name} 的参保记录性别为男，{WOMEN_ONLY[kind]}只支付给本人生育（妊娠）的女职工，"
                               "不能申领", code="maternity.male")


def covering_period(person: Person, setting: ItemSetting, start: date, end: date) -> InsurancePeriod:
    """The period of one of the item's 险种 that covers every care day; refused naming the person and dates."""
    periods = (InsurancePeriod.objects.select_related("unit")
               .filter(person=person, insurance_type__in=setting.insurance, start_date__lte=start)
               .exclude(status__in=[InsuranceStatus.INVALID, InsuranceStatus.NOT_INSURED])
               .order_by("-start_date"))
    for period in periods:
        if period.end_date is None or period.end_date >= end:
            return period
    kinds = "或".join(INSURANCE_NAMES.get(t, t) for t in setting.insurance)
    span = f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    raise MaternityRefused(f"{person.name}（{mask_resident_id(person.id_number)}）在 {span} 未参加{kinds}，"
                           "不能享受生育保险待遇", code="maternity.not_insured")


def _months(start: date, end: date) -> list[date]:
    months, month = [], date(start.year, start.month, 1)
    while month <= end:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def check_arrears_paid(person: Person, setting: ItemSetting, start: date, end: date) -> None:
    """单位补缴欠费后报销: every care month's contribution must be in the records and paid."""
    months = _months(start, end)
    paid = set(Contribution.objects.filter(person=person, insurance_type__in=setting.insurance, month__in=months,
                                           paid=True).values_list("month", flat=True))
    unpaid = [m for m in months if m not in paid]
    if unpaid:
        shown = "、".join(f"{m:%Y年%m月}" for m in unpaid)
        raise MaternityRefused(f"单位欠费尚未补缴到账：{person.name} {shown}的缴费未到账，单位补缴到账后方可申请报销",
                               code="maternity.arrears")


def wage_basis(unit: Unit, year: int) -> WageBasis:
    """The unit's previous-year average wage basis: its own contribution bases, Σ over person-months.

    The employee insurance rows (310) are used; a unit with only 生育保险 rows (510) uses those."""
    for insurance_type in ("310", "510"):
        row = (Contribution.objects.filter(unit=unit, month__year=year, insurance_type=insurance_type)
               .aggregate(total=Sum("base"), n=Count("id")))
        if row["n"]:
            return WageBasis(unit_name=unit.name, year=year, total_base=row["total"], person_months=row["n"])
    raise MaternityRefused(f"{unit.name} 在 {year} 年没有缴费基数记录，无法计算单位上年度职工月平均工资，"
                           "请到经办窗口核实", code="maternity.no_wage_basis")


def already_paid(person: Person, kind: str, event_date: date, *, case_number: str) -> MaternityBenefit | None:
    return (MaternityBenefit.objects.filter(person=person, kind=kind, event_date=event_date)
            .exclude(case_number=case_number).first())


@dataclass(frozen=True)
class Payee:
    details: PayeeDetails
    to_unit: bool


def pay_benefit(*, case, person: Person, unit: Unit | None, kind: str, event_date: date, setting: ItemSetting,
                assessment: Assessment, payee: Payee, actor: str) -> MaternityBenefit:
    """核定 and pay one maternity benefit at 拨付 (inside the case move's transaction).

    The person's row is locked so that two cases for the same birth cannot both pay; the
    payment's reference is the case number, so a retried step pays once."""
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        existing = MaternityBenefit.objects.filter(case_number=case.number).first()
        if existing is not None:
            return existing
        other = already_paid(person, kind, event_date, case_number=case.number)
        if other is not None:
            raise BenefitAlreadyPaid(f"{person.name} {event_date:%Y-%m-%d} 的{BenefitKind(kind).label}已由办件 "
                                     f"{other.case_number} 支付，不能重复支付")
        if assessment.amount <= 0:
            raise MaternityRefused(f"核定金额为 {assessment.amount} 元，没有可支付的{BenefitKind(kind).label}")
        note = BenefitKind(kind).label + ("（支付至单位，由单位转付职工）" if payee.to_unit else "")
        payment = approve_payment(actor=actor, fund=setting.fund, payee=payee.details, amount=assessment.amount,
                                  reference=f"maternity:{case.number}", agency=case.home_agency, case=case,
                                  note=note)
        benefit = MaternityBenefit.objects.create(
            case_number=case.number, person=person, unit=unit, kind=kind, event_date=event_date,
            amount=assessment.amount, leave_days=assessment.leave_days, average_wage=assessment.average_wage,
            explanation=[list(line) for line in assessment.lines], uses_demo_values=bool(assessment.notes),
            paid_to_unit=payee.to_unit, payment=payment, actor=actor)
        record_audit(actor=actor, action="maternity.pay", object_type="maternity.MaternityBenefit",
                     object_id=benefit.pk, after={"case": case.number, "kind": kind, "amount": str(assessment.amount),
                                                  "payee": payee.details.identifier, "fund": setting.fund})
        return benefit


def unit_payee(unit: Unit) -> PayeeDetails:
    if not unit.bank_account:
        raise MaternityRefused(f"{unit.name} 的参保登记没有银行账号，待遇须支付至单位账户，请先办理单位信息变更",
                               code="maternity.unit_bank")
    return PayeeDetails(kind=PayeeKind.UNIT, identifier=unit.uscc, name=unit.name, bank_name=unit.bank_name,
                        account_number=unit.bank_account)


