import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    PersonAccountFactory,
    StaffFactory,
    UnitAccountFactory,
    UserFactory,
)
from yibao.accounts.models import LoginThrottle
from yibao.accounts.services import AccountError, LoginLocked, authenticate_account
from yibao.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def post_login(client, kind, identifier, password=PASSWORD):
    return client.post(LOGIN, {"kind": kind, "identifier": identifier, "password": password})


def logged_in_user(client):
    return client.session.get("_auth_user_id")


def test_the_login_page_offers_three_kinds(client):
    page = client.get(LOGIN).content.decode()
    for label in ("个人", "单位", "经办人员", "公民身份号码"):
        assert label in page
    assert "统一社会信用代码" in client.get(LOGIN + "?kind=unit").content.decode()
    assert "用户名" in client.get(LOGIN + "?kind=staff").content.decode()


def test_a_person_logs_in_with_the_id_number(client):
    person = PersonAccountFactory()
    response = post_login(client, "person", person.id_number.lower())
    assert response.status_code == 302
    # A person lands in the hall (their cases and the items to apply for), not on the account page.
    assert response["Location"] == reverse("hall:index")
    assert logged_in_user(client) == str(person.user.pk)
    page = client.get(reverse("accounts:me")).content.decode()
    assert person.name in page and person.id_number[:6] + "********" in page
    assert AuditEntry.objects.filter(action="accounts.login.success",
                                     actor="p:" + person.id_number).exists()


def test_a_unit_logs_in_with_the_uscc(client):
    unit = UnitAccountFactory()
    assert post_login(client, "unit", unit.uscc).status_code == 302
    assert logged_in_user(client) == str(unit.user.pk)


def test_a_clerk_logs_in_with_the_username(client):
    staff = StaffFactory(user__username="ty-test-accept", roles=["accept"])
    response = client.post(LOGIN, {"kind": "staff", "identifier": "ty-test-accept",
                                   "password": PASSWORD, "next": "/guides/compare/"})
    assert response["Location"] == "/guides/compare/"
    assert logged_in_user(client) == str(staff.user.pk)
    page = client.get(reverse("accounts:me")).content.decode()
    assert staff.agency.name in page and "受理" in page


def test_an_outside_next_url_is_ignored(client):
    StaffFactory(user__username="clerk-x")
    response = client.post(LOGIN, {"kind": "staff", "identifier": "clerk-x",
                                   "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("console:todo")


def test_a_plain_user_without_staff_profile_cannot_use_the_staff_door(client):
    UserFactory(username="nobody")
    response = post_login(client, "staff", "nobody")
    assert response.status_code == 400
    assert "该账号不能以「经办人员」方式登录" in response.content.decode()
    assert logged_in_user(client) is None


def test_a_person_cannot_log_in_through_the_unit_door(client):
    person = PersonAccountFactory()
    response = post_login(client, "unit", person.id_number)
    assert response.status_code == 400
    assert "统一社会信用代码" in response.content.decode()  # the USCC check refuses it


def test_a_wrong_password_is_refused_and_audited(client):
    person = PersonAccountFactory()
    response = post_login(client, "person", person.id_number, "wrong-password")
    assert response.status_code == 400
    assert "账号或密码错误（再失败 4 次账号将锁定 15 分钟）" in response.content.decode()
    assert logged_in_user(client) is None
    entry = AuditEntry.objects.get(action="accounts.login.failure")
    assert entry.object_id == "p:" + person.id_number and entry.after["failures"] == 1


def test_an_invalid_id_number_is_refused_naming_the_field(client):
    response = post_login(client, "person", "140105198503122")
    assert response.status_code == 400
    assert "公民身份号码长度应为 18 位，实际为 15 位" in response.content.decode()
    assert AuditEntry.objects.filter(action="accounts.login.invalid").exists()


def test_five_failures_lock_the_account_with_a_chinese_message(client):
    person = PersonAccountFactory()
    for _ in range(4):
        post_login(client, "person", person.id_number, "wrong-password")
    response = post_login(client, "person", person.id_number, "wrong-password")
    assert "登录失败次数过多，账号已锁定，请 15 分钟后再试" in response.content.decode()
    # Even the right password is refused while locked.
    response = post_login(client, "person", person.id_number)
    assert response.status_code == 400
    assert "登录失败次数过多，账号已锁定，请 15 分钟后再试" in response.content.decode()
    assert logged_in_user(client) is None
    assert AuditEntry.objects.filter(action="accounts.login.locked").count() == 1


def test_the_lock_message_counts_down_the_minutes():
    staff = StaffFactory()
    start = timezone.now()
    for i in range(5):
        with pytest.raises(AccountError):
            authenticate_account(kind="staff", identifier=staff.user.username,
                                 password="bad-password", now=start + datetime.timedelta(seconds=i))
    with pytest.raises(LoginLocked, match="请 6 分钟后再试"):
        authenticate_account(kind="staff", identifier=staff.user.username, password=PASSWORD,
                             now=start + datetime.timedelta(minutes=9, seconds=30))


def test_the_account_unlocks_after_fifteen_minutes(client):
    person = PersonAccountFactory()
    for _ in range(5):
        post_login(client, "person", person.id_number, "wrong-password")
    # Travel in time: move the lock into the past.
    throttle = LoginThrottle.objects.get(username="p:" + person.id_number)
    throttle.locked_until = timezone.now() - datetime.timedelta(seconds=1)
    throttle.save()
    response = post_login(client, "person", person.id_number)
    assert response.status_code == 302
    assert logged_in_user(client) == str(person.user.pk)


def test_failures_older_than_fifteen_minutes_do_not_count():
    person = PersonAccountFactory()
    start = timezone.now()
    for minute in (0, 1, 2, 3):
        with pytest.raises(AccountError):
            authenticate_account(kind="person", identifier=person.id_number, password="bad-pass",
                                 now=start + datetime.timedelta(minutes=minute))
    # 15½ minutes after the first failure: failures at 1, 2, 3 and now = 4, not locked.
    with pytest.raises(AccountError) as exc:
        authenticate_account(kind="person", identifier=person.id_number, password="bad-pass",
                             now=start + datetime.timedelta(minutes=15, seconds=30))
    assert not isinstance(exc.value, LoginLocked)
    assert "再失败 1 次" in exc.value.message
    # The fifth within a sliding window of 15 minutes locks.
    with pytest.raises(LoginLocked):
        authenticate_account(kind="person", identifier=person.id_number, password="bad-pass",
                             now=start + datetime.timedelta(minutes=15, seconds=45))


def test_a_successful_login_resets_the_count():
    person = PersonAccountFactory()
    for _ in range(4):
        with pytest.raises(AccountError):
            authenticate_account(kind="person", identifier=person.id_number, password="bad-pass")
    authenticate_account(kind="person", identifier=person.id_number, password=PASSWORD)
    assert LoginThrottle.objects.get(username="p:" + person.id_number).recent_failures == []
    for _ in range(4):
        with pytest.raises(AccountError) as exc:
            authenticate_account(kind="person", identifier=person.id_number, password="bad-pass")
        assert not isinstance(exc.value, LoginLocked)


def test_unknown_accounts_are_counted_too_without_revealing_that_they_do_not_exist(client):
    response = post_login(client, "staff", "ghost", "whatever-1")
    assert "账号或密码错误" in response.content.decode()


def test_logout_ends_the_session_and_is_audited(client):
    person = PersonAccountFactory()
    post_login(client, "person", person.id_number)
    assert "确定要退出" in client.get(reverse("accounts:logout")).content.decode()
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert logged_in_user(client) is None
    assert AuditEntry.objects.filter(action="accounts.logout").exists()


def test_the_account_page_requires_login(client):
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")
