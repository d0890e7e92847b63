"""The public JSON form of a city's catalog (README: "Catalog export format")."""

from __future__ import annotations

from django.db import DatabaseError

from yibao.catalog.files import city_path, read_city_file, read_national_file
from yibao.catalog.models import CatalogVersion
from yibao.catalog.presentation import effective_items, export_entry
from yibao.catalog.selectors import items_of


def _limit_dict(kind: str, days: int | None, text: str) -> dict | None:
    if not kind:
        return None
    return {"kind": kind, "days": days, "text": text}


def export_version(version: CatalogVersion) -> list[dict]:
    """Every item of a published version, sub-items as their own entries."""
    return [
        export_entry(
            item.data,
            parent_name=item.parent.name if item.parent else None,
            category_name=item.category.name,
            limit=_limit_dict(item.time_limit_kind, item.time_limit_days, item.time_limit_text),
            steps=item.steps,
        )
        for item in items_of(version)
    ]


def export_file(city: str) -> list[dict]:
    """The same export built straight from the data file (no database needed)."""
    catalog = read_city_file(city_path(city)).catalog
    names = {c.number: c.name for c in read_national_file().categories}
    by_key = {i.key: i for i in catalog.items}
    return [
        export_entry(
            item.model_dump(mode="json", exclude_none=True),
            parent_name=by_key[item.parent].name if item.parent else None,
            category_name=names[item.category],
            limit=limit.model_dump(mode="json") if limit else None,
            steps=steps,
        )
        for item, limit, steps in effective_items(catalog)
    ]


def export_city(city: str) -> tuple[list[dict], str]:
    """The current published version if the database has one, else the data file.

    Returns the entries and a description of where they came from.
    """
    try:
        version = (
            CatalogVersion.objects.select_related("region")
            .filter(region__slug=city, is_current=True)
            .first()
        )
    except DatabaseError:
        version = None  # no database yet (e.g. before the first migrate)
    if version is not None:
        return export_version(version), f"数据库现行第 {version.number} 版"
    city_path(city)  # raises for an unknown city
    return export_file(city), "数据文件（尚未载入数据库）"
