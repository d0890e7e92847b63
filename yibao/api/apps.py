from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yibao.api"
    label = "api"
