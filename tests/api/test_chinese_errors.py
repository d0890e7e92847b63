"""API errors speak Chinese: malformed JSON, and query fields by their Chinese names."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_malformed_json_body_is_refused_in_chinese(client):
    response = client.post("/api/auth/token", data="{kind: person", content_type="application/json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "JSON" in detail and "请求体" in detail and "Cannot parse" not in detail


def test_a_bad_query_field_is_named_in_chinese_and_kept_for_machines(client):
    response = client.get("/api/workdays/count", {"start": "2026-13-01", "end": "2026-10-01"})
    body = response.json()
    assert response.status_code == 422
    assert body["detail"].startswith("字段 开始日期：")
    assert body["errors"][0]["field"] == "start"
    missing = client.get("/api/workdays/count", {"start": "2026-10-01"}).json()
    assert missing["detail"] == "字段 结束日期：必填"
