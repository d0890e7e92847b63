from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "yibao.outbox"
    label = "outbox"
    verbose_name = "外发消息"
