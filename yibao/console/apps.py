from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "yibao.console"
    label = "console"
