"""API tokens expire (idle and absolute) and their owner lists and revokes them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import Api, obtain
from tests.factories import PersonAccountFactory
from yibao.api.auth import forget_identities
from yibao.api.models import ApiToken

pytestmark = pytest.mark.django_db


def issue(client, person, channel="app"):
    return obtain(client, "person", person.id_number, channel=channel).json()["token"]


def age(token_prefix, *, created_days_ago, used_days_ago=None):
    now = timezone.now()
    ApiToken.objects.filter(prefix=token_prefix).update(
        created_at=now - datetime.timedelta(days=created_days_ago),
        last_used_at=None if used_days_ago is None else now - datetime.timedelta(days=used_days_ago))
    # A token's issue date never changes in real life; rewriting it behind the process's identity
    # cache (yibao.api.auth.cached_identity) stands for time passing, so the cache starts afresh.
    forget_identities()


def test_a_token_unused_for_thirty_days_stops_working(client, person):
    raw = issue(client, person)
    age(raw[:8], created_days_ago=40, used_days_ago=31)
    response = Api(client, raw).get("/api/auth/token")
    assert response.status_code == 401 and "已过期" in response.json()["detail"]


def test_a_token_in_daily_use_still_ends_ninety_days_after_issue(client, person):
    raw = issue(client, person)
    age(raw[:8], created_days_ago=89, used_days_ago=0)
    assert Api(client, raw).get("/api/auth/token").status_code == 200
    age(raw[:8], created_days_ago=91, used_days_ago=0)
    assert Api(client, raw).get("/api/auth/token").status_code == 401


def test_the_lifetimes_are_settings(client, person, settings):
    settings.API_TOKEN_IDLE_DAYS = 1
    raw = issue(client, person)
    age(raw[:8], created_days_ago=2, used_days_ago=2)
    assert Api(client, raw).get("/api/auth/token").status_code == 401


def test_the_issue_answer_says_when_the_token_expires(client, person):
    body = obtain(client, "person", person.id_number).json()
    expires = datetime.datetime.fromisoformat(body["expires"].replace("Z", "+00:00"))
    assert datetime.timedelta(days=29) < expires - timezone.now() <= datetime.timedelta(days=30)


def test_an_owner_lists_and_revokes_their_tokens(client, person):
    phone = issue(client, person, "app")
    wechat = issue(client, person, "wechat")
    other = PersonAccountFactory()
    stranger = issue(client, other)
    api = Api(client, phone)

    listed = api.get("/api/auth/tokens").json()
    assert {t["prefix"] for t in listed} == {phone[:8], wechat[:8]}
    assert [t["current"] for t in listed if t["prefix"] == phone[:8]] == [True]

    wechat_id = next(t["id"] for t in listed if t["prefix"] == wechat[:8])
    assert api.delete(f"/api/auth/tokens/{wechat_id}").status_code == 204
    assert Api(client, wechat).get("/api/auth/token").status_code == 401

    # Another person's token is not found, and keeps working.
    stranger_id = ApiToken.objects.get(prefix=stranger[:8]).pk
    refused = api.delete(f"/api/auth/tokens/{stranger_id}")
    assert refused.status_code == 404 and "令牌" in refused.json()["detail"]
    assert Api(client, stranger).get("/api/auth/token").status_code == 200


def test_the_account_page_lists_and_revokes_tokens(client, person):
    raw = issue(client, person, "wechat")
    client.force_login(person.user)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert raw[:8] in page and "微信公众号" in page and "到期时间" in page
    token = ApiToken.objects.get(prefix=raw[:8])
    response = client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 302
    assert Api(client, raw).get("/api/auth/token").status_code == 401
    # Someone else's token id: 404, nothing revoked.
    other_raw = issue(client, PersonAccountFactory())
    other = ApiToken.objects.get(prefix=other_raw[:8])
    assert client.post(reverse("accounts:revoke_token", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
