"""The public service-guide pages: lists, search, item pages."""

import html as htmllib
import re

import pytest
from django.utils.html import escape

from yibao.catalog.models import Item

pytestmark = pytest.mark.django_db

CITIES = ("taiyuan", "changzhi", "jincheng")


def current_items(city):
    return Item.objects.filter(version__region__slug=city, version__is_current=True).select_related("category")


def result_names(html: str) -> set[str]:
    found = re.findall(r'<a href="/guides/[a-z]+/[a-z0-9-]+/">(?:[^<]* · )?([^<]+)</a>', html)
    return {htmllib.unescape(name) for name in found}


@pytest.mark.parametrize("city", CITIES)
def test_city_page_lists_every_item(client, catalog, city):
    response = client.get(f"/guides/{city}/")
    assert response.status_code == 200
    names = result_names(response.content.decode())
    assert {i.name for i in current_items(city)} <= names


@pytest.mark.parametrize("city", CITIES)
def test_searching_yidi_finds_every_off_site_filing_item(client, catalog, city):
    filing = {i.name for i in current_items(city) if i.category.number == 4}
    assert filing, "every city has off-site filing items"
    names = result_names(client.get(f"/guides/{city}/", {"q": "异地"}).content.decode())
    assert filing <= names


@pytest.mark.parametrize("city", CITIES)
def test_searching_baoxiao_finds_every_reimbursement_item(client, catalog, city):
    wanted = {i.name for i in current_items(city) if i.category.number == 6 or "报销" in i.name}
    assert wanted
    names = result_names(client.get(f"/guides/{city}/", {"q": "报销"}).content.decode())
    assert wanted <= names
    # and nothing unrelated: every hit mentions 报销 in its name, category or materials
    for name in names:
        item = current_items(city).get(name=name)
        assert "报销" in item.search_text


def test_search_with_no_match_says_so(client, catalog):
    response = client.get("/guides/taiyuan/", {"q": "火星移民"})
    assert response.status_code == 200
    assert "没有找到符合条件的事项" in response.content.decode()


def test_an_htmx_search_returns_only_the_result_list(client, catalog):
    response = client.get("/guides/jincheng/", {"q": "异地"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "异地" in html


def test_a_bad_category_is_refused_in_chinese(client, catalog):
    response = client.get("/guides/taiyuan/", {"category": "99"})
    assert response.status_code == 400
    assert "参数 category「99」无效" in response.content.decode()


def test_the_category_filter_keeps_only_that_category(client, catalog):
    names = result_names(client.get("/guides/changzhi/", {"category": "7"}).content.decode())
    expected = {i.name for i in current_items("changzhi") if i.category.number == 7}
    assert names == expected


@pytest.mark.parametrize("city", CITIES)
def test_every_item_page_renders_with_its_flowchart(client, catalog, city):
    for item in current_items(city):
        response = client.get(f"/guides/{city}/{item.key}/")
        assert response.status_code == 200, item.key
        html = response.content.decode()
        assert escape(item.name) in html
        if item.steps:
            assert "<svg" in html and f"办理流程：{'—'.join(item.steps)}" in html
        for material in item.data.get("materials", []):
            assert escape(material["name"]) in html


def test_unknown_city_and_item_are_404(client, catalog):
    assert client.get("/guides/beijing/").status_code == 404
    assert client.get("/guides/taiyuan/no-such-item/").status_code == 404


def test_home_links_the_three_cities(client, catalog):
    html = client.get("/").content.decode()
    for name in ("太原市", "长治市", "晋城市"):
        assert name in html
