"""Persons and their insurance periods: the writes every enrollment item shares.

A person never holds two active basic medical insurances at once (险种 310
职工 and 390 城乡居民): ``start_period`` refuses with ``DuplicateInsurance`` and
``resolve_duplicate_insurance`` is the Jincheng guide's 重复参保处理 (choose the
main account, suspend the other). Each write locks the person row first, so two
enrollments of one person at the same moment are serialised.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from yibao.agencies.models import Agency, Region
from yibao.audit.services import record_audit
from yibao.enrollment.models import (
    IdType,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonalAccount,
    Unit,
)
from yibao.enrollment.selectors import person_row
from yibao.enrollment.services.errors import DuplicateInsurance, EnrollmentError, NotInsured
from yibao.transactions import nested_service

BASIC_TYPES = (InsuranceType.EMPLOYEE_BASIC, InsuranceType.RESIDENT_BASIC)
STATUS_LABELS = dict(InsuranceStatus.choices)


def _locked(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def active_periods(person: Person, insurance_type: str | None = None):
    """The person's periods in status 1 (参保), optionally of one 险种."""
    periods = InsurancePeriod.objects.filter(person=person, status=InsuranceStatus.INSURED)
    if insurance_type:
        periods = periods.filter(insurance_type=insurance_type)
    # One person's rows: the model's ordering would join enrollment_person only to sort by its ID number.
    return periods.select_related("unit", "home_agency").order_by("insurance_type", "start_date", "pk")


@nested_service
def ensure_person(*, id_number: str, name: str, sex: str, birth_date: date, region: Region,
                  home_agency: Agency, actor: str, id_type: str = IdType.RESIDENT_ID, phone: str = "",
                  address: str = "", case_number: str = "") -> Person:
    """Find the person by ID number or create the record (人员基本信息)."""
    # Raw row: a merged-away record is refused below rather than silently redirected.
    person = person_row(id_number)
    if person is not None:
        if person.merged_into_id:
            raise EnrollmentError(f"证件号码 {id_number} 的记录已合并至另一记录，请使用保留的记录办理")
        return person
    return create_person(id_number=id_number, name=name, sex=sex, birth_date=birth_date, region=region,
                         home_agency=home_agency, actor=actor, id_type=id_type, phone=phone, address=address,
                         case_number=case_number)


@nested_service
def create_person(*, id_number: str, name: str, sex: str, birth_date: date, region: Region,
                  home_agency: Agency, actor: str, id_type: str = IdType.RESIDENT_ID, phone: str = "",
                  address: str = "", case_number: str = "") -> Person:
    """Create the record (人员基本信息) of an ID number the caller has just found unknown.

    A concurrent creation of the same number fails on the unique index (IntegrityError).
    """
    person = Person.objects.create(id_type=id_type, id_number=id_number, name=name, sex=sex,
                                   birth_date=birth_date, region=region, home_agency=home_agency,
                                   phone=phone, address=address)
    record_audit(actor=actor, action="enrollment.person.create", object_type="Person", object_id=id_number,
                 after={"name": name, "agency": home_agency.code, "case": case_number or None})
    return person


@nested_service
def start_period(*, person: Person, insurance_type: str, category: str, start_date: date,
                 home_agency: Agency, actor: str, unit: Unit | None = None, unit_code: str = "",
                 case_number: str = "", created_here: bool = False) -> InsurancePeriod:
    """Open an insurance period (参保状态 1).

    Refuses a second active period of the same 险种 and, for basic insurance,
    an active period of the other basic 险种 (``DuplicateInsurance``).

    ``created_here``: the caller inserted the person's row in this very transaction
    (``create_person``) and opens its periods itself, one per 险种. No other transaction can see
    the row yet and it holds no period or account but those, so the lock and the checks are
    skipped (seven statements on a new employee's 办结).
    """
    if created_here:
        return _first_period(person=person, insurance_type=insurance_type, category=category,
                             start_date=start_date, home_agency=home_agency, actor=actor, unit=unit,
                             unit_code=unit_code, case_number=case_number)
    person = _locked(person)
    if person.death_date:
        raise EnrollmentError(f"{person.name} 已于 {person.death_date:%Y-%m-%d} 死亡，不能参保")
    same = active_periods(person, insurance_type).first()
    if same is not None:
        where = f"（{same.unit.name}）" if same.unit else ""
        raise EnrollmentError(
            f"{person.name} 已参加{same.get_insurance_type_display()}{where}，参保状态为正常参保，不能重复登记")
    if insurance_type in BASIC_TYPES:
        other_type = next(t for t in BASIC_TYPES if t != insurance_type)
        other = active_periods(person, other_type).first()
        if other is not None:
            raise DuplicateInsurance(
                f"重复参保：{person.name} 正在参加{other.get_insurance_type_display()}（险种 {other_type}），"
                f"不能同时参加{InsuranceType(insurance_type).label}（险种 {insurance_type}）。"
                "请办理重复参保处理：选取主账户，暂停另一险种",
                existing_period_id=other.pk)
    # The person row is locked above: no other transaction opens this account meanwhile.
    return _first_period(person=person, insurance_type=insurance_type, category=category, start_date=start_date,
                         home_agency=home_agency, actor=actor, unit=unit, unit_code=unit_code,
                         case_number=case_number,
                         open_account=insurance_type == InsuranceType.EMPLOYEE_BASIC
                         and not PersonalAccount.objects.filter(person=person).exists())


def _first_period(*, person: Person, insurance_type: str, category: str, start_date: date, home_agency: Agency,
                  actor: str, unit: Unit | None, unit_code: str, case_number: str,
                  open_account: bool = True) -> InsurancePeriod:
    """The writes of ``start_period`` once it is known to be allowed (and whether an account is wanted)."""
    period = InsurancePeriod.objects.create(
        person=person, insurance_type=insurance_type, category=category, status=InsuranceStatus.INSURED,
        unit=unit, unit_code=unit_code, home_agency=home_agency, start_date=start_date,
        started_by_case=case_number)
    if insurance_type == InsuranceType.EMPLOYEE_BASIC and open_account:
        PersonalAccount.objects.create(person=person)
    record_audit(actor=actor, action="enrollment.period.start", object_type="Person", object_id=person.id_number,
                 after={"insurance_type": insurance_type, "category": category, "start": start_date.isoformat(),
                        "unit": unit.uscc if unit else unit_code or None, "case": case_number or None})
    return period


@transaction.atomic
def stop_period(*, period: InsurancePeriod, end_date: date, reason: str, actor: str, case_number: str = "",
                status: str = InsuranceStatus.SUSPENDED) -> InsurancePeriod:
    """Close an active period (停保, 参保状态 2 by default) with its reason."""
    period = InsurancePeriod.objects.select_for_update().select_related("person").get(pk=period.pk)
    if period.status != InsuranceStatus.INSURED:
        raise NotInsured(f"{period.person.name} 的{period.get_insurance_type_display()}当前为"
                         f"「{STATUS_LABELS[period.status]}」，不能停保")
    if end_date < period.start_date:
        raise EnrollmentError(f"字段 停保日期：{end_date:%Y-%m-%d} 早于参保开始日期 {period.start_date:%Y-%m-%d}")
    if not reason.strip():
        raise EnrollmentError("字段 停保原因：必填")
    period.status = status
    period.end_date = end_date
    period.stop_reason = reason.strip()[:100]
    period.stopped_by_case = case_number
    period.save(update_fields=["status", "end_date", "stop_reason", "stopped_by_case"])
    record_audit(actor=actor, action="enrollment.period.stop", object_type="Person",
                 object_id=period.person.id_number,
                 before={"status": InsuranceStatus.INSURED},
                 after={"insurance_type": period.insurance_type, "status": status, "end": end_date.isoformat(),
                        "reason": period.stop_reason, "case": case_number or None})
    return period


@transaction.atomic
def resolve_duplicate_insurance(*, person: Person, keep_type: str, on: date, actor: str,
                                case_number: str = "") -> InsurancePeriod:
    """重复参保处理: keep ``keep_type`` (310 or 390) as the main account and suspend the other."""
    if keep_type not in BASIC_TYPES:
        raise EnrollmentError(f"字段 主账户险种：「{keep_type}」无效，可选 310（职工）或 390（居民）")
    person = _locked(person)
    kept = active_periods(person, keep_type).first()
    if kept is None:
        raise NotInsured(f"{person.name} 没有正常参保的{InsuranceType(keep_type).label}，不能选作主账户")
    other_type = next(t for t in BASIC_TYPES if t != keep_type)
    others = list(active_periods(person, other_type))
    if not others:
        raise EnrollmentError(f"{person.name} 没有重复参保，无需处理")
    for other in others:
        stop_period(period=other, end_date=max(on, other.start_date), actor=actor, case_number=case_number,
                    reason=f"重复参保处理：保留{InsuranceType(keep_type).label}")
    return kept
