from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yibao.api"
    verbose_name = "开放接口"
    label = "api"
