"""The public GET API: regions, items, one item, working days."""

import pytest

from yibao.catalog.models import Item

pytestmark = pytest.mark.django_db


def test_regions_list_the_three_cities_with_their_versions(client, catalog):
    body = client.get("/api/regions").json()
    assert {r["slug"] for r in body} == {"taiyuan", "changzhi", "jincheng"}
    assert all(r["catalog_version"] >= 1 for r in body)


def test_items_filter_by_city_category_and_text(client, catalog):
    all_jincheng = client.get("/api/items", {"city": "jincheng"}).json()
    assert len(all_jincheng) == Item.objects.filter(version__region__slug="jincheng", version__is_current=True).count()
    filing = client.get("/api/items", {"city": "taiyuan", "category": 4}).json()
    assert filing and all(i["category"] == 4 for i in filing)
    found = client.get("/api/items", {"q": "异地"}).json()
    assert {i["city"] for i in found} == {"taiyuan", "changzhi", "jincheng"}


def test_one_item_has_the_full_guide(client, catalog):
    item = Item.objects.filter(version__region__slug="changzhi", version__is_current=True).exclude(code="").first()
    body = client.get(f"/api/items/changzhi/{item.key}").json()
    assert body["name"] == item.name and body["code"] == item.code
    assert body["time_limit"]["kind"] in {"instant", "working_days", "natural_days"}
    assert body["materials"] == [
        {k: v for k, v in m.items() if k in {"name", "conditions", "form", "copies", "optional",
                                              "commitment_alternative", "note"} and v not in (None, False)}
        | {"conditions": m.get("conditions", {})}
        for m in item.data.get("materials", [])
    ]


def test_unknown_city_or_item_is_a_chinese_404(client, catalog):
    response = client.get("/api/items/taiyuan/nothing-here")
    assert response.status_code == 404 and "没有标识为「nothing-here」的事项" in response.json()["detail"]
    response = client.get("/api/items", {"city": "mars"})
    assert response.status_code == 404 and "mars" in response.json()["detail"]


def test_bad_filters_are_refused_naming_the_field(client, catalog):
    response = client.get("/api/items", {"category": 11})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "category", "message": "不能大于 10"}]


def test_working_days_across_national_day(client):
    body = client.get("/api/workdays/add", {"start": "2026-09-30", "days": 5}).json()
    assert body["result"] == "2026-10-13"
    assert "当日不计入" in body["rule"]
    body = client.get("/api/workdays/add", {"start": "2026-09-30", "days": 5, "kind": "natural_days"}).json()
    # 10-05 is inside the National Day holiday: the period ends on the next working day.
    assert body["result"] == "2026-10-08"
    assert client.get("/api/workdays/count", {"start": "2026-09-30", "end": "2026-10-13"}).json()["working_days"] == 5


def test_bad_working_day_input_is_refused_in_chinese(client):
    response = client.get("/api/workdays/add", {"start": "2026-13-01", "days": 5})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "start", "message": "日期格式无效，应为 YYYY-MM-DD"}
    response = client.get("/api/workdays/add", {"start": "2026-10-01", "days": -1})
    assert response.json()["errors"][0] == {"field": "days", "message": "不能小于 0"}
    response = client.get("/api/workdays/add", {"start": "2026-10-01"})
    assert response.json()["errors"][0] == {"field": "days", "message": "必填"}


def test_openapi_document_is_served(client):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/items" in schema["paths"] and "/api/workdays/add" in schema["paths"]


def test_counting_working_days_over_ten_thousand_years_is_refused_naming_the_fields(client):
    response = client.get("/api/workdays/count", {"start": "0001-01-01", "end": "9999-12-31"})
    assert response.status_code == 422
    body = response.json()
    assert {e["field"] for e in body["errors"]} == {"start", "end"}
    assert "不能小于 1900-01-01" in body["detail"]


def test_counting_working_days_over_more_than_ten_years_is_refused(client):
    response = client.get("/api/workdays/count", {"start": "2000-01-01", "end": "2026-01-01"})
    assert response.status_code == 422
    assert response.json()["detail"] == "字段 结束日期：与开始日期相隔不能超过 3660 天（10 年），请分段计算"


def test_adding_days_past_the_calendar_is_refused(client):
    response = client.get("/api/workdays/add", {"start": "9999-12-30", "days": 5})
    assert response.status_code == 422
    assert "字段 开始日期：不能大于 2199-12-31" in response.json()["detail"]
