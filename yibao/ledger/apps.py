from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "yibao.ledger"
    verbose_name = "台账"
    label = "ledger"
