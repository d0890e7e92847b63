"""The reimbursement calculator's chronic / special-drug check reads the qualifications granted here."""

import datetime
from types import SimpleNamespace

import pytest

from tests.qualifications.conftest import HOSPITAL, TODAY
from yibao.cases.handlers import HandlerRefusal
from yibao.qualifications.services import Grant, grant_qualification
from yibao.reimbursement.eligibility import check_qualification

pytestmark = pytest.mark.django_db


def claim(day, institution=HOSPITAL[0]):
    return SimpleNamespace(admission_date=day, discharge_date=day, disease_code="M03900",
                           institution_code=institution, chronic_kind="门诊慢性病")


def test_a_chronic_claim_is_checked_against_the_granted_qualification(make_insured, regions):
    person = make_insured("jincheng")
    with pytest.raises(HandlerRefusal, match="没有病种 M03900 的有效门诊慢性病待遇资格"):
        check_qualification(person, claim(TODAY))
    grant_qualification(person=person, region=regions["jincheng"], case_number="TEST-1", actor="test",
                        grant=Grant(kind="chronic", disease_code="M03900", disease_name="高血压", insurance_type="310",
                                    valid_from=TODAY, institution_code=HOSPITAL[0], institution_name=HOSPITAL[1]))
    check_qualification(person, claim(TODAY + datetime.timedelta(days=10)))
    with pytest.raises(HandlerRefusal, match="没有病种 M03900"):
        check_qualification(person, claim(TODAY, institution="H14050000999"))
    with pytest.raises(HandlerRefusal, match="没有病种 M03900"):
        check_qualification(person, claim(TODAY - datetime.timedelta(days=1)))
