from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "yibao.transfers"
    label = "transfers"
    verbose_name = "转移接续"

    def ready(self):
        from yibao.transfers import delivery, handlers  # noqa: F401  (register the outbox deliverer, item handlers)
