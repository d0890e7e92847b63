"""The settlement API: an institution's token declares its own month in batches; a person's
token, or another institution's month, is refused."""

import pytest
from django.contrib.auth import get_user_model

from tests.api.conftest import PASSWORD, Api, obtain
from tests.settlement.conftest import MONTH, record
from yibao.institutions.models import InstitutionAccount


@pytest.fixture
def api(client, hospital):
    user = get_user_model().objects.create_user(username=f"i:{hospital.uscc}", password=PASSWORD)
    InstitutionAccount.objects.create(user=user, institution=hospital)
    response = obtain(client, "institution", hospital.uscc)
    assert response.status_code == 201, response.content
    return Api(client, response.json()["token"])


def test_an_institution_sends_batches_declares_and_sees_its_month(api, employee):
    first = api.post(f"/api/settlement/{MONTH}/records", {"records": [record("JS1", employee),
                                                                       {**record("JS2", employee), "total": "x"}]})
    assert first.status_code == 200, first.content
    assert first.json()["accepted"] == 1
    assert first.json()["problems"] == [{"row": 2, "message": "医疗费总额：须为 0 至 99999999.99 的金额"}]
    again = api.post(f"/api/settlement/{MONTH}/records", {"records": [record("JS1", employee)]})
    assert (again.json()["accepted"], again.json()["repeated"]) == (0, 1)
    declared = api.post(f"/api/settlement/{MONTH}/declare", {})
    assert declared.status_code == 200 and declared.json()["status"] == "declared"
    assert declared.json()["due_date"] == "2027-01-15"


def test_a_month_not_begun_is_404_and_a_bad_month_422(api):
    assert api.get("/api/settlement/2026-10").status_code == 404
    assert api.post("/api/settlement/2026-13/declare", {}).status_code in (404, 422)


def test_a_person_cannot_use_the_settlement_api(client, db):
    from tests.factories import PersonAccountFactory

    account = PersonAccountFactory()
    token = obtain(client, "person", account.id_number).json().get("token")
    assert Api(client, token).get(f"/api/settlement/{MONTH}").status_code == 403
