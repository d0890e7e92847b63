"""Writes to the catalog: loading a city's data file as a new published version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from yibao.agencies.models import Region
from yibao.audit.services import record_audit
from yibao.catalog.files import CatalogFileError, city_path, read_city_file, read_national_file
from yibao.catalog.models import CatalogVersion, Category, Item
from yibao.catalog.presentation import effective_items
from yibao.reference_rows import forget_reference_rows


@dataclass(frozen=True)
class LoadResult:
    city: str
    version: int
    items: int
    created: bool  # False when the file equals the current version

    def describe(self) -> str:
        if self.created:
            return f"{self.city}：已发布第 {self.version} 版，共 {self.items} 个事项"
        return f"{self.city}：数据文件与现行第 {self.version} 版一致，未生成新版本（{self.items} 个事项）"


def _search_text(data: dict, category_name: str) -> str:
    parts = [data["name"], category_name, data.get("target") or ""]
    parts += data.get("situations", [])
    parts += [m["name"] for m in data.get("materials", [])]
    return "\n".join(p for p in parts if p)


@transaction.atomic
def sync_categories(*, actor: str) -> int:
    """Create or update the ten categories from national.yaml."""
    national = read_national_file()
    for category in national.categories:
        obj, created = Category.objects.get_or_create(
            number=category.number, defaults={"name": category.name, "code": category.code or ""}
        )
        if not created and (obj.name, obj.code) != (category.name, category.code or ""):
            before = {"name": obj.name, "code": obj.code}
            Category.objects.filter(pk=obj.pk).update(name=category.name, code=category.code or "")
            forget_reference_rows()  # an update() sends no post_save
            record_audit(actor=actor, action="catalog.category.update", object_type="Category",
                         object_id=category.number, before=before,
                         after={"name": category.name, "code": category.code})
    return len(national.categories)


def load_catalog(*, city: str, actor: str, path: Path | None = None) -> LoadResult:
    """Validate a city's data file and publish it as the region's new current version.

    The whole file is validated before anything is written; a broken file raises
    ``CatalogFileError`` and leaves the database untouched. Loading an unchanged
    file is a no-op, so the command is safe to run on every start.
    """
    city_file = read_city_file(path or city_path(city))
    catalog = city_file.catalog
    if catalog.city != city:
        raise CatalogFileError(f"数据文件属于「{catalog.city}」，不是「{city}」")
    with transaction.atomic():
        sync_categories(actor=actor)
        region, _ = Region.objects.get_or_create(
            slug=catalog.city, defaults={"name": catalog.name, "code": catalog.region_code}
        )
        current = (
            CatalogVersion.objects.select_for_update()
            .filter(region=region, is_current=True)
            .first()
        )
        if current is not None and current.sha256 == city_file.sha256:
            return LoadResult(city, current.number, current.items.count(), created=False)
        number = (current.number + 1) if current else 1
        if current is not None:
            CatalogVersion.objects.filter(pk=current.pk).update(is_current=False)
            forget_reference_rows()
        version = CatalogVersion.objects.create(
            region=region,
            number=number,
            sha256=city_file.sha256,
            source_title=catalog.source.title,
            source_doc_no=catalog.source.doc_no or "",
            seed_file=catalog.source.seed_file,
            published_by=actor,
        )
        categories = {c.number: c for c in Category.objects.all()}
        by_key: dict[str, Item] = {}
        # Parents come before their sub-items in every data file, so one pass
        # creates each parent before the children that point at it.
        for position, (entry, limit, steps) in enumerate(effective_items(catalog), start=1):
            data = entry.model_dump(mode="json", exclude_none=True)
            category = categories[entry.category]
            item = Item(
                version=version,
                position=position,
                key=entry.key,
                code=entry.code or "",
                national_item=entry.national_item or "",
                name=entry.name,
                parent=by_key[entry.parent] if entry.parent else None,
                category=category,
                time_limit_kind=limit.kind.value if limit else "",
                time_limit_days=limit.days if limit else None,
                time_limit_text=limit.text if limit else "",
                steps=steps,
                tongban_scope=entry.tongban.scope if entry.tongban else "",
                search_text=_search_text(data, category.name),
                data=data,
            )
            item.save()
            by_key[entry.key] = item
        record_audit(
            actor=actor,
            action="catalog.publish",
            object_type="CatalogVersion",
            object_id=version.pk,
            before={"version": current.number, "sha256": current.sha256} if current else None,
            after={"city": city, "version": number, "sha256": city_file.sha256, "items": len(by_key)},
        )
    return LoadResult(city, number, len(by_key), created=True)
