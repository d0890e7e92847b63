from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "yibao.payments"
    verbose_name = "基金支付台账"

    def ready(self):
        from yibao.payments import delivery  # noqa: F401  (register the bank-file deliverer)
