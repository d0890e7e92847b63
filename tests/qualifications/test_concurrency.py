"""Two grants of one disease to one person at the same moment: exactly one qualification is opened.

Real threads and real transactions (PostgreSQL: SELECT … FOR UPDATE on the person, then the
partial unique constraint; SQLite: IMMEDIATE transactions serialise the writers).
"""

import pytest

from tests.concurrency import race
from tests.qualifications.conftest import HOSPITAL, TODAY
from yibao.qualifications.models import Qualification
from yibao.qualifications.services import Grant, grant_qualification


@pytest.mark.django_db(transaction=True)
def test_two_grants_of_one_disease_at_once_open_one_qualification(make_insured, regions):
    person = make_insured("changzhi")

    def grant(case_number):
        return lambda: grant_qualification(
            person=person, region=regions["changzhi"], case_number=case_number, actor="test",
            grant=Grant(kind="chronic", disease_code="M01600", disease_name="糖尿病", insurance_type="310",
                        valid_from=TODAY, institution_code=HOSPITAL[0], institution_name=HOSPITAL[1]))

    outcomes = race(grant("CASE-A"), grant("CASE-B"))
    assert outcomes.count("ok") == 1, outcomes
    assert "不能重复认定" in str(next(o for o in outcomes if o != "ok"))
    assert Qualification.objects.filter(person=person).count() == 1
