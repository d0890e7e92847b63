from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "yibao.settlement"
    label = "settlement"
    verbose_name = "定点医药机构费用结算"

    def ready(self):
        from yibao.settlement import handlers  # noqa: F401  (registers item handlers)
