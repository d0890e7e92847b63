"""A unit's 经办人 phone receives its registration codes, so online it changes only with a code
texted to the new phone (issue 9 §1: existing accounts go through the same proof)."""

import re

import pytest

from tests.enrollment.units.conftest import apply, current_item
from tests.factories import UnitAccountFactory
from yibao.accounts.services import AccountError, request_unit_phone_change_code
from yibao.cases.services import InvalidApplication, accept_case, advance_case
from yibao.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db
NEW_PHONE = "13912340001"


def texted_code(phone):
    return re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).latest("id").text).group(1)


@pytest.fixture
def unit(units):
    unit = units["changzhi"]
    unit.contact_phone = "13800000009"
    unit.save(update_fields=["contact_phone"])
    return unit


@pytest.fixture
def account(unit):
    return UnitAccountFactory(uscc=unit.uscc, name=unit.name)


def change(unit, **fields):
    return apply(current_item("changzhi", "unit-info-change"), applicant=unit, situations=("变更联系人",),
                 form_data={"new_handler_phone": NEW_PHONE, **fields})


def test_online_a_new_handler_phone_without_its_code_is_refused(unit):
    with pytest.raises(InvalidApplication, match="字段 变更后经办人联系电话收到的短信验证码"):
        change(unit)
    unit.refresh_from_db()
    assert unit.contact_phone == "13800000009"


def test_with_the_code_texted_to_the_new_phone_the_change_goes_through(unit, account, staff):
    sent = request_unit_phone_change_code(account=account, new_phone=NEW_PHONE, actor="u")
    assert sent.phone_masked == "139****0001"
    case = change(unit, new_handler_phone_code=texted_code(NEW_PHONE))
    clerk = staff["changzhi"]["accept_review"]
    case = advance_case(case=accept_case(case=case, staff=clerk), staff=clerk, action="review")
    advance_case(case=case, staff=clerk, action="complete")
    unit.refresh_from_db()
    assert unit.contact_phone == NEW_PHONE


def test_a_wrong_code_and_a_code_used_once_are_refused(unit, account):
    request_unit_phone_change_code(account=account, new_phone=NEW_PHONE, actor="u")
    code = texted_code(NEW_PHONE)
    with pytest.raises(InvalidApplication, match="变更后经办人联系电话收到的短信验证码"):
        change(unit, new_handler_phone_code="000000" if code != "000000" else "111111")
    change(unit, new_handler_phone_code=code)
    with pytest.raises(InvalidApplication, match="变更后经办人联系电话收到的短信验证码"):
        change(unit, new_handler_phone_code=code)


def test_a_landline_cannot_be_proven_by_text(account):
    with pytest.raises(AccountError, match="字段 新手机号码"):
        request_unit_phone_change_code(account=account, new_phone="0355-2020202", actor="u")


def test_the_unit_gets_its_code_on_the_phone_page(client, unit, account):
    client.force_login(account.user)
    page = client.get("/accounts/phone/")
    assert page.status_code == 200 and "单位经办人联系电话" in page.content.decode()
    response = client.post("/accounts/phone/", {"action": "send_code", "phone": NEW_PHONE})
    assert response.status_code == 200 and "139****0001" in response.content.decode()
    assert SmsMessage.objects.filter(phone=NEW_PHONE, purpose="code_change_phone").count() == 1
    bad = client.post("/accounts/phone/", {"action": "send_code", "phone": "12345"})
    assert bad.status_code == 400 and "新手机号码" in bad.content.decode()
