"""Hostile requests are refused before any view: NUL bytes (400) and oversized bodies (413), in Chinese."""

import json

import pytest
from django.test import Client

from tests.factories import PersonAccountFactory, StaffFactory
from yibao.api.auth import issue_token

pytestmark = pytest.mark.django_db

NUL_GETS = [
    "/api/progress?number=%00&phone=1",
    "/api/items?q=%00",
    "/api/cases/%00",
    "/api/staff/todo?status=%00",
    "/api/staff/offsite/filings?id_number=%00",
    "/guides/taiyuan/?q=%00",
    "/hall/progress/?number=%00&phone=%00",
    "/hall/cases/%00/",
    "/console/find/?number=%00",
    "/offsite/staff/?id_number=%00",
]


@pytest.fixture
def person():
    return PersonAccountFactory()


@pytest.fixture
def clerk():
    return StaffFactory(roles=["accept", "review"])


def _client_for(url, person, clerk):
    client = Client()
    user = clerk.user if "staff" in url or "console" in url else person.user
    client.force_login(user)
    token = issue_token(user=user, kind="staff" if user == clerk.user else "person", channel="app")[1]
    return client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("url", NUL_GETS)
def test_a_nul_byte_in_the_path_or_query_is_refused_in_chinese(url, person, clerk):
    client, headers = _client_for(url, person, clerk)

    response = client.get(url, headers=headers)

    assert response.status_code == 400
    assert "空字符（NUL，%00）" in response.content.decode()


def test_the_api_answers_nul_bytes_in_json_naming_the_body(client):
    response = client.post("/api/auth/token", {"kind": "person", "identifier": "1401\u0000", "password": "x"},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON 内容含有不允许的空字符（NUL，%00），请检查输入"}


def test_a_nul_byte_in_a_form_field_is_refused_naming_the_field(client):
    response = client.post("/accounts/login/", {"username": "a\0b", "password": "x"})
    assert response.status_code == 400
    assert "表单字段 username" in response.content.decode()


def test_the_query_parameter_is_named(client):
    response = client.get("/api/items?city=taiyuan&q=%E5%BC%82%00")
    assert response.json()["detail"].startswith("查询参数 q")


def test_an_escaped_backslash_before_u0000_is_ordinary_text(client):
    response = client.post("/api/auth/token", '{"kind": "person", "identifier": "\\\\u0000", "password": "x"}',
                           content_type="application/json")
    assert response.status_code in (401, 422)


def test_a_body_over_the_cap_is_refused_before_it_is_read(client, settings):
    settings.YIBAO_MAX_REQUEST_BODY = 1024 * 1024
    body = b"x" * 16
    # Only the declared length counts: nothing past it would be read anyway.
    response = client.generic("POST", "/hall/progress/", body, content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(400 * 1024 * 1024))
    assert response.status_code == 413
    assert "请求内容超过 1 MB 的上限" in response.content.decode()


def test_an_api_body_over_the_cap_is_refused_in_json(client, settings):
    settings.YIBAO_MAX_REQUEST_BODY = 1024 * 1024
    response = client.post("/api/auth/token", {"identifier": "x" * 1024 * 1024}, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "请求内容超过 1 MB 的上限，请压缩或分批上传文件"


def test_the_default_cap_lets_a_form_with_several_scans_through(settings):
    assert settings.YIBAO_MAX_REQUEST_BODY >= 5 * 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024


def test_an_uncaught_business_refusal_is_a_chinese_page_with_its_status_not_a_500(rf):
    from yibao.errors import Conflict
    from yibao.middleware import DomainErrorMiddleware

    middleware = DomainErrorMiddleware(lambda request: None)
    page = middleware.process_exception(rf.get("/hall/"), Conflict("该办件已被他人处理"))
    assert page.status_code == 409
    assert "该办件已被他人处理" in page.content.decode()
    api = middleware.process_exception(rf.get("/api/x"), Conflict("该办件已被他人处理", code="case_conflict"))
    assert api.status_code == 409 and json.loads(api.content) == {"detail": "该办件已被他人处理",
                                                                  "code": "case_conflict"}
    assert middleware.process_exception(rf.get("/hall/"), ValueError("boom")) is None
