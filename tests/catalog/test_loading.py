"""Publishing a catalog: versions, immutability, refusals that change nothing."""

import pytest

from yibao.audit.models import AuditEntry
from yibao.catalog.files import CatalogFileError
from yibao.catalog.models import CatalogVersion, Item, PublishedCatalogIsImmutable
from yibao.catalog.services import load_catalog

pytestmark = pytest.mark.django_db


def versions(city):
    return list(CatalogVersion.objects.filter(region__slug=city).order_by("number"))


def test_real_catalogs_are_published_for_the_three_cities(catalog):
    for city in ("taiyuan", "changzhi", "jincheng"):
        current = CatalogVersion.objects.get(region__slug=city, is_current=True)
        assert current.items.count() > 0


def test_loading_an_unchanged_file_publishes_nothing_new(catalog):
    before = len(versions("jincheng"))
    result = load_catalog(city="jincheng", actor="clerk")
    assert result.created is False
    assert len(versions("jincheng")) == before


def test_a_changed_file_becomes_a_new_version_and_the_old_one_is_kept(catalog, write_catalog, minimal_catalog):
    old = CatalogVersion.objects.get(region__slug="taiyuan", is_current=True)
    old_count = old.items.count()
    result = load_catalog(city="taiyuan", actor="clerk", path=write_catalog(minimal_catalog))
    assert result.created and result.version == old.number + 1 and result.items == 3
    old.refresh_from_db()
    assert old.is_current is False and old.items.count() == old_count
    new = CatalogVersion.objects.get(region__slug="taiyuan", is_current=True)
    assert new.number == old.number + 1
    sub = new.items.get(key="employee-enrollment-new")
    assert sub.parent.key == "employee-enrollment"
    assert AuditEntry.objects.filter(action="catalog.publish", object_id=str(new.pk), actor="clerk").exists()


def test_a_group_item_shows_the_time_limit_of_its_sub_items(catalog, write_catalog, minimal_catalog):
    load_catalog(city="taiyuan", actor="clerk", path=write_catalog(minimal_catalog))
    group = Item.objects.get(version__region__slug="taiyuan", version__is_current=True, key="employee-enrollment")
    assert group.is_group
    assert group.time_limit_kind == "instant"
    assert "按子项办理" in group.time_limit_text


def test_a_published_item_cannot_be_edited_in_place(catalog):
    item = Item.objects.filter(version__is_current=True).first()
    item.name = "改名"
    with pytest.raises(PublishedCatalogIsImmutable, match="不可修改"):
        item.save()
    item.refresh_from_db()
    assert item.name != "改名"


def test_a_broken_file_is_refused_and_nothing_is_loaded(catalog, write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["time_limit"]["kind"] = "soon"
    before = [(v.number, v.is_current) for v in versions("taiyuan")]
    items_before = Item.objects.count()
    with pytest.raises(CatalogFileError, match="单位参保登记"):
        load_catalog(city="taiyuan", actor="clerk", path=write_catalog(minimal_catalog))
    assert [(v.number, v.is_current) for v in versions("taiyuan")] == before
    assert Item.objects.count() == items_before
