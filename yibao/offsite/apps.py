from django.apps import AppConfig


class OffsiteConfig(AppConfig):
    name = "yibao.offsite"
    label = "offsite"
    verbose_name = "异地就医备案"

    def ready(self):
        from yibao.offsite import handlers  # noqa: F401  (registers item handlers)
