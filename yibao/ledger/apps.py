from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "yibao.ledger"
    label = "ledger"
