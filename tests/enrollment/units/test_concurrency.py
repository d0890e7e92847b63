"""Two cases acting on one record at the same moment: exactly one succeeds.

Real threads and real transactions; on PostgreSQL the two transactions truly
overlap and the row locks (unit, person) or the unique ID number decide.
"""

import datetime

import pytest

from tests.concurrency import race
from tests.enrollment.units.conftest import row
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus, Person, Unit, UnitStatus
from yibao.enrollment.services.employees import enroll_employees, suspend_employees
from yibao.enrollment.services.units import cancel_unit
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db(transaction=True)
ON = datetime.date(2026, 3, 16)



def test_two_units_enrolling_the_same_new_person_cannot_both_succeed(units):
    number = make_resident_id("14010519900315202")
    outcomes = race(
        lambda: enroll_employees(unit=units["coal"], rows=[row(number, "刘芳")], actor="a"),
        lambda: enroll_employees(unit=units["machinery"], rows=[row(number, "刘芳")], actor="b"),
    )
    assert outcomes.count("ok") == 1, outcomes
    person = Person.objects.get(id_number=number)
    assert InsurancePeriod.objects.filter(person=person, insurance_type="310", status=InsuranceStatus.INSURED).count() == 1


def test_two_cancellations_of_one_unit_cannot_both_succeed(units):
    unit = units["jincheng"]
    outcomes = race(
        lambda: cancel_unit(unit=Unit.objects.get(pk=unit.pk), on=ON, actor="a"),
        lambda: cancel_unit(unit=Unit.objects.get(pk=unit.pk), on=ON, actor="b"),
    )
    assert outcomes.count("ok") == 1, outcomes
    assert "不能注销" in str(next(o for o in outcomes if o != "ok"))
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.CANCELLED


def test_two_suspensions_of_one_employee_cannot_both_succeed(units, make_person):
    worker = make_person(at=units["coal"])
    outcomes = race(
        lambda: suspend_employees(unit=units["coal"], rows=[row(worker)], reason="调出", on=ON, actor="a"),
        lambda: suspend_employees(unit=units["coal"], rows=[row(worker)], reason="解除劳动关系", on=ON, actor="b"),
    )
    assert outcomes.count("ok") == 1, outcomes
    assert InsurancePeriod.objects.get(person=worker).status == InsuranceStatus.SUSPENDED
