from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yibao.catalog"
    verbose_name = "事项清单"
    label = "catalog"
