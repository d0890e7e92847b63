"""Window activation for whoever has no record or no mobile on it, and the proof of a new phone."""

import pytest
from django.urls import reverse

from tests.accounts.conftest import PersonRecordFactory, last_code
from tests.factories import PASSWORD, PersonAccountFactory, StaffFactory
from yibao.accounts.identity import IdentityError, issue_window_activation, normalise_claim
from yibao.accounts.models import OneTimeCode, PersonAccount
from yibao.accounts.services import AccountError, register_person
from yibao.ids import make_resident_id
from yibao.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

ID = make_resident_id("14010519900101123")


def claim(name="赵六", identifier=ID, kind="person"):
    return normalise_claim(kind=kind, identifier=identifier, name=name)


def test_a_person_without_a_record_registers_with_the_code_a_window_printed():
    clerk = StaffFactory(roles=["accept"])
    issued = issue_window_activation(claim=claim(), staff=clerk, document_checked=True, phone="13500000005")
    assert len(issued.code) == 8 and not issued.has_record
    assert OneTimeCode.objects.get().code_hash != issued.code
    account = register_person(id_number=ID, name="赵六", code=issued.code, password="secret-pass-1", actor="t")
    assert (account.verified_by, account.phone) == ("window", "13500000005")
    with pytest.raises(AccountError):
        register_person(id_number=ID, name="赵六", code=issued.code, password="secret-pass-1", actor="t")


def test_the_activation_code_is_bound_to_the_name_checked_at_the_window():
    issued = issue_window_activation(claim=claim(), staff=StaffFactory(), document_checked=True)
    with pytest.raises(AccountError, match="窗口实名激活码错误"):
        register_person(id_number=ID, name="冒名者", code=issued.code, password="secret-pass-1", actor="t")
    assert not PersonAccount.objects.exists()


@pytest.mark.parametrize(("roles", "checked", "message"), [
    (["review"], True, "没有「受理」权限，不能办理实名激活"),
    (["accept"], False, "字段 证件核验：须当面核验身份证原件后勾选确认"),
])
def test_only_an_accept_clerk_who_checked_the_card_issues_a_code(roles, checked, message):
    with pytest.raises(IdentityError, match=message):
        issue_window_activation(claim=claim(), staff=StaffFactory(roles=roles), document_checked=checked)
    assert not OneTimeCode.objects.exists()


def test_a_window_cannot_activate_a_record_under_another_name():
    PersonRecordFactory(id_number=ID, name="赵六", phone="")
    with pytest.raises(IdentityError, match="与.*的参保登记姓名不符"):
        issue_window_activation(claim=claim(name="李四"), staff=StaffFactory(), document_checked=True)


def test_the_activation_page_prints_a_code_for_accept_clerks_only(client):
    reviewer = StaffFactory(roles=["review"])
    client.login(username=reviewer.user.username, password=PASSWORD)
    assert client.get(reverse("accounts:activation")).status_code == 403
    clerk = StaffFactory(roles=["accept"])
    client.login(username=clerk.user.username, password=PASSWORD)
    response = client.post(reverse("accounts:activation"), {"kind": "person", "identifier": ID, "name": "赵六",
                                                            "document_checked": "on"})
    assert response.status_code == 200
    assert "网上服务大厅实名激活码" in response.content.decode()
    response = client.post(reverse("accounts:activation"), {"kind": "person", "identifier": ID, "name": "赵六"})
    assert response.status_code == 400
    assert "须当面核验身份证原件后勾选确认" in response.content.decode()


# --- a new phone needs the same proof ------------------------------------------------------------

def test_changing_the_account_phone_needs_the_code_sent_to_the_new_phone(client):
    account = PersonAccountFactory(phone="13900000000")
    client.login(username=account.user.username, password=PASSWORD)
    url = reverse("accounts:phone")
    response = client.post(url, {"phone": "13911112222", "code": "123456", "action": "change"})
    assert response.status_code == 400
    assert "没有有效的短信验证码" in response.content.decode()
    assert client.post(url, {"phone": "13911112222", "action": "send_code"}).status_code == 200
    assert SmsMessage.objects.get().phone == "13911112222"
    response = client.post(url, {"phone": "13911112222", "code": last_code("13911112222"), "action": "change"})
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.phone == "13911112222"


def test_a_code_sent_to_one_new_phone_does_not_prove_another(client):
    account = PersonAccountFactory(phone="13900000000")
    client.login(username=account.user.username, password=PASSWORD)
    url = reverse("accounts:phone")
    client.post(url, {"phone": "13911112222", "action": "send_code"})
    response = client.post(url, {"phone": "13933334444", "code": last_code("13911112222"), "action": "change"})
    assert response.status_code == 400
    account.refresh_from_db()
    assert account.phone == "13900000000"
