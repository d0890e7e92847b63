from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "yibao.console"
    verbose_name = "经办工作台"
    label = "console"
