"""Registration binds the account to the real person (issue 9 §1): the name must match the
enrollment record and the applicant proves control of the phone on it, or brings the ID card
to a window."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import PersonRecordFactory, UnitRecordFactory, last_code
from tests.factories import PersonAccountFactory, UnitAccountFactory
from yibao.accounts.models import OneTimeCode, PersonAccount, UnitAccount
from yibao.accounts.services import (
    AccountError,
    register_person,
    register_unit,
    request_registration_code,
)
from yibao.audit.models import AuditEntry
from yibao.ids import make_resident_id, make_uscc
from yibao.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

ID = make_resident_id("14010519850312251")
USCC = make_uscc("N2140105MA0K12345")  # registration authority "N": letters are valid
PHONE = "13800000001"


@pytest.fixture
def wang():
    return PersonRecordFactory(id_number=ID, name="王建国", phone=PHONE)


def snapshot():
    return (get_user_model().objects.count(), PersonAccount.objects.count(),
            UnitAccount.objects.count())


def send(identifier=ID, name="王建国", kind="person", **kw):
    return request_registration_code(kind=kind, identifier=identifier, name=name, actor="test", **kw)


def person(**overrides):
    return {"id_number": ID, "name": "王建国", "password": "secret-pass-1", "actor": "test"} | overrides


# --- the reproduction: any ID number with any name -----------------------------------------------

def test_an_impostor_cannot_register_someone_elses_number_with_another_name(wang):
    with pytest.raises(AccountError) as exc:
        send(name="冒名者")
    assert (exc.value.field, exc.value.message) == ("name", f"字段 姓名：与{ID[:6]}********{ID[-4:]}的参保登记姓名不符")
    assert not SmsMessage.objects.exists()
    with pytest.raises(AccountError, match="请填写短信验证码或窗口实名激活码"):
        register_person(**person(name="王建国", code=""))
    assert snapshot() == (0, 0, 0)


def test_knowing_the_name_is_not_enough_without_the_code_sent_to_the_record_phone(wang):
    send()
    before = snapshot()
    with pytest.raises(AccountError) as exc:
        register_person(**person(code="000000" if last_code(PHONE) != "000000" else "111111"))
    assert exc.value.field == "code"
    assert "短信验证码错误，还可再试 4 次" in exc.value.message
    assert snapshot() == before


def test_the_person_registers_with_the_code_texted_to_the_phone_on_record(wang):
    sent = send()
    assert sent.phone_masked == "138****0001"
    message = SmsMessage.objects.get()
    assert message.phone == PHONE and message.purpose == "code_register"
    account = register_person(**person(code=last_code(PHONE)))
    assert account.user.username == "p:" + ID
    assert (account.phone, account.verified_by) == (PHONE, "sms")
    assert AuditEntry.objects.filter(action="accounts.person.register", object_id=str(account.pk)).exists()


def test_codes_are_hashed_at_rest(wang):
    send()
    row = OneTimeCode.objects.get()
    assert last_code(PHONE) not in (row.code_hash, row.salt)
    assert len(row.code_hash) == 64


def test_a_code_is_single_use(wang):
    send()
    code = last_code(PHONE)
    register_person(**person(code=code))
    PersonAccount.objects.all().delete()
    get_user_model().objects.all().delete()
    with pytest.raises(AccountError, match="没有有效的短信验证码"):
        register_person(**person(code=code))


def test_a_code_expires_after_five_minutes(wang):
    start = timezone.now()
    send(now=start)
    with pytest.raises(AccountError, match="没有有效的短信验证码（已过期"):
        register_person(**person(code=last_code(PHONE), now=start + datetime.timedelta(minutes=5, seconds=1)))
    assert snapshot() == (0, 0, 0)


def test_five_wrong_tries_void_the_code(wang):
    send()
    code = last_code(PHONE)
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        with pytest.raises(AccountError):
            register_person(**person(code=wrong))
    with pytest.raises(AccountError, match="没有有效的短信验证码"):
        register_person(**person(code=code))
    assert snapshot() == (0, 0, 0)


def test_codes_are_rate_limited_per_number_one_a_minute_and_five_an_hour(wang):
    start = timezone.now()
    send(now=start)
    with pytest.raises(AccountError, match="验证码发送过于频繁，请 .* 秒后再试"):
        send(now=start + datetime.timedelta(seconds=30))
    for minute in range(1, 5):
        send(now=start + datetime.timedelta(minutes=minute * 2))
    with pytest.raises(AccountError, match="1 小时内最多获取 5 次验证码"):
        send(now=start + datetime.timedelta(minutes=20))
    assert SmsMessage.objects.count() == 5
    send(now=start + datetime.timedelta(minutes=61))


def test_codes_are_rate_limited_per_phone_across_numbers(wang):
    other = PersonRecordFactory(name="王建军", phone=PHONE)
    start = timezone.now()
    send(now=start)
    with pytest.raises(AccountError, match="过于频繁"):
        send(identifier=other.id_number, name="王建军", now=start + datetime.timedelta(seconds=10))


@pytest.mark.parametrize(("record_phone", "expected"), [
    (None, "没有参保登记记录，不能以短信验证码核验。请携带本人身份证到任一经办窗口办理实名激活"),
    ("", "参保登记记录中没有可接收短信的手机号码。请携带本人身份证到任一经办窗口办理实名激活"),
    ("0351-7000001", "参保登记记录中没有可接收短信的手机号码"),
])
def test_without_a_record_or_a_mobile_on_it_the_person_is_sent_to_a_window(record_phone, expected):
    if record_phone is not None:
        PersonRecordFactory(id_number=ID, name="王建国", phone=record_phone)
    with pytest.raises(AccountError, match=expected):
        send()
    assert not SmsMessage.objects.exists()


def test_a_deceased_persons_number_cannot_be_registered(wang):
    wang.death_date = datetime.date(2026, 1, 5)
    wang.save()
    with pytest.raises(AccountError, match="已登记死亡，不能注册"):
        send()


def test_a_luzhou_person_born_before_2018_registers():
    number = make_resident_id("14040319700101123")
    PersonRecordFactory(id_number=number, name="张三", phone="13600000003")
    send(identifier=number, name="张三")
    assert register_person(**person(id_number=number, name="张三", code=last_code("13600000003"))).id_number == number


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, "id_number",
         f"公民身份号码校验位错误，应为 {ID[-1]}"),
        ({"id_number": "1401051985"}, "id_number", "公民身份号码长度应为 18 位，实际为 10 位"),
        ({"name": "  "}, "name", "姓名不能为空"),
        ({"password": "short"}, "password", "密码长度至少 8 位"),
        ({"code": "12ab"}, "code", "字段 验证码：短信验证码为 6 位数字，窗口实名激活码为 8 位数字"),
    ],
)
def test_register_person_refusals_change_nothing(wang, overrides, field, message):
    send()
    args = person(code=last_code(PHONE)) | overrides
    with pytest.raises(AccountError) as exc:
        register_person(**args)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert snapshot() == (0, 0, 0)


def test_a_second_registration_of_the_same_number_is_refused_before_any_code_is_sent(wang):
    PersonAccountFactory(id_number=ID, name="王建国")
    before = snapshot()
    with pytest.raises(AccountError) as exc:
        send()
    assert exc.value.field == "id_number"
    assert exc.value.message == f"{ID[:6]}********{ID[-4:]} 已注册，请直接登录"
    with pytest.raises(AccountError, match="已注册，请直接登录"):
        register_person(**person(code="123456"))
    assert snapshot() == before
    assert not SmsMessage.objects.exists()


# --- units ---------------------------------------------------------------------------------------

def test_a_unit_registers_with_the_code_texted_to_its_handler_phone():
    UnitRecordFactory(uscc=USCC, name="示例农业合作社", contact_phone="13700000009")
    assert send(kind="unit", identifier=USCC.lower(), name="示例农业合作社").phone_masked == "137****0009"
    account = register_unit(uscc=USCC.lower(), name="示例农业合作社", code=last_code("13700000009"),
                            password="secret-pass-1", actor="test")
    assert (account.uscc, account.user.username, account.verified_by) == (USCC, "u:" + USCC, "sms")


def test_a_unit_with_another_name_or_a_landline_only_is_refused():
    UnitRecordFactory(uscc=USCC, name="示例农业合作社", contact_phone="03517000001")
    with pytest.raises(AccountError, match="字段 单位名称：与.*的参保登记单位名称不符"):
        send(kind="unit", identifier=USCC, name="别的公司")
    with pytest.raises(AccountError, match="统一社会信用代码证书（营业执照）到任一经办窗口办理实名激活"):
        send(kind="unit", identifier=USCC, name="示例农业合作社")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": "91140105MA0K1234"}, "uscc", "统一社会信用代码长度应为 18 位，实际为 16 位"),
        ({"uscc": USCC[:-1] + ("0" if USCC[-1] != "0" else "1")}, "uscc",
         f"统一社会信用代码校验位错误，应为 {USCC[-1]}"),
        ({"name": ""}, "name", "单位名称不能为空"),
        ({"code": ""}, "code", "字段 验证码：请填写短信验证码或窗口实名激活码"),
    ],
)
def test_register_unit_refusals_change_nothing(overrides, field, message):
    before = snapshot()
    args = {"uscc": USCC, "name": "示例单位", "code": "123456", "password": "secret-pass-1", "actor": "t"} | overrides
    with pytest.raises(AccountError) as exc:
        register_unit(**args)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert snapshot() == before


def test_a_duplicate_unit_is_refused():
    existing = UnitAccountFactory()
    before = snapshot()
    with pytest.raises(AccountError, match="已注册"):
        register_unit(uscc=existing.uscc, name="另一个", code="123456", password="secret-pass-1", actor="t")
    assert snapshot() == before


# --- through the web page ----------------------------------------------------------------

def form(**overrides):
    return {"kind": "person", "identifier": ID, "name": "王建国", "code": "",
            "password": "secret-pass-1", "password2": "secret-pass-1", "action": "register"} | overrides


def test_the_register_page_sends_a_code_then_registers_the_person(client, wang):
    response = client.get(reverse("accounts:register"))
    assert "个人注册" in response.content.decode()
    response = client.post(reverse("accounts:register"), form(action="send_code"))
    assert response.status_code == 200
    assert "验证码已发送至 138****0001" in response.content.decode()
    response = client.post(reverse("accounts:register"), form(code=last_code(PHONE)))
    assert response.status_code == 200
    assert "注册成功" in response.content.decode()
    assert PersonAccount.objects.filter(id_number=ID, verified_by="sms").exists()


def test_the_register_page_refuses_any_name_with_any_number(client, wang):
    response = client.post(reverse("accounts:register"), form(name="李四", action="send_code"))
    assert response.status_code == 400
    assert "与参保登记姓名不符" not in response.content.decode()
    assert "的参保登记姓名不符" in response.content.decode()
    response = client.post(reverse("accounts:register"), form(name="李四", code="123456"))
    assert response.status_code == 400
    assert snapshot() == (0, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"identifier": "14010519850312251" + ("0" if ID[-1] != "0" else "1"), "code": "123456"},
         f"公民身份号码校验位错误，应为 {ID[-1]}"),
        ({"password2": "different-1", "code": "123456"}, "两次输入的密码不一致"),
        ({"name": ""}, "请填写姓名"),
        ({"code": ""}, "请填写短信验证码或窗口实名激活码"),
    ],
)
def test_the_register_page_shows_refusals_and_changes_nothing(client, wang, overrides, message):
    before = snapshot()
    response = client.post(reverse("accounts:register"), form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_the_unit_register_page(client):
    UnitRecordFactory(uscc=USCC, name="示例农业合作社", contact_phone="13700000009")
    assert "单位注册" in client.get(reverse("accounts:register") + "?kind=unit").content.decode()
    data = form(kind="unit", identifier=USCC, name="示例农业合作社")
    assert client.post(reverse("accounts:register"), data | {"action": "send_code"}).status_code == 200
    response = client.post(reverse("accounts:register"), data | {"code": last_code("13700000009")})
    assert "注册成功" in response.content.decode()
    assert UnitAccount.objects.filter(uscc=USCC).exists()


def test_the_register_page_refuses_a_duplicate(client, wang):
    PersonAccountFactory(id_number=ID)
    before = snapshot()
    response = client.post(reverse("accounts:register"), form(action="send_code"))
    assert response.status_code == 400
    assert "已注册，请直接登录" in response.content.decode()
    assert snapshot() == before


# --- guessing names against a number --------------------------------------------------------------

def test_guessing_names_against_a_number_stops_after_five_wrong_ones(wang):
    for guess in ("王一", "王二", "王三", "王四", "王五"):
        with pytest.raises(AccountError, match="字段 姓名：与.*的参保登记姓名不符"):
            send(name=guess)
    # From now on even the right name is refused: the sixth guess cannot learn that it hit.
    with pytest.raises(AccountError) as exc:
        send(name="王建国")
    assert exc.value.field == "name"
    assert "姓名核对错误已达 5 次，请 1 小时后再试，或携带本人身份证到任一经办窗口办理实名激活" in exc.value.message
    assert not SmsMessage.objects.exists() and not OneTimeCode.objects.exists()


def test_the_guess_count_holds_across_worker_processes(wang, settings, tmp_path):
    # The server's workers share the data directory's cache; each process opens its own handle on it.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    for guess in ("王一", "王二", "王三", "王四", "王五"):
        with pytest.raises(AccountError):
            send(name=guess)
    from django.core.cache.backends.filebased import FileBasedCache

    other_worker = FileBasedCache(str(tmp_path / "cache"), {})
    assert other_worker.get(f"yibao:identity:name-misses:person:{wang.id_number}") == 5
    with pytest.raises(AccountError, match="姓名核对错误已达 5 次"):
        send(name="王建国")


def test_the_register_page_says_why_after_too_many_wrong_names(client, wang):
    for guess in ("王一", "王二", "王三", "王四", "王五", "王建国"):
        response = client.post(reverse("accounts:register"), form(name=guess, action="send_code"))
    assert "姓名核对错误已达 5 次" in response.content.decode()
    assert not SmsMessage.objects.exists()


def test_a_clerk_who_checked_the_id_card_still_activates_a_number_blocked_by_guessing(wang):
    from tests.factories import StaffFactory
    from yibao.accounts.identity import IdentityClaim, issue_window_activation
    for guess in ("王一", "王二", "王三", "王四", "王五"):
        with pytest.raises(AccountError):
            send(name=guess)
    claim = IdentityClaim(kind="person", identifier=ID, name="王建国")
    activation = issue_window_activation(claim=claim, staff=StaffFactory(roles=["accept"]), document_checked=True)
    assert activation.code
