"""The refusals of a reimbursement claim, each with the dates or fields it is about.

Called at submission and again at acceptance (the handler's ``check``), so a claim that
became wrong meanwhile (a death recorded, a bill paid elsewhere) is stopped before money moves.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

from django.apps import apps

from yibao.cases.handlers import HandlerRefusal
from yibao.cases.lifecycle import TERMINAL
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
)
from yibao.enrollment.selectors import person_by_id_number
from yibao.reimbursement.fields import (
    INPATIENT_TYPES,
    OUTPATIENT_TYPES,
    ClaimFields,
    med_type_parent,
)
from yibao.reimbursement.item_rules import ItemRule
from yibao.reimbursement.models import AccidentDetermination, AccidentOutcome, Claim, ReimbursedBill
from yibao.settlement.selectors import direct_settlements_of_bills

NOT_COVERING = (InsuranceStatus.NOT_INSURED, InsuranceStatus.INVALID)
CARE_LABELS = {"outpatient": "门诊", "inpatient": "住院"}


def _day(value: date) -> str:
    return f"{value:%Y-%m-%d}"


def insured_person(fields: ClaimFields) -> Person:
    person = person_by_id_number(fields.insured_id_number)
    if person is None:
        raise HandlerRefusal(f"字段 参保人身份证号码：{fields.insured_id_number} 没有参保登记记录")
    if person.name != fields.insured_name:
        raise HandlerRefusal("字段 参保人姓名：与参保登记的姓名不符")
    return person


def _covers(period: InsurancePeriod, day: date) -> bool:
    return (period.status not in NOT_COVERING and period.start_date <= day
            and (period.end_date is None or day <= period.end_date))


def covering_period(person: Person, rule: ItemRule, fields: ClaimFields) -> InsurancePeriod:
    """The insurance period the care falls in, or a refusal naming the dates: care before the
    insurance started, during a suspension (停保), after it ended, or after death."""
    if person.death_date is not None:
        if fields.admission_date > person.death_date:
            raise HandlerRefusal(f"字段 就医开始日期：{_day(fields.admission_date)} 晚于参保人的死亡日期 "
                                 f"{_day(person.death_date)}，死亡后发生的费用不予报销")
        if fields.discharge_date > person.death_date:
            raise HandlerRefusal(f"字段 就医结束日期：{_day(fields.discharge_date)} 晚于参保人的死亡日期 "
                                 f"{_day(person.death_date)}，请核对")
    periods = list(InsurancePeriod.objects.filter(person=person, insurance_type__in=rule.insurance_types)
                   .order_by("start_date", "id"))
    kinds = "或".join(InsuranceType(t).label for t in rule.insurance_types)
    if not periods:
        raise HandlerRefusal(f"{person.name} 没有{kinds}的参保记录，不能办理「{rule.label}」")
    day = fields.admission_date
    while day <= fields.discharge_date:
        if not any(_covers(p, day) for p in periods):
            raise HandlerRefusal(_uncovered(day, periods, kinds))
        day += timedelta(days=1)
    return next(p for p in periods if _covers(p, fields.admission_date))


def _uncovered(day: date, periods: list[InsurancePeriod], kinds: str) -> str:
    valid = [p for p in periods if p.status not in NOT_COVERING]
    if not valid or day < valid[0].start_date:
        started = f"参保开始日期 {_day(valid[0].start_date)}" if valid else "有效参保记录"
        return f"就医日期 {_day(day)} 早于{kinds}的{started}，参保前发生的费用不予报销"
    before = [p for p in valid if p.end_date is not None and p.end_date < day]
    if not before:
        return f"就医日期 {_day(day)} 不在{kinds}的有效参保期间内，不予报销"
    last = before[-1]
    ended: date = last.end_date  # type: ignore[assignment]  # every row of ``before`` has one
    resumed = next((p for p in valid if p.start_date > day), None)
    if last.status == InsuranceStatus.TERMINATED and resumed is None:
        return (f"就医日期 {_day(day)} 在参保终止（{_day(ended)}，{last.stop_reason or '终止参保'}）之后，"
                "不予报销")
    until = f"至 {_day(resumed.start_date - timedelta(days=1))}" if resumed else "起至今"
    return (f"就医日期 {_day(day)} 处于停保期间（{_day(ended + timedelta(days=1))} {until}"
            f"暂停参保{('：' + last.stop_reason) if last.stop_reason else ''}），停保期间发生的费用不予报销")


def check_care_kind(rule: ItemRule, fields: ClaimFields) -> None:
    parent = med_type_parent(fields.med_type)
    allowed = {"outpatient": OUTPATIENT_TYPES, "inpatient": INPATIENT_TYPES,
               "any": OUTPATIENT_TYPES | INPATIENT_TYPES}[rule.care]
    if parent not in allowed:
        raise HandlerRefusal(f"字段 医疗类别：{fields.med_type} 不属于{CARE_LABELS.get(rule.care, '')}费用，"
                             f"「{rule.label}」不能报销")
    if rule.accident_only and not fields.accident:
        raise HandlerRefusal(f"字段 意外伤害：「{rule.label}」只报销意外伤害发生的门诊费用")
    if rule.qualification_required and not (fields.disease_code and fields.chronic_kind):
        raise HandlerRefusal("字段 门诊慢特病病种编码、慢特病类别：慢性病、特药费用报销须填写病种和类别")


def check_minor(person: Person, period: InsurancePeriod, fields: ClaimFields) -> None:
    """未成年人(含大学生): under 18 on the care day, or insured as a 学生.
    """
    day = fields.admission_date
    eighteen = person.birth_date.replace(year=person.birth_date.year + 18) if not (
        person.birth_date.month == 2 and person.birth_date.day == 29) else date(person.birth_date.year + 18, 3, 1)
    if day >= eighteen and period.category != "student":
        raise HandlerRefusal(f"{person.name} 就医时（{_day(day)}）已满18周岁且不是参保大学生，"
                             "不属于未成年人门诊意外伤害报销范围")


def check_arrears_paid(period: InsurancePeriod, fields: ClaimFields) -> None:
    """单位补缴欠费后报销: the unit's contributions for every month of care are paid."""
    if period.unit is None:
        raise HandlerRefusal("就医期间参保人不是单位参保职工，不能办理「单位补缴欠费后报销」")
    months = []
    month = fields.admission_date.replace(day=1)
    while month <= fields.discharge_date:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    unpaid = sorted(set(Contribution.objects.filter(unit=period.unit, month__in=months, paid=False)
                        .values_list("month", flat=True)))
    if unpaid:
        listed = "、".join(f"{m:%Y-%m}" for m in unpaid)
        raise HandlerRefusal(f"参保单位 {period.unit.name} 就医月份 {listed} 的欠费尚未补缴，"
                             "补缴到账后方可办理报销")


QUALIFICATIONS_MISSING = ("慢性病、特药费用报销须核验参保人的门诊慢特病（特药）待遇资格，"
                          "本平台的待遇资格核定尚未开通，暂不能受理，请到经办窗口咨询")


def _qualification_selector():
    """``yibao.qualifications.selectors.holds_qualification``, or None where that domain is not
    installed (looked up when called, so this app works with and without it)."""
    if not apps.is_installed("yibao.qualifications"):
        return None
    return import_module("yibao.qualifications.selectors").holds_qualification


def check_qualification(person: Person, fields: ClaimFields) -> None:
    holds_qualification = _qualification_selector()
    if holds_qualification is None:
        raise HandlerRefusal(QUALIFICATIONS_MISSING)
    for day in {fields.admission_date, fields.discharge_date}:
        if not holds_qualification(person, fields.disease_code, day,
                                   institution_code=fields.institution_code or None):
            raise HandlerRefusal(f"字段 门诊慢特病病种编码：{person.name} 在 {_day(day)} 没有病种 "
                                 f"{fields.disease_code} 的有效{fields.chronic_kind}待遇资格，不能报销")


def check_bills(fields: ClaimFields, *, case_number: str) -> None:
    """The same 收费票据 is never reimbursed twice, nor claimed in two open applications."""
    paid = list(ReimbursedBill.objects.filter(bill_number__in=fields.bill_numbers)
                .values_list("bill_number", "claim__case__number"))
    if paid:
        number, other = paid[0]
        raise HandlerRefusal(f"字段 收费票据号码：票据 {number} 已在办件 {other} 中报销，不能重复报销")
    # Claims are recorded at 受理 with their bills in form_data; an open one still holds the bill.
    open_claims = (Claim.objects.exclude(case__number=case_number)
                   .exclude(case__status__in=TERMINAL)
                   .filter(case__form_data__isnull=False)
                   .values_list("case__number", "case__form_data"))
    for other, data in open_claims.filter(person__id_number=fields.insured_id_number):
        shared = set(fields.bill_numbers) & set((data or {}).get("bill_numbers", []))
        if shared:
            raise HandlerRefusal(f"字段 收费票据号码：票据 {sorted(shared)[0]} 已在办理中的办件 {other} 中申报")
    check_direct_settlements(fields)


def check_direct_settlements(fields: ClaimFields) -> None:
    """A bill already settled directly through an institution's monthly declaration (issue 14) is
    not reimbursed by hand: its 结算编号 is the bill number, or the same institution settled the
    same care days of this person."""
    settled = direct_settlements_of_bills(
        person_id_number=fields.insured_id_number, bill_numbers=fields.bill_numbers,
        institution_code=fields.institution_code, begin_date=fields.admission_date, end_date=fields.discharge_date)
    if not settled:
        return
    row = settled[0]
    bill = row["settlement_id"] if row["settlement_id"] in fields.bill_numbers else fields.bill_numbers[0]
    raise HandlerRefusal(
        f"字段 收费票据号码：票据 {bill} 的费用已由{row['declaration__institution_name']}"
        f"（{row['declaration__institution_code']}）在 {row['declaration__month']:%Y年%m月} 的月度申报中直接结算"
        f"（结算编号 {row['settlement_id']}，就医 {_day(row['begin_date'])} 至 {_day(row['end_date'])}），"
        "不能再手工报销")


def facts_of(fields: ClaimFields) -> set[str]:
    facts = {"inpatient" if fields.is_inpatient else "outpatient"}
    if fields.died:
        facts.add("died")
    if fields.referral == "已办理转诊转院审批" or med_type_parent(fields.med_type) == "23":
        facts.add("referred")
    if not fields.institution_local:
        facts |= {"offsite", "long_term_offsite"}
    if fields.accident:
        facts.add("accident")
    if fields.payee == "代办人":
        facts.add("agent_account")
    if fields.chronic_kind == "门诊慢性病":
        facts.add("chronic")
    if fields.chronic_kind == "特药":
        facts.add("special_drug")
    return facts


def check_situations(rule: ItemRule, fields: ClaimFields, chosen: list[str]) -> None:
    """受理 checks materials by situation: a claim fact the catalog has materials for must come
    with that situation chosen (so the checklist asks for the 死亡证明, the 备案 papers …)."""
    facts = facts_of(fields)
    for fact, situation in rule.situations.items():
        if fact in facts and situation not in chosen:
            raise HandlerRefusal(f"字段 办理情形：本次报销属于「{situation}」，请选择该办理情形并提交相应材料")
    if fields.payee not in rule.payees:
        raise HandlerRefusal(f"字段 拨付对象：「{rule.label}」只能拨付至{'、'.join(rule.payees)}账户")


def check_applicant(case, person: Person, fields: ClaimFields) -> None:
    if case.applicant_kind == "unit":
        latest = (InsurancePeriod.objects.filter(person=person, unit__uscc=case.applicant_id_number).exists())
        if not latest:
            raise HandlerRefusal(f"{person.name} 不是本单位参保职工，单位不能代为申请报销")
        return
    if case.applicant_kind == "person" and case.applicant_id_number != person.id_number and not fields.died \
            and not case.situation.get("proxy"):
        raise HandlerRefusal("个人只能申请本人的医疗费用报销；代他人办理请选择委托代办")
    if fields.payee == "本人" and fields.account_name != person.name:
        raise HandlerRefusal("字段 收款户名：拨付至本人账户时须为参保人本人姓名")


# An accident is determined before (or while) the care it caused; how far back it may lie.
ACCIDENT_LOOKBACK_DAYS = 30


def accident_determination_for(person: Person, fields: ClaimFields):
    """The 符合 意外伤害认定 of this person for an accident on or before the care (≤ 30 days)."""
    from_day = fields.admission_date - timedelta(days=ACCIDENT_LOOKBACK_DAYS)
    return (AccidentDetermination.objects
            .filter(person=person, outcome=AccidentOutcome.ELIGIBLE,
                    accident_date__gte=from_day, accident_date__lte=fields.discharge_date)
            .order_by("-decided_at").first())


def check_accident_determined(person: Person, fields: ClaimFields) -> None:
    if fields.accident and accident_determination_for(person, fields) is None:
        raise HandlerRefusal(
            f"字段 意外伤害：{person.name} 没有 {_day(fields.admission_date - timedelta(days=ACCIDENT_LOOKBACK_DAYS))}"
            f" 至 {_day(fields.discharge_date)} 间「符合」的意外伤害认定；请先办理「参保人员意外伤害费用纳入医保支付"
            "范围认定」（社会保险法第三十条：应由第三人负担的费用不纳入基金支付）")
