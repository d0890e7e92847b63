"""实名注册 through the API: the same binding as the web form, for the WeChat account and the app."""

import pytest

from tests.accounts.conftest import PersonRecordFactory, UnitRecordFactory, last_code
from yibao.accounts.models import PersonAccount, UnitAccount

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-2026"


@pytest.fixture
def wang():
    return PersonRecordFactory(name="王建国", phone="13800000001")


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_a_person_registers_with_the_code_texted_to_the_phone_on_record_then_logs_in(client, wang):
    sent = post(client, "/api/accounts/registration/code",
                {"kind": "person", "identifier": wang.id_number, "name": "王建国"})
    assert sent.status_code == 202 and sent.json()["phone"] == "138****0001"
    created = post(client, "/api/accounts/registration", {
        "kind": "person", "identifier": wang.id_number, "name": "王建国", "code": last_code("13800000001"),
        "password": PASSWORD})
    assert created.status_code == 201
    assert created.json()["identifier"] != wang.id_number and created.json()["name"] == "王建国"  # masked
    token = post(client, "/api/auth/token", {"kind": "person", "identifier": wang.id_number, "password": PASSWORD,
                                             "channel": "app"})
    assert token.status_code == 201


def test_an_impostor_with_another_name_gets_no_code_and_no_account(client, wang):
    response = post(client, "/api/accounts/registration/code",
                    {"kind": "person", "identifier": wang.id_number, "name": "李四"})
    assert response.status_code == 422 and "姓名" in response.json()["detail"]
    refused = post(client, "/api/accounts/registration", {
        "kind": "person", "identifier": wang.id_number, "name": "李四", "code": "123456", "password": PASSWORD})
    assert refused.status_code == 422
    assert not PersonAccount.objects.exists()


def test_a_code_is_single_use_and_a_wrong_code_opens_nothing(client, wang):
    post(client, "/api/accounts/registration/code", {"kind": "person", "identifier": wang.id_number, "name": "王建国"})
    code = last_code("13800000001")
    wrong = post(client, "/api/accounts/registration", {
        "kind": "person", "identifier": wang.id_number, "name": "王建国",
        "code": "000000" if code != "000000" else "111111", "password": PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    body = {"kind": "person", "identifier": wang.id_number, "name": "王建国", "code": code, "password": PASSWORD}
    assert post(client, "/api/accounts/registration", body).status_code == 201
    again = post(client, "/api/accounts/registration", body)
    assert again.status_code == 422 and "已注册" in again.json()["detail"]
    assert PersonAccount.objects.count() == 1


def test_codes_asked_for_too_often_answer_429(client, wang):
    body = {"kind": "person", "identifier": wang.id_number, "name": "王建国"}
    assert post(client, "/api/accounts/registration/code", body).status_code == 202
    response = post(client, "/api/accounts/registration/code", body)
    assert response.status_code == 429 and "过于频繁" in response.json()["detail"]


def test_a_unit_registers_through_its_handler_phone(client):
    unit = UnitRecordFactory(name="示例科技有限公司", contact_phone="13700000009")
    assert post(client, "/api/accounts/registration/code",
                {"kind": "unit", "identifier": unit.uscc, "name": "示例科技有限公司"}).status_code == 202
    created = post(client, "/api/accounts/registration", {
        "kind": "unit", "identifier": unit.uscc, "name": "示例科技有限公司", "code": last_code("13700000009"),
        "password": PASSWORD})
    assert created.status_code == 201 and UnitAccount.objects.filter(uscc=unit.uscc).exists()


@pytest.mark.parametrize("body", [
    {"kind": "robot", "identifier": "x", "name": "x"},
    {"kind": "person", "identifier": "14010519850312251X", "name": "王建国\x00"},
    {"kind": "person", "identifier": "not-an-id", "name": "王建国"},
])
def test_bad_input_is_a_4xx_and_writes_nothing(client, body):
    response = post(client, "/api/accounts/registration/code", body)
    assert response.status_code in (400, 422)  # a NUL byte is refused (400) before the view
    assert not PersonAccount.objects.exists()
