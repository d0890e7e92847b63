"""`yibao demo`'s enrollment data: the demo unit and persons, a small city per region, idempotent."""

import datetime
from decimal import Decimal

import pytest

from yibao.accounts.services import DEMO_PERSONS, DEMO_UNITS, load_demo_accounts
from yibao.agencies.services import load_demo_agencies
from yibao.enrollment.demo import DEMO_EMPLOYEE, DEMO_RESIDENT, DEMO_UNIT, load_demo_enrollment
from yibao.enrollment.models import (
    AccountMovement,
    Contribution,
    InsurancePeriod,
    Person,
    PersonalAccount,
    Unit,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 4)


@pytest.fixture
def agencies(catalog):
    return load_demo_agencies(actor="test")


def counts():
    return {model.__name__: model.objects.count()
            for model in (Unit, Person, InsurancePeriod, Contribution, PersonalAccount, AccountMovement)}


def test_the_demo_persons_and_unit_are_the_demo_logins():
    assert {p["id_number"] for p in DEMO_PERSONS} == {DEMO_EMPLOYEE["id_number"], DEMO_RESIDENT["id_number"]}
    assert [u["uscc"] for u in DEMO_UNITS] == [DEMO_UNIT["uscc"]]


def test_the_demo_employee_has_a_unit_twelve_paid_months_and_an_account(agencies):
    load_demo_enrollment(actor="demo", city_persons=20, city_units=2, today=DAY)

    unit = Unit.objects.get(uscc="91140105MA0K123457")
    assert (unit.name, unit.region.slug, unit.home_agency.code) == ("太原示例科技有限公司", "taiyuan", "140105")
    wang = Person.objects.get(id_number="140105198503122515")
    assert (wang.name, wang.sex, str(wang.birth_date), wang.region.slug) == ("王建国", "1", "1985-03-12", "taiyuan")
    period = wang.periods.get()
    assert (period.insurance_type, period.status, period.category, period.unit) == ("310", "1", "employed", unit)
    rows = list(wang.contributions.order_by("month"))
    assert [row.month.month for row in rows] == list(range(1, 13))
    assert {(row.base, row.unit_part, row.personal_part, row.paid, row.unit_id) for row in rows} == {
        (Decimal("8000.00"), Decimal("640.00"), Decimal("160.00"), True, unit.pk)}
    account = wang.account
    movements = list(account.movements.order_by("id"))
    assert account.balance == Decimal("3643.90") == sum(m.amount for m in movements)
    assert movements[-1].balance_after == account.balance and len(movements) == 14


def test_the_demo_resident_has_a_resident_period_and_yearly_contributions(agencies):
    load_demo_enrollment(actor="demo", city_persons=20, city_units=2, today=DAY)

    li = Person.objects.get(id_number="140525199207082426")
    assert (li.name, li.sex, li.region.slug, li.home_agency.code) == ("李晓梅", "2", "jincheng", "140525")
    assert [(p.insurance_type, p.category, p.unit_id) for p in li.periods.all()] == [("390", "resident", None)]
    assert [(c.month.isoformat(), c.personal_part) for c in li.contributions.order_by("month")] == [
        ("2025-01-01", Decimal("380.00")), ("2026-01-01", Decimal("380.00"))]
    assert not PersonalAccount.objects.filter(person=li).exists()


def test_every_region_gets_a_small_synthetic_city(agencies):
    result = load_demo_enrollment(actor="demo", city_persons=20, city_units=2)

    for slug in ("taiyuan", "changzhi", "jincheng"):
        synthetic = Person.objects.filter(region__slug=slug).exclude(
            id_number__in=[DEMO_EMPLOYEE["id_number"], DEMO_RESIDENT["id_number"]])
        assert synthetic.count() == 20
    assert "太原市：模拟参保人员 20 人、参保单位 2 家" in result.describe()
    assert "个人账户余额 3643.90 元" in result.describe()


def test_running_the_demo_twice_adds_nothing(agencies):
    load_demo_enrollment(actor="demo", city_persons=20, city_units=2)
    first = counts()

    again = load_demo_enrollment(actor="demo", city_persons=20, city_units=2)

    assert counts() == first
    assert "太原市：已有参保人员 21 人，不再生成模拟数据" in again.describe()
    assert PersonalAccount.objects.get(person__id_number="140105198503122515").balance == Decimal("3643.90")


def test_without_agencies_the_demo_records_are_skipped_with_a_reason(catalog):
    result = load_demo_enrollment(actor="demo", city_persons=20, city_units=2)

    assert counts() == dict.fromkeys(counts(), 0)
    assert "跳过示例单位和职工：缺少经办机构 140105" in result.describe()
    assert "跳过示例居民：缺少经办机构 140525" in result.describe()


def test_the_demo_command_loads_the_enrollment_data_after_the_rest(catalog, transactional_db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo", stdout=out)

    assert Person.objects.filter(id_number="140105198503122515").exists()
    assert "参保数据（演示）" in out.getvalue() and "演示账号" in out.getvalue()

def test_the_demo_contributions_are_the_twelve_months_up_to_the_day_it_is_loaded(agencies):
    load_demo_enrollment(actor="demo", city_persons=20, city_units=2, today=datetime.date(2027, 3, 15))

    wang = Person.objects.get(id_number=DEMO_EMPLOYEE["id_number"])
    months = [row.month for row in wang.contributions.order_by("month")]
    assert months[0] == datetime.date(2026, 4, 1) and months[-1] == datetime.date(2027, 3, 1)
    li = Person.objects.get(id_number=DEMO_RESIDENT["id_number"])
    assert [c.month.year for c in li.contributions.order_by("month")] == [2026, 2027]
    synthetic = Contribution.objects.exclude(person=wang).exclude(person=li)
    assert {c.month for c in synthetic} <= set(months) and synthetic.exists()


def test_the_hall_shows_twelve_recent_months_for_the_demo_person_and_unit(agencies, client):
    load_demo_accounts(actor="demo")
    load_demo_enrollment(actor="demo", city_persons=20, city_units=2)

    client.login(username="p:" + DEMO_EMPLOYEE["id_number"], password="yibao-demo-2026")
    page = client.get("/hall/my/insurance/").content.decode()
    assert "最近12个月无缴费记录" not in page
    assert page.count("职工基本医疗保险") >= 12
    client.logout()
    client.login(username="u:" + DEMO_UNIT["uscc"], password="yibao-demo-2026")
    page = client.get("/hall/my/unit/").content.decode()
    assert "最近12个月无缴费记录" not in page
