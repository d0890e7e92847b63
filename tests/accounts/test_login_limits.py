"""Login limits beside the per-account lock: per address, and no rows for made-up usernames."""

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
from yibao.accounts.models import LoginAddressThrottle, LoginThrottle
from yibao.accounts.services import AccountError, LoginLocked, authenticate_account
from yibao.audit.models import AuditEntry
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def spray_names(n):
    return [make_resident_id(f"14010519800101{i:03d}") for i in range(n)]


def test_a_password_spray_from_one_address_is_stopped(client):
    victims = [PersonAccountFactory(id_number=number) for number in spray_names(30)]
    answers = [client.post(LOGIN, {"kind": "person", "identifier": v.id_number,
                                   "password": "Spring2026!"}).content.decode()
               for v in victims]
    wrong = [a for a in answers if "账号或密码错误" in a]
    blocked = [a for a in answers if "本网络地址登录失败次数过多" in a]
    assert len(wrong) == 10 and len(blocked) == 20
    # Blocked means blocked: even the right password from that address gets no session.
    client.post(LOGIN, {"kind": "person", "identifier": victims[-1].id_number, "password": PASSWORD})
    assert client.session.get("_auth_user_id") is None
    # No victim's own account got locked by the spray (one failure each at most).
    assert not LoginThrottle.objects.filter(locked_until__isnull=False).exists()
    # The block is audited once, not once per refused attempt.
    assert AuditEntry.objects.filter(action="accounts.login.address_locked").count() == 1
    assert LoginAddressThrottle.objects.get(address="127.0.0.1").blocked_attempts == 21


def test_hammering_with_made_up_or_malformed_names_adds_a_bounded_number_of_rows(client):
    before = AuditEntry.objects.count()
    for i in range(60):
        identifier = f"ghost-{i}" if i % 2 else f"bad-id-{i}"
        kind = "staff" if i % 2 else "person"
        client.post(LOGIN, {"kind": kind, "identifier": identifier, "password": "whatever-1"})
    assert not LoginThrottle.objects.exists()
    assert LoginAddressThrottle.objects.count() == 1
    # Ten failures (each audited) and one audited block; the other 49 attempts write nothing.
    assert AuditEntry.objects.count() - before == 11


def test_another_address_is_not_blocked_by_the_spray(client):
    person = PersonAccountFactory()
    for number in spray_names(10):
        client.post(LOGIN, {"kind": "person", "identifier": number, "password": "x-wrong-1"},
                    REMOTE_ADDR="203.0.113.9")
    assert LoginAddressThrottle.objects.get(address="203.0.113.9").locked_until is not None
    response = client.post(LOGIN, {"kind": "person", "identifier": person.id_number,
                                   "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302


def test_the_address_block_ends_after_fifteen_minutes():
    person = PersonAccountFactory()
    request = type("R", (), {"META": {"REMOTE_ADDR": "203.0.113.5"}})()
    start = timezone.now()
    for i, number in enumerate(spray_names(10)):
        with pytest.raises(AccountError):
            authenticate_account(kind="person", identifier=number, password="bad-pass",
                                 request=request, now=start + datetime.timedelta(seconds=i))
    with pytest.raises(LoginLocked, match="本网络地址"):
        authenticate_account(kind="person", identifier=person.id_number, password=PASSWORD,
                             request=request, now=start + datetime.timedelta(minutes=1))
    user = authenticate_account(kind="person", identifier=person.id_number, password=PASSWORD,
                                request=request, now=start + datetime.timedelta(minutes=16))
    assert user == person.user


def test_unknown_usernames_add_no_row_per_name(client):
    for i in range(8):
        client.post(LOGIN, {"kind": "staff", "identifier": f"ghost-{i}", "password": "whatever-1"},
                    REMOTE_ADDR=f"192.0.2.{i}")
    assert not LoginThrottle.objects.exists()
    # One row per address, and it goes once the address has been quiet for the window.
    assert LoginAddressThrottle.objects.count() == 8
    later = timezone.now() + datetime.timedelta(minutes=16)
    request = type("R", (), {"META": {"REMOTE_ADDR": "192.0.2.200"}})()
    with pytest.raises(AccountError):
        authenticate_account(kind="staff", identifier="ghost-x", password="bad-pass",
                             request=request, now=later)
    assert list(LoginAddressThrottle.objects.values_list("address", flat=True)) == ["192.0.2.200"]


def test_an_unknown_username_answers_like_a_real_account():
    StaffFactory(user__username="real-clerk")
    request = type("R", (), {"META": {"REMOTE_ADDR": "192.0.2.50"}})()
    answers = {}
    for name in ("real-clerk", "ghost-clerk"):
        messages = []
        for _ in range(5):
            with pytest.raises(AccountError) as exc:
                authenticate_account(kind="staff", identifier=name, password="bad-pass",
                                     request=request)
            messages.append(exc.value.message)
        answers[name] = messages
    assert answers["real-clerk"] == answers["ghost-clerk"]
    assert "再失败 4 次" in answers["ghost-clerk"][0] and "账号已锁定" in answers["ghost-clerk"][-1]


def test_a_unit_lands_in_the_hall_and_a_clerk_at_the_console(client):
    unit = UnitAccountFactory()
    response = client.post(LOGIN, {"kind": "unit", "identifier": unit.uscc, "password": PASSWORD})
    assert response["Location"] == reverse("hall:index")
    client.logout()
    StaffFactory(user__username="clerk-landing")
    response = client.post(LOGIN, {"kind": "staff", "identifier": "clerk-landing",
                                   "password": PASSWORD})
    assert response["Location"] == reverse("console:todo")
    client.logout()
    UserFactory(username="root", is_superuser=True, is_staff=True)
    response = client.post(LOGIN, {"kind": "staff", "identifier": "root", "password": PASSWORD})
    assert response["Location"] == reverse("admin:index")
