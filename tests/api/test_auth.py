"""Bearer tokens: issue, use, revoke; wrong passwords and the lockout through the API."""

import hashlib

import pytest

from tests.api.conftest import Api, obtain
from yibao.api.models import ApiToken
from yibao.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_once_stored_only_as_its_hash_and_audited(client, person):
    response = obtain(client, "person", person.id_number, channel="wechat")

    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert body["kind"] == "person" and body["channel"] == "wechat" and body["expires"] is not None
    token = ApiToken.objects.get(user=person.user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:8] == body["prefix"]
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert raw not in str(list(ApiToken.objects.values()))
    entry = AuditEntry.objects.get(action="api.token.issue")
    assert entry.actor == person.user.username and entry.channel == "wechat"
    assert raw not in str(entry.after)


def test_the_token_authenticates_requests_and_records_its_last_use(client, person):
    api = Api(client, obtain(client, "person", person.id_number).json()["token"])

    assert api.get("/api/cases").json() == []
    info = api.get("/api/auth/token").json()
    assert info["kind"] == "person" and info["channel"] == "app" and info["last_used_at"]


def test_a_revoked_token_no_longer_works(client, person):
    api = Api(client, obtain(client, "person", person.id_number).json()["token"])

    assert api.delete("/api/auth/token").status_code == 204

    response = api.get("/api/cases")
    assert response.status_code == 401 and response.json() == {"detail": "令牌无效、已过期或已注销"}
    assert ApiToken.objects.get(user=person.user).revoked_at is not None
    assert AuditEntry.objects.filter(action="api.token.revoke", actor=person.user.username).count() == 1


def test_other_tokens_of_the_same_user_survive_a_revocation(client, person):
    phone = Api(client, obtain(client, "person", person.id_number, channel="app").json()["token"])
    wechat = Api(client, obtain(client, "person", person.id_number, channel="wechat").json()["token"])

    phone.delete("/api/auth/token")

    assert wechat.get("/api/cases").status_code == 200


def test_missing_or_unknown_tokens_get_a_chinese_401(client):
    missing = client.get("/api/cases")
    assert missing.status_code == 401 and "Bearer" in missing.json()["detail"]
    assert missing["WWW-Authenticate"].startswith("Bearer")
    unknown = Api(client, "yb_not-a-real-token").get("/api/cases")
    assert unknown.status_code == 401 and unknown.json()["detail"] == "令牌无效、已过期或已注销"


def test_a_deactivated_users_token_stops_working(client, person):
    api = Api(client, obtain(client, "person", person.id_number).json()["token"])
    person.user.is_active = False
    person.user.save(update_fields=["is_active"])

    assert api.get("/api/cases").status_code == 401


def test_wrong_password_is_a_401_with_the_chinese_message(client, person):
    response = obtain(client, "person", person.id_number, password="wrong-password")

    assert response.status_code == 401
    assert response.json()["detail"].startswith("账号或密码错误")
    assert not ApiToken.objects.exists()


def test_five_failures_lock_the_account_even_for_the_right_password(client, person):
    for left in (4, 3, 2, 1):
        failed = obtain(client, "person", person.id_number, password="wrong-password")
        assert failed.status_code == 401 and f"再失败 {left} 次" in failed.json()["detail"]

    fifth = obtain(client, "person", person.id_number, password="wrong-password")
    assert fifth.status_code == 429 and "账号已锁定" in fifth.json()["detail"]

    right = obtain(client, "person", person.id_number)
    assert right.status_code == 429 and "账号已锁定" in right.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_malformed_identifier_or_channel_names_the_field(client, person):
    bad_id = obtain(client, "person", "123456")
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "identifier"
    bad_channel = obtain(client, "person", person.id_number, channel="fax")
    assert bad_channel.status_code == 422 and bad_channel.json()["errors"][0]["field"] == "channel"
