"""The item → category data file covers every category-四 item, and destinations come from stdnum."""

import pytest

from yibao.catalog.files import CITIES, city_path, read_city_file
from yibao.offsite.locations import UnknownDestination, cities_of, provinces, resolve_destination
from yibao.offsite.models import FilingCategory
from yibao.offsite.rules import filing_rules


def test_every_item_naming_the_offsite_handler_has_categories_in_the_data_file():
    rules = filing_rules()
    for city in CITIES:
        named = {item.key for item in read_city_file(city_path(city)).catalog.items
                 if item.handler == "offsite_filing"}
        assert named, city
        assert named == set(rules.items.get(city, {})), city


def test_the_data_file_categories_are_the_model_categories():
    assert set(filing_rules().categories) == set(FilingCategory.values)
    for value, label in FilingCategory.choices:
        assert filing_rules().categories[value].label == label


def test_destinations_are_provinces_and_prefectures_of_the_division_table():
    names = [p.name for p in provinces()]
    assert len(names) == 31 and "香港特別行政區" not in names and "台湾省" not in names
    assert [c.name for c in cities_of("140000")][:3] == ["太原市", "大同市", "阳泉市"]
    assert resolve_destination("44", "440300")[1].name == "深圳市"
    assert resolve_destination("上海市", "")[1].code == "310000"  # a municipality is its own city
    assert resolve_destination("西藏自治区", "")[1].code == "540000"  # province-level pooling
    with pytest.raises(UnknownDestination, match="请填写广东省的地级市"):
        resolve_destination("广东省", "")
