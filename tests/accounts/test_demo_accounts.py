import pytest

from yibao.accounts.models import PersonAccount, UnitAccount
from yibao.accounts.services import authenticate_account, load_demo_accounts
from yibao.agencies.services import DEMO_PASSWORD, load_demo_agencies
from yibao.ids import validate_resident_id, validate_uscc

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_valid_and_idempotent():
    logins = load_demo_accounts(actor="demo")
    assert [(login.kind, login.description) for login in logins] == [
        ("个人", "王建国"), ("个人", "李晓梅"), ("单位", "太原示例科技有限公司")]
    assert load_demo_accounts(actor="demo") == logins
    assert PersonAccount.objects.count() == 2 and UnitAccount.objects.count() == 1
    counties = {validate_resident_id(p.id_number).county_name for p in PersonAccount.objects.all()}
    assert counties == {"小店区", "泽州县"}
    validate_uscc(UnitAccount.objects.get().uscc)


def test_every_demo_login_works():
    logins = load_demo_agencies(actor="demo").logins + load_demo_accounts(actor="demo")
    kinds = {"个人": "person", "单位": "unit", "经办人员": "staff"}
    for login in logins:
        user = authenticate_account(kind=kinds[login.kind], identifier=login.login,
                                    password=DEMO_PASSWORD)
        assert user.is_active
