"""Reads of the published catalog."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from yibao.agencies.models import Region
from yibao.catalog.models import CatalogVersion, Category, Item
from yibao.queries import one_or_none


class CatalogNotLoaded(Exception):
    pass


def regions_with_catalog() -> QuerySet[Region]:
    return Region.objects.filter(catalog_versions__is_current=True).order_by("code").distinct()


def current_version(city: str) -> CatalogVersion:
    version = (
        CatalogVersion.objects.select_related("region")
        .filter(region__slug=city, is_current=True)
        .first()
    )
    if version is None:
        raise CatalogNotLoaded(f"「{city}」的事项清单尚未载入（运行 yibao catalog load）")
    return version


def items_of(version: CatalogVersion) -> QuerySet[Item]:
    return version.items.select_related("parent", "category").order_by("position")


def search_items(
    version: CatalogVersion, *, text: str = "", category: int | None = None
) -> QuerySet[Item]:
    """Items of a version matching a Chinese search text and/or a category.

    Every whitespace-separated word must occur in the item's name, category,
    target, situations or material names; items whose name contains the words
    come first.
    """
    items = items_of(version)
    if category is not None:
        items = items.filter(category__number=category)
    words = text.split()
    for word in words:
        items = items.filter(search_text__icontains=word)
    if words:
        name_match = When(name__icontains=words[0], then=Value(0))
        items = items.annotate(
            rank=Case(name_match, default=Value(1), output_field=IntegerField())
        ).order_by("rank", "position")
    return items


def get_item(version: CatalogVersion, key: str) -> Item | None:
    return items_of(version).filter(key=key).first()


def current_item(city: str, key: str) -> Item | None:
    """The item ``key`` of the city's current catalog, its version and region loaded, in one query
    (None for an unknown city or key: ``current_version`` and ``get_item`` then tell which)."""
    return one_or_none(Item.objects.select_related("version__region")
                       .filter(version__region__slug=city, version__is_current=True, key=key))


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("number")


def grouped_by_category(items: list[Item]) -> list[tuple[Category, list[Item]]]:
    groups: dict[int, tuple[Category, list[Item]]] = {}
    for item in items:
        groups.setdefault(item.category.number, (item.category, []))[1].append(item)
    return [groups[n] for n in sorted(groups)]
