"""Hostile input to the 试算 API and page: a 4xx with a Chinese message, never a 500."""

import json

import pytest

BASE = {"region": "taiyuan", "insurance_type": "310", "person_category": "在职", "med_type": "21",
        "hospital_level": "三级", "care_date": "2025-03-01"}


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [
    {"amount_a": "NaN"},
    {"amount_a": "Infinity"},
    {"amount_a": "1e400"},
    {"amount_a": "0.001"},
    {"care_date": "99999-01-01"},
    {"med_type": "9" * 1000},
    {"lines": [{"name": "x", "grade": "甲", "unit_price": "1e400", "quantity": "1", "amount": "1.00"}]},
    {"lines": [{"name": "x", "grade": "甲", "unit_price": "1", "quantity": "1", "amount": "1.001"}]},
    {"lines": [{"name": "x", "grade": "甲", "unit_price": "1", "quantity": "1", "amount": "1.00"}] * 2001},
    {"lines": []},
    {"aid_category": "皇帝"},
    {"deductible_used": "-1"},
])
def test_the_api_refuses_hostile_input_with_a_4xx(client, extra):
    response = client.post("/api/rules/trial", json.dumps({**BASE, **extra}), content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]


@pytest.mark.django_db
def test_the_page_refuses_a_nul_byte(client):
    response = client.post("/rules/trial/", {**BASE, "amount_a": "1\x00"})
    assert 400 <= response.status_code < 500
