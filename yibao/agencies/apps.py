from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "yibao.agencies"
    label = "agencies"
