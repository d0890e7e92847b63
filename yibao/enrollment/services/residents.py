"""城乡居民 (险种 390): enrollment in the window, newborns, 停保 and 补缴.

When the period starts and what is owed (decided here, used by every handler):

- Window enrollment (集中参保期, RegionPolicy; Taiyuan 9月1日–12月20日) buys the
  **next** calendar year: the 390 period starts on 1 January of the coverage
  year, and a Contribution row records the yearly personal fee owed
  (``policy_for(region).resident_yearly_fee``): month = 1 January of the
  coverage year, base = personal_part = the fee, unit_part 0, unit None,
  paid False (the tax authority's payment report sets it paid; that is not
  this module). A resident who already holds an active 390 period 续保: the
  open-ended period continues and only the next year's row is added.
- Newborns enroll at any time; the period starts on the day of birth and no
  contribution is owed for the birth year (DESIGN.md "Newborns").
- 补缴 pays the current coverage year (``data/resident_rules.yaml``); the period
  starts on the day of registration and the year's fee is owed.

The ``check_*`` functions only read: handlers call them at submission and at
acceptance (the case is not saved yet at submission); the writes call them
again under the person's row lock, so a check that passed cannot be undone by
a concurrent case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import IntegrityError, transaction

from yibao.agencies.models import Agency, Region
from yibao.audit.services import record_audit
from yibao.enrollment.id_documents import validate_id_document
from yibao.enrollment.models import (
    Contribution,
    IdType,
    InsurancePeriod,
    InsuranceType,
    Person,
    PersonCategory,
)
from yibao.enrollment.policies import policy_for, resident_window
from yibao.enrollment.rules_files import ResidentRules, load_rules_file
from yibao.enrollment.selectors import person_row
from yibao.enrollment.services.errors import (
    DuplicateInsurance,
    EnrollmentError,
    InvalidIdDocument,
    NotInsured,
)
from yibao.enrollment.services.periods import (
    active_periods,
    create_person,
    start_period,
    stop_period,
)
from yibao.ids import InvalidIdentifier
from yibao.queries import one_or_none
from yibao.transactions import nested_service

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "resident_rules.yaml"
RESIDENT = InsuranceType.RESIDENT_BASIC
EMPLOYEE = InsuranceType.EMPLOYEE_BASIC
SEX_LABELS = {"1": "男", "2": "女"}
# The 重复参保处理 a resident application may ask for (Jincheng guide: 选取主账户, 暂停另一险种).
KEEP_RESIDENT = "保留居民医保，暂停职工医保"


class ResidentWindowClosed(EnrollmentError):
    pass


class BackpayNotEligible(EnrollmentError):
    pass


@cache
def resident_rules() -> dict:
    """The rules of ``data/resident_rules.yaml`` (read once)."""
    return load_rules_file(RULES_FILE, ResidentRules)


# --- the person an application is for -------------------------------------------------------

@dataclass(frozen=True)
class PersonInput:
    """The person to enroll as the application names them, checked."""

    id_type: str
    id_number: str
    name: str
    sex: str  # "1" / "2"
    birth_date: date
    phone: str = ""
    address: str = ""


def person_input(*, id_type: str, id_number: str, name: str, sex: str = "", birth_date: date | None = None,
                 phone: str = "", address: str = "", today: date | None = None) -> PersonInput:
    """Check the ID document and complete sex / birth date from it.

    Sex and birth date are required when the document does not carry them
    (中国护照, the old 外国人永久居留身份证) and must agree with it when it does.
    """
    try:
        document = validate_id_document(id_type, id_number)
    except InvalidIdentifier as exc:
        raise InvalidIdDocument(f"字段 证件号码：{exc}") from exc
    if not name.strip():
        raise EnrollmentError("字段 姓名：必填")
    if document.sex and sex and sex != document.sex:
        raise EnrollmentError(f"字段 性别：证件号码表明性别为{SEX_LABELS[document.sex]}，与填写的"
                              f"{SEX_LABELS.get(sex, sex)}不符")
    if document.birth_date and birth_date and birth_date != document.birth_date:
        raise EnrollmentError(f"字段 出生日期：证件号码中的出生日期为 {document.birth_date:%Y-%m-%d}，"
                              f"与填写的 {birth_date:%Y-%m-%d} 不符")
    sex = document.sex or sex
    birth_date = document.birth_date or birth_date
    label = IdType(id_type).label
    if not sex:
        raise EnrollmentError(f"字段 性别：{label}号码不含性别，必填")
    if birth_date is None:
        raise EnrollmentError(f"字段 出生日期：{label}号码不含出生日期，必填")
    if today is not None and birth_date > today:
        raise EnrollmentError(f"字段 出生日期：{birth_date:%Y-%m-%d} 晚于今天")
    return PersonInput(id_type=id_type, id_number=document.number, name=name.strip(), sex=sex,
                       birth_date=birth_date, phone=phone, address=address)


def existing_person(data: PersonInput) -> Person | None:
    """The record under the ID number, refused if merged away or under another name."""
    # Raw row: a merged-away record is refused (see the docstring), not redirected.
    person = person_row(data.id_number)
    if person is None:
        return None
    if person.merged_into_id:
        raise EnrollmentError(f"证件号码 {data.id_number} 的记录已合并至另一记录，请使用保留的记录办理")
    if person.name != data.name:
        raise EnrollmentError(f"字段 姓名：证件号码 {data.id_number} 的参保记录姓名为「{person.name}」，"
                              f"与填写的「{data.name}」不符；如姓名已变更，请先办理参保信息变更登记")
    return person


def _new_person(*, data: PersonInput, region: Region, home_agency: Agency, actor: str, case_number: str) -> Person:
    """The record of a person the check found unknown (under the caller's lock on the number)."""
    try:
        return create_person(id_number=data.id_number, id_type=data.id_type, name=data.name, sex=data.sex,
                             birth_date=data.birth_date, region=region, home_agency=home_agency, actor=actor,
                             phone=data.phone, address=data.address, case_number=case_number)
    except IntegrityError as exc:  # a concurrent application created the record first
        raise EnrollmentError(f"证件号码 {data.id_number} 的参保记录正在由另一办件登记，请刷新后重试") from exc


def _fee(region: Region) -> Decimal:
    return policy_for(region).resident_yearly_fee


def _owe(*, person: Person, year: int, fee: Decimal, actor: str, case_number: str,
         created_here: bool = False) -> Contribution:
    """Record the yearly personal contribution owed for ``year`` (see the module docstring);
    ``created_here``: the person was created by this transaction and owes nothing yet."""
    month = date(year, 1, 1)
    if not created_here and Contribution.objects.filter(person=person, insurance_type=RESIDENT, month=month).exists():
        raise EnrollmentError(f"{person.name} 已登记 {year} 年度城乡居民医保缴费，不能重复登记")
    row = Contribution.objects.create(person=person, unit=None, month=month, insurance_type=RESIDENT,
                                      base=fee, unit_part=Decimal("0.00"), personal_part=fee, paid=False,
                                      case_number=case_number)
    record_audit(actor=actor, action="enrollment.contribution.owe", object_type="Person",
                 object_id=person.id_number,
                 after={"insurance_type": RESIDENT.value, "year": year, "personal_part": str(fee),
                        "case": case_number or None})
    return row


def _duplicate_message(person: Person, other: InsurancePeriod) -> str:
    where = f"（{other.unit.name}）" if other.unit else ""
    return (f"重复参保：{person.name} 正在参加职工基本医疗保险（险种 310）{where}，不能同时参加城乡居民基本医疗保险"
            f"（险种 390）。请办理重复参保处理：如保留居民医保，在「重复参保处理」中选择「{KEEP_RESIDENT}」")


# --- enrollment in the window ----------------------------------------------------------------

def coverage_year(region: Region, day: date) -> int:
    """The year a window enrollment on ``day`` buys; refused outside the window."""
    start, end = resident_window(region, day.year)
    if not start <= day <= end:
        raise ResidentWindowClosed(
            f"城乡居民集中参保期为每年{start.month}月{start.day}日至{end.month}月{end.day}日，"
            f"今天（{day:%Y-%m-%d}）不在参保期内")
    return day.year + 1


@dataclass(frozen=True)
class EnrollmentPlan:
    person: Person | None  # None: a new record
    renewal: bool  # an active 390 period continues
    coverage_year: int
    employee_period: InsurancePeriod | None  # the 310 period the 重复参保处理 stops


def check_resident_enrollment(*, region: Region, data: PersonInput, day: date, duplicate_resolution: str = "",
                              situations: list[str] | tuple[str, ...] = ()) -> EnrollmentPlan:
    """Everything a window enrollment needs, without writing: the window, the
    record, 续保 or 新参保, and duplicate insurance (310)."""
    year = coverage_year(region, day)
    rules = resident_rules()["enrollment"]
    person = existing_person(data)
    if person is not None and person.death_date:
        raise EnrollmentError(f"{person.name} 已于 {person.death_date:%Y-%m-%d} 死亡，不能参保")
    resident = active_periods(person, RESIDENT).first() if person else None
    if any(s in rules["renewal_situations"] for s in situations):
        if person is None or not InsurancePeriod.objects.filter(person=person, insurance_type=RESIDENT).exists():
            raise EnrollmentError(f"办理情形：未找到 {data.name}（{data.id_number}）的城乡居民参保记录，"
                                  "不能按续保办理，请选择「新参保人员」")
    if any(s in rules["new_situations"] for s in situations) and resident is not None:
        raise EnrollmentError(f"办理情形：{data.name} 已参加城乡居民医保（参保状态正常），请选择「续保人员」")
    if resident is not None and Contribution.objects.filter(
            person=person, insurance_type=RESIDENT, month=date(year, 1, 1)).exists():
        raise EnrollmentError(f"{data.name} 已登记 {year} 年度城乡居民医保缴费，不能重复登记")
    employee = active_periods(person, EMPLOYEE).first() if person else None
    if employee is not None and duplicate_resolution != KEEP_RESIDENT:
        raise DuplicateInsurance(_duplicate_message(person, employee), existing_period_id=employee.pk)
    return EnrollmentPlan(person=person, renewal=resident is not None, coverage_year=year,
                          employee_period=employee)


@nested_service
def enroll_resident(*, region: Region, home_agency: Agency, data: PersonInput, category: str, day: date,
                    actor: str, duplicate_resolution: str = "", situations: list[str] | tuple[str, ...] = (),
                    case_number: str = "") -> tuple[Person, InsurancePeriod, Contribution]:
    """城乡居民参保登记 in the window: open (or continue) the 390 period for the
    coverage year and record the year's personal contribution owed.

    With ``duplicate_resolution == KEEP_RESIDENT`` an active 310 period is
    stopped the day before the coverage year starts (重复参保处理).
    """
    if category not in (PersonCategory.RESIDENT, PersonCategory.STUDENT):
        raise EnrollmentError(f"字段 人员类别：「{category}」不是城乡居民的人员类别")
    if data.id_number:
        # Serialise two enrollments of one existing person (the check below reads its periods).
        one_or_none(Person.objects.select_for_update().filter(id_number=data.id_number))
    plan = check_resident_enrollment(region=region, data=data, day=day,
                                     duplicate_resolution=duplicate_resolution, situations=situations)
    start = date(plan.coverage_year, 1, 1)
    created = plan.person is None
    person = plan.person or _new_person(
        data=data, region=region, home_agency=home_agency, actor=actor, case_number=case_number)
    if plan.employee_period is not None:
        employee = plan.employee_period
        stop_period(period=employee, end_date=max(start - timedelta(days=1), employee.start_date), actor=actor,
                    case_number=case_number, reason=f"重复参保处理：{KEEP_RESIDENT}")
    if plan.renewal:
        period = active_periods(person, RESIDENT).first()
    else:
        period = start_period(person=person, insurance_type=RESIDENT, category=category, start_date=start,
                              home_agency=home_agency, actor=actor, case_number=case_number, created_here=created)
    owed = _owe(person=person, year=plan.coverage_year, fee=_fee(region), actor=actor, case_number=case_number,
                created_here=created)
    return person, period, owed


# --- newborns ---------------------------------------------------------------------------------

def check_newborn(*, region: Region, data: PersonInput, day: date) -> Person | None:
    """新生儿参保登记: any day of the year, for a child of the region's 户籍 (see the rules file)."""
    rules = resident_rules()["newborn"]
    if data.birth_date > day:
        raise EnrollmentError(f"字段 出生日期：{data.birth_date:%Y-%m-%d} 晚于今天")
    age = (day - data.birth_date).days
    if age > rules["max_age_days"]:
        raise EnrollmentError(
            f"新生儿参保登记限出生 {rules['max_age_days']} 日内办理：{data.name} 出生于 {data.birth_date:%Y-%m-%d}，"
            f"已满 {age} 日，请在城乡居民集中参保期内办理参保登记")
    if rules["require_local_id_prefix"] and data.id_number[:4] != region.code[:4]:
        raise EnrollmentError(f"字段 证件号码：新生儿参保登记限{region.name}户籍，证件号码 {data.id_number} "
                              f"不是{region.name}（{region.code[:4]}）签发的公民身份号码")
    person = existing_person(data)
    if person is not None and active_periods(person).filter(
            insurance_type__in=(RESIDENT, EMPLOYEE)).exists():
        raise EnrollmentError(f"{data.name} 已参加基本医疗保险，不能重复登记")
    return person


@transaction.atomic
def enroll_newborn(*, region: Region, home_agency: Agency, data: PersonInput, day: date, actor: str,
                   case_number: str = "") -> tuple[Person, InsurancePeriod]:
    """城乡居民参保登记(新生儿): the 390 period starts on the day of birth; nothing is owed for the birth year."""
    Person.objects.select_for_update().filter(id_number=data.id_number).first()
    person = check_newborn(region=region, data=data, day=day) or _new_person(
        data=data, region=region, home_agency=home_agency, actor=actor, case_number=case_number)
    period = start_period(person=person, insurance_type=RESIDENT, category=PersonCategory.NEWBORN,
                          start_date=data.birth_date, home_agency=home_agency, actor=actor, case_number=case_number)
    return person, period


# --- 停保 -------------------------------------------------------------------------------------

def suspension_status(reason: str) -> str:
    """The 参保状态 a 停保 reason leads to (rules file)."""
    reasons = resident_rules()["suspension"]["reasons"]
    if reason not in reasons:
        raise EnrollmentError(f"字段 停保原因：「{reason}」无效，可选：{'、'.join(reasons)}")
    return str(reasons[reason])


def check_suspension(*, person: Person, reason: str) -> InsurancePeriod:
    """The active 390 period 停保 would stop."""
    suspension_status(reason)
    if person.merged_into_id:
        raise EnrollmentError(f"证件号码 {person.id_number} 的记录已合并至另一记录，请使用保留的记录办理")
    period = active_periods(person, RESIDENT).first()
    if period is None:
        raise NotInsured(f"{person.name} 没有正常参保的城乡居民基本医疗保险，不能停保")
    return period


@transaction.atomic
def suspend_resident(*, person: Person, on: date, reason: str, actor: str, note: str = "",
                     status: str | None = None, case_number: str = "") -> InsurancePeriod:
    """城乡居民参保登记(停保): stop the active 390 period on ``on`` with its reason.

    The reason decides 暂停 (2) or 终止 (4) (rules file) unless ``status`` is
    given (Changzhi's 表3 业务类型 终止).

    A period that had not begun yet (enrolled for next year) ends on its start
    day; fees owed for years after the stop and not yet paid are cancelled.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    period = check_suspension(person=person, reason=reason)
    end = max(on, period.start_date)
    text = f"{reason}：{note.strip()}" if note.strip() else reason
    period = stop_period(period=period, end_date=end, reason=text, actor=actor, case_number=case_number,
                         status=status or suspension_status(reason))
    unpaid = Contribution.objects.filter(person=person, insurance_type=RESIDENT, paid=False, month__gt=end)
    cancelled = [f"{row.month:%Y}" for row in unpaid]
    if cancelled:
        unpaid.delete()
        record_audit(actor=actor, action="enrollment.contribution.cancel", object_type="Person",
                     object_id=person.id_number, before={"years": cancelled},
                     after={"reason": "停保后不再应缴", "case": case_number or None})
    return period


# --- 补缴 -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackpayRequest:
    situation: str
    previous_region_code: str  # 上年度参保地 administrative division code
    previous_insurance_type: str  # "390" / "310"
    year: int | None = None  # 补缴年度; None: the current year
    household_moved_on: date | None = None  # 户口迁入日期 (户口迁至本市)
    residence_permit_number: str = ""  # 居住证号码 (户籍在异地)


def _backpay_rule(situation: str) -> dict:
    rules = resident_rules()["backpay"]
    rule = rules["situations"].get(situation)
    if rule is None:
        raise BackpayNotEligible(f"办理情形：请选择补缴情形：{'、'.join(rules['situations'])}")
    return rule


def check_backpay(*, region: Region, data: PersonInput, request: BackpayRequest, day: date) -> tuple[Person | None, int]:
    """The 补缴 eligibility rule (rules file, Taiyuan guide 3.(4)); returns the record and the year paid."""
    rules = resident_rules()["backpay"]
    rule = _backpay_rule(request.situation)
    year = request.year or day.year
    allowed = [day.year + offset for offset in rules["payable_year_offsets"]]
    if year not in allowed:
        raise BackpayNotEligible(f"字段 补缴年度：补缴限 {'、'.join(map(str, allowed))} 年度（补缴规则：只补缴当年度），"
                                 f"不能补缴 {year} 年度")
    code = request.previous_region_code.strip()
    if len(code) != 6 or not code.isdigit():
        raise BackpayNotEligible("字段 上年度参保地区划代码：应为 6 位行政区划代码")
    if not code.startswith(rules["province_prefix"]):
        raise BackpayNotEligible(f"补缴规则：上年度须在山西省内参保，上年度参保地 {code} 不在省内")
    previous = rules["previous_insurance"].get(request.previous_insurance_type)
    if previous is None:
        raise BackpayNotEligible("补缴规则：上年度须参加省内城乡居民医保（390）或职工医保（310），"
                                 f"「{request.previous_insurance_type}」不符合")
    if previous["other_region_only"] and code[:4] == region.code[:4]:
        raise BackpayNotEligible(f"补缴规则：上年度参加的须为省内异地城乡居民医保；上年度在{region.name}参加城乡居民医保的，"
                                 "应在集中参保期内续保")
    if rule["proof"] == "household_moved":
        moved = request.household_moved_on
        if moved is None:
            raise BackpayNotEligible("字段 户口迁入日期：户口迁至本市的补缴人员必填")
        if moved > day:
            raise BackpayNotEligible(f"字段 户口迁入日期：{moved:%Y-%m-%d} 晚于今天")
        limit = rule["max_days_after_move_in"]
        if (day - moved).days > limit:
            raise BackpayNotEligible(f"补缴规则：户口迁至本市的，须在迁入后 {limit} 日内办理补缴；户口于 {moved:%Y-%m-%d} "
                                     f"迁入，已超过 {limit} 日")
    elif rule["proof"] == "residence_permit":
        try:
            validate_id_document(IdType.RESIDENCE_PERMIT, request.residence_permit_number)
        except InvalidIdentifier as exc:
            raise BackpayNotEligible(f"字段 居住证号码：户籍在异地的补缴人员须持本市居住证：{exc}") from exc
    person = existing_person(data)
    if person is not None:
        if active_periods(person, RESIDENT).exists():
            raise BackpayNotEligible(f"{data.name} 已参加本市城乡居民医保（参保状态正常），无需补缴")
        if Contribution.objects.filter(person=person, insurance_type=RESIDENT, month=date(year, 1, 1)).exists():
            raise BackpayNotEligible(f"{data.name} 已有 {year} 年度城乡居民医保缴费记录，不能重复补缴")
        employee = active_periods(person, EMPLOYEE).first()
        if employee is not None:
            raise DuplicateInsurance(_duplicate_message(person, employee), existing_period_id=employee.pk)
    return person, year


@transaction.atomic
def backpay_resident(*, region: Region, home_agency: Agency, data: PersonInput, request: BackpayRequest,
                     day: date, actor: str, case_number: str = "") -> tuple[Person, InsurancePeriod, Contribution]:
    """城乡居民参保登记(补缴): enroll from the day of registration and owe the year's fee."""
    Person.objects.select_for_update().filter(id_number=data.id_number).first()
    person, year = check_backpay(region=region, data=data, request=request, day=day)
    person = person or _new_person(
        data=data, region=region, home_agency=home_agency, actor=actor, case_number=case_number)
    period = start_period(person=person, insurance_type=RESIDENT, category=PersonCategory.RESIDENT,
                          start_date=max(day, date(year, 1, 1)), home_agency=home_agency, actor=actor,
                          case_number=case_number)
    owed = _owe(person=person, year=year, fee=_fee(region), actor=actor, case_number=case_number)
    record_audit(actor=actor, action="enrollment.resident.backpay", object_type="Person", object_id=person.id_number,
                 after={"situation": request.situation, "year": year, "previous_region": request.previous_region_code,
                        "previous_insurance_type": request.previous_insurance_type, "case": case_number or None})
    return person, period, owed


__all__ = [
    "KEEP_RESIDENT", "BackpayNotEligible", "BackpayRequest", "EnrollmentPlan", "PersonInput",
    "ResidentWindowClosed", "backpay_resident", "check_backpay", "check_newborn", "check_resident_enrollment",
    "check_suspension", "coverage_year", "enroll_newborn", "enroll_resident", "existing_person", "person_input",
    "resident_rules", "suspend_resident", "suspension_status",
]
