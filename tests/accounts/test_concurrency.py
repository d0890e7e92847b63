"""One code, two registrations at the same moment: exactly one account is opened.

Real threads and real transactions (like tests/cases/test_concurrency.py); on PostgreSQL the
two transactions overlap and the code row lock decides.
"""

import pytest

from tests.accounts.conftest import PersonRecordFactory, last_code
from tests.concurrency import race
from yibao.accounts.models import OneTimeCode, PersonAccount
from yibao.accounts.services import register_person, request_registration_code
from yibao.ids import make_resident_id

ID = make_resident_id("14010519850312251")



@pytest.mark.django_db(transaction=True)
def test_one_code_used_twice_at_once_opens_one_account():
    PersonRecordFactory(id_number=ID, name="王建国", phone="13800000001")
    request_registration_code(kind="person", identifier=ID, name="王建国", actor="t")
    code = last_code("13800000001")

    def register(password):
        return lambda: register_person(id_number=ID, name="王建国", code=code, password=password, actor="t")

    outcomes = race(register("secret-pass-1"), register("secret-pass-2"))

    assert sorted(o == "ok" for o in outcomes) == [False, True]
    assert PersonAccount.objects.filter(id_number=ID).count() == 1
    assert OneTimeCode.objects.get().used_at is not None
