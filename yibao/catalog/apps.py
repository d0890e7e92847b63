from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yibao.catalog"
    label = "catalog"
