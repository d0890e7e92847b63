from django.db import models


class Region(models.Model):
    """A 统筹区 (pooling region), here one per city."""

    slug = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    code = models.CharField("行政区划代码", max_length=6, unique=True)

    class Meta:
        verbose_name = "统筹区"
        verbose_name_plural = "统筹区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
