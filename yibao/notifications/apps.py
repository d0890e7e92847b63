from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "yibao.notifications"
    verbose_name = "短信通知"

    def ready(self):
        from yibao.notifications import delivery  # noqa: F401  (register the SMS deliverer with the outbox)
