import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PersonAccountFactory, UnitAccountFactory
from yibao.accounts.models import PersonAccount, UnitAccount
from yibao.accounts.services import AccountError, register_person, register_unit
from yibao.audit.models import AuditEntry
from yibao.ids import make_resident_id, make_uscc

pytestmark = pytest.mark.django_db

ID = make_resident_id("14010519850312251")
USCC = make_uscc("N2140105MA0K12345")  # registration authority "N": letters are valid


def person(**overrides):
    return {"id_number": ID, "name": "王建国", "phone": "13800000001",
            "password": "secret-pass-1", "actor": "test"} | overrides


def snapshot():
    return (get_user_model().objects.count(), PersonAccount.objects.count(),
            UnitAccount.objects.count(), AuditEntry.objects.count())


def test_register_person_creates_a_prefixed_login_and_audits():
    account = register_person(**person(id_number=ID.lower() if ID.endswith("X") else ID))
    assert account.user.username == "p:" + ID
    assert account.user.check_password("secret-pass-1")
    assert AuditEntry.objects.filter(action="accounts.person.register",
                                     object_id=str(account.pk)).exists()


def test_register_a_luzhou_person_born_before_2018():
    number = make_resident_id("14040319700101123")
    assert register_person(**person(id_number=number)).id_number == number


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, "id_number",
         f"公民身份号码校验位错误，应为 {ID[-1]}"),
        ({"id_number": "1401051985"}, "id_number", "公民身份号码长度应为 18 位，实际为 10 位"),
        ({"name": "  "}, "name", "姓名不能为空"),
        ({"phone": "12345"}, "phone", "手机号码格式错误，应为 11 位手机号或带区号的固定电话"),
        ({"password": "short"}, "password", "密码长度至少 8 位"),
    ],
)
def test_register_person_refusals_change_nothing(overrides, field, message):
    before = snapshot()
    with pytest.raises(AccountError) as exc:
        register_person(**person(**overrides))
    assert (exc.value.field, exc.value.message) == (field, message)
    assert snapshot() == before


def test_a_second_registration_of_the_same_number_is_refused():
    register_person(**person())
    before = snapshot()
    with pytest.raises(AccountError) as exc:
        register_person(**person(name="冒名者", password="other-pass-1"))
    assert exc.value.field == "id_number"
    assert exc.value.message == f"公民身份号码 {ID[:6]}********{ID[-4:]} 已注册，请直接登录"
    assert snapshot() == before
    assert PersonAccount.objects.get().name == "王建国"


def test_register_unit_accepts_a_letter_registration_authority():
    account = register_unit(uscc=USCC.lower(), name="示例农业合作社", password="secret-pass-1",
                            actor="test")
    assert account.uscc == USCC
    assert account.user.username == "u:" + USCC


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": "91140105MA0K1234"}, "uscc", "统一社会信用代码长度应为 18 位，实际为 16 位"),
        ({"uscc": USCC[:-1] + ("0" if USCC[-1] != "0" else "1")}, "uscc",
         f"统一社会信用代码校验位错误，应为 {USCC[-1]}"),
        ({"name": ""}, "name", "单位名称不能为空"),
    ],
)
def test_register_unit_refusals_change_nothing(overrides, field, message):
    before = snapshot()
    args = {"uscc": USCC, "name": "示例单位", "password": "secret-pass-1", "actor": "t"} | overrides
    with pytest.raises(AccountError) as exc:
        register_unit(**args)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert snapshot() == before


def test_a_duplicate_unit_is_refused():
    existing = UnitAccountFactory()
    before = snapshot()
    with pytest.raises(AccountError, match="已注册"):
        register_unit(uscc=existing.uscc, name="另一个", password="secret-pass-1", actor="t")
    assert snapshot() == before


# --- through the web page ----------------------------------------------------------------

def form(**overrides):
    return {"id_number": ID, "name": "王建国", "phone": "13800000001",
            "password": "secret-pass-1", "password2": "secret-pass-1"} | overrides


def test_the_register_page_registers_a_person(client):
    response = client.get(reverse("accounts:register"))
    assert "个人注册" in response.content.decode()
    response = client.post(reverse("accounts:register"), form())
    assert response.status_code == 200
    assert "注册成功" in response.content.decode()
    assert PersonAccount.objects.filter(id_number=ID).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "14010519850312251" + ("0" if ID[-1] != "0" else "1")},
         f"公民身份号码校验位错误，应为 {ID[-1]}"),
        ({"password2": "different-1"}, "两次输入的密码不一致"),
        ({"name": ""}, "请填写姓名"),
    ],
)
def test_the_register_page_shows_refusals_and_changes_nothing(client, overrides, message):
    before = snapshot()
    response = client.post(reverse("accounts:register"), form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_the_register_page_refuses_a_duplicate(client):
    PersonAccountFactory(id_number=ID)
    before = snapshot()
    response = client.post(reverse("accounts:register"), form())
    assert response.status_code == 400
    assert "已注册，请直接登录" in response.content.decode()
    assert snapshot() == before
