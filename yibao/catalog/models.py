from django.db import models
from django.db.models import Q

from yibao.agencies.models import Region


class PublishedCatalogIsImmutable(Exception):
    """An attempt to edit a published catalog version in place."""


class Category(models.Model):
    """One of the ten categories (类别) of the national item list."""

    number = models.PositiveSmallIntegerField("序号", unique=True)
    name = models.CharField("名称", max_length=80)
    code = models.CharField("主项编码", max_length=12, blank=True)

    class Meta:
        verbose_name = "事项类别"
        verbose_name_plural = "事项类别"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class CatalogVersion(models.Model):
    """A published version of one region's item list (事项清单).

    Versions are append-only: a changed data file creates a new version, and
    cases keep pointing at the items of the version they were filed under.
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="catalog_versions")
    number = models.PositiveIntegerField("版本号")
    sha256 = models.CharField("数据文件摘要", max_length=64)
    source_title = models.CharField("来源文件", max_length=200)
    source_doc_no = models.CharField("文号", max_length=80, blank=True)
    seed_file = models.CharField("原始文本", max_length=80)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    published_by = models.CharField("发布人", max_length=150)
    is_current = models.BooleanField("现行版本", default=True)

    class Meta:
        verbose_name = "事项清单版本"
        verbose_name_plural = "事项清单版本"
        ordering = ["region", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="catalog_version_number_unique"),
            models.UniqueConstraint(
                fields=["region"], condition=Q(is_current=True), name="catalog_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.name} 第{self.number}版"


class Item(models.Model):
    """A service item (事项, main or sub) as published in one catalog version.

    ``data`` holds the whole validated entry of the data file (see
    ``yibao.catalog.schema.Item``); the columns beside it are what lists,
    search and the case engine filter on.
    """

    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField("顺序")
    key = models.CharField("标识", max_length=80)
    code = models.CharField("事项编码", max_length=12, blank=True)
    national_item = models.CharField("国家子项编码", max_length=12, blank=True)
    name = models.CharField("事项名称", max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    time_limit_kind = models.CharField("时限类型", max_length=20, blank=True)
    time_limit_days = models.PositiveSmallIntegerField("时限天数", null=True, blank=True)
    time_limit_text = models.CharField("办理时限", max_length=200, blank=True)
    steps = models.JSONField("办理环节", default=list)
    tongban_scope = models.CharField("通办范围", max_length=40, blank=True)
    search_text = models.TextField("检索文本")
    data = models.JSONField("事项数据")

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="catalog_item_key_unique"),
        ]
        indexes = [models.Index(fields=["version", "category"], name="catalog_item_category_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PublishedCatalogIsImmutable(
                "已发布的事项清单版本不可修改：请修改数据文件后重新载入，生成新版本。"
            )
        super().save(*args, **kwargs)

    @property
    def is_group(self) -> bool:
        """A main item whose time limit and steps are those of its sub-items."""
        return self.data.get("time_limit") is None
