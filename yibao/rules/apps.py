from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "yibao.rules"
    verbose_name = "待遇政策参数"

    def ready(self) -> None:
        from yibao.rules import checks  # noqa: F401  (registers the system check)
