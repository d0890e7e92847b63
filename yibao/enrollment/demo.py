"""Demo enrollment data for ``yibao demo``: something to look up right after installing.

- the demo unit (the demo unit login's USCC) registered as a 参保单位 in Taiyuan;
- 王建国 (Taiyuan, 小店区), an employee of that unit: 职工医保 (310) since 2015,
  monthly contributions for the 12 months up to the current one and a personal
  account whose balance is the sum of its movements;
- 李晓梅 (Jincheng, 泽州县), a 城乡居民 (390) with her yearly contributions for
  last year and this year;

Dates are relative to the day the demo is loaded, so that "最近12个月" is never
empty for the demo logins.
- a small synthetic city per region (``yibao.enrollment.synthetic``), so that
  lookups, lists and the benchmarks have data.

The two persons are the demo person logins of ``yibao.accounts`` (same ID
numbers). Every step is idempotent: running ``yibao demo`` again adds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from yibao import clock
from yibao.agencies.models import Agency, Region
from yibao.audit.services import record_audit
from yibao.ids import validate_resident_id

from .models import (
    Contribution,
    InsuranceStatus,
    InsuranceType,
    MovementKind,
    Person,
    PersonalAccount,
    PersonCategory,
    Unit,
    UnitType,
)
from .policies import policy_for
from .services.accounts import post_movement
from .services.periods import ensure_person, start_period
from .services.units import register_unit
from .synthetic import contribution_months, generate_city

CENT = Decimal("0.01")
DEMO_CITY_PERSONS = 300
DEMO_CITY_UNITS = 20

# The demo unit and persons: the identifiers are those of the demo logins
# (yibao.accounts.services.DEMO_PERSONS / DEMO_UNITS); the rest is made up.
DEMO_UNIT = {
    "uscc": "91140105MA0K123457", "name": "太原示例科技有限公司", "agency": "140105",
    "unit_type": UnitType.ENTERPRISE, "registered_on": datetime.date(2015, 3, 1),
    "insurance_types": [InsuranceType.EMPLOYEE_BASIC.value, InsuranceType.MATERNITY.value],
    "address": "太原市小店区长治路 100 号", "legal_representative": "赵志远",
    "contact_name": "孙丽", "contact_phone": "03517000001",
}
DEMO_EMPLOYEE = {
    "id_number": "140105198503122515", "name": "王建国", "phone": "13800000001", "agency": "140105",
    "address": "太原市小店区亲贤街 8 号", "start": datetime.date(2015, 3, 1), "base": Decimal("8000.00"),
    # Paid into the personal account each month (a demo assumption, not a city's rule),
    # and one pharmacy purchase paid from it.
    "opening_balance": Decimal("1850.40"), "expense": Decimal("126.50"),
}
DEMO_RESIDENT = {
    "id_number": "140525199207082426", "name": "李晓梅", "phone": "13800000002", "agency": "140525",
    "address": "晋城市泽州县金村镇府城村", "start": datetime.date(2019, 1, 1),
    "years_back": (1, 0),  # last year's and this year's yearly contribution
}
RESERVED = frozenset({DEMO_UNIT["uscc"], DEMO_EMPLOYEE["id_number"], DEMO_RESIDENT["id_number"]})


@dataclass
class DemoEnrollment:
    """What the loader did, for the demo command's output."""

    lines: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return "\n".join(self.lines)


def _agency(code: str) -> Agency | None:
    return Agency.objects.select_related("region").filter(code=code).first()


def _person(entry: dict, agency: Agency, actor: str) -> Person:
    rid = validate_resident_id(entry["id_number"])
    return ensure_person(id_number=rid.number, name=entry["name"], sex="1" if rid.sex == "男" else "2",
                         birth_date=rid.birth_date, region=agency.region, home_agency=agency, actor=actor,
                         phone=entry["phone"], address=entry["address"])


def _ensure_period(person: Person, *, insurance_type: str, category: str, start: datetime.date,
                   agency: Agency, actor: str, unit: Unit | None = None) -> None:
    if not person.periods.filter(insurance_type=insurance_type, status=InsuranceStatus.INSURED).exists():
        start_period(person=person, insurance_type=insurance_type, category=category, start_date=start,
                     home_agency=agency, actor=actor, unit=unit)


def _ensure_contributions(person: Person, rows: list[dict], actor: str) -> int:
    """Create the rows whose month is missing; return how many were created."""
    have = set(person.contributions.values_list("insurance_type", "month"))
    new = [Contribution(person=person, **row) for row in rows if (row["insurance_type"], row["month"]) not in have]
    Contribution.objects.bulk_create(new)
    if new:
        record_audit(actor=actor, action="enrollment.contribution.demo", object_type="Person",
                     object_id=person.id_number,
                     after={"months": [f"{row.month:%Y-%m}" for row in new], "insurance_type": new[0].insurance_type})
    return len(new)


def _load_employee(actor: str, result: DemoEnrollment, today: datetime.date) -> None:
    agency = _agency(DEMO_UNIT["agency"])
    if agency is None:
        result.lines.append(f"  跳过示例单位和职工：缺少经办机构 {DEMO_UNIT['agency']}（先载入经办机构）")
        return
    unit = Unit.objects.filter(uscc=DEMO_UNIT["uscc"]).first()
    if unit is None:
        values = {k: v for k, v in DEMO_UNIT.items() if k != "agency"}
        unit = register_unit(home_agency=agency, actor=actor, **values)
    person = _person(DEMO_EMPLOYEE, agency, actor)
    employee = InsuranceType.EMPLOYEE_BASIC.value
    _ensure_period(person, insurance_type=employee, category=PersonCategory.EMPLOYED, unit=unit,
                   start=DEMO_EMPLOYEE["start"], agency=agency, actor=actor)
    policy = policy_for(agency.region)
    base = DEMO_EMPLOYEE["base"]
    unit_part, personal_part = (base * policy.unit_rate).quantize(CENT), (base * policy.personal_rate).quantize(CENT)
    months = contribution_months(today)
    _ensure_contributions(person, [
        {"unit": unit, "month": month, "insurance_type": employee, "base": base, "unit_part": unit_part,
         "personal_part": personal_part, "paid": True} for month in months], actor)
    account, _ = PersonalAccount.objects.get_or_create(person=person)
    # References make every movement idempotent (post_movement returns the first one on a rerun).
    prefix = f"DEMO-{person.id_number}"
    post_movement(account=account, kind=MovementKind.ADJUSTMENT, amount=DEMO_EMPLOYEE["opening_balance"],
                  reference=f"{prefix}-opening", actor=actor, note="上年结转余额（演示数据）")
    for month in months:
        post_movement(account=account, kind=MovementKind.CONTRIBUTION, amount=personal_part,
                      reference=f"{prefix}-{month:%Y%m}", actor=actor, note=f"{month:%Y年%m月}个人缴费划入")
    post_movement(account=account, kind=MovementKind.EXPENSE, amount=-DEMO_EMPLOYEE["expense"],
                  reference=f"{prefix}-pharmacy", actor=actor, note="定点药店购药")
    account.refresh_from_db(fields=["balance"])
    result.lines.append(f"  {person.name}（{agency.region.name}，{unit.name} 职工）：职工医保，"
                        f"{len(months)} 个月缴费，个人账户余额 {account.balance} 元")


def _load_resident(actor: str, result: DemoEnrollment, today: datetime.date) -> None:
    agency = _agency(DEMO_RESIDENT["agency"])
    if agency is None:
        result.lines.append(f"  跳过示例居民：缺少经办机构 {DEMO_RESIDENT['agency']}（先载入经办机构）")
        return
    person = _person(DEMO_RESIDENT, agency, actor)
    resident = InsuranceType.RESIDENT_BASIC.value
    _ensure_period(person, insurance_type=resident, category=PersonCategory.RESIDENT,
                   start=DEMO_RESIDENT["start"], agency=agency, actor=actor)
    fee = policy_for(agency.region).resident_yearly_fee
    # A resident pays once a year; the row's month is January of the year paid for.
    years = [today.year - back for back in DEMO_RESIDENT["years_back"]]
    _ensure_contributions(person, [
        {"unit": None, "month": datetime.date(year, 1, 1), "insurance_type": resident, "base": fee,
         "unit_part": Decimal("0.00"), "personal_part": fee, "paid": True} for year in years],
        actor)
    result.lines.append(f"  {person.name}（{agency.region.name}）：城乡居民医保，"
                        f"{len(years)} 个年度缴费，每年 {fee} 元")


def _load_cities(persons: int, units: int, seed: int, actor: str, result: DemoEnrollment,
                 today: datetime.date) -> None:
    for region in Region.objects.order_by("code"):
        if not region.agencies.filter(is_active=True).exists():
            continue
        existing = Person.objects.filter(region=region).count()
        if existing:
            result.lines.append(f"  {region.name}：已有参保人员 {existing} 人，不再生成模拟数据")
            continue
        city = generate_city(region=region, persons=persons, units=units, seed=seed,
                             reserved_numbers=RESERVED, actor=actor, today=today)
        result.lines.append(f"  {region.name}：模拟参保人员 {city.persons} 人、参保单位 {city.units} 家、"
                            f"缴费记录 {city.contributions} 条")


@transaction.atomic
def load_demo_enrollment(*, actor: str, city_persons: int = DEMO_CITY_PERSONS, city_units: int = DEMO_CITY_UNITS,
                         seed: int = 1, today: datetime.date | None = None) -> DemoEnrollment:
    """Load the demo unit, the two demo persons and a small synthetic city per region; idempotent.

    The cities come first: the generator only fills a region without persons,
    and it leaves out the demo persons' ID numbers and the demo unit's USCC.
    """
    today = today or clock.today()
    result = DemoEnrollment(lines=["参保数据（演示）："])
    if city_persons > 0:
        _load_cities(city_persons, max(city_units, 1), seed, actor, result, today)
    _load_employee(actor, result, today)
    _load_resident(actor, result, today)
    return result
