from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "yibao.payments"
    verbose_name = "基金支付台账"
