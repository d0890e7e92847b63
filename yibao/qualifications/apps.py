from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "yibao.qualifications"
    label = "qualifications"
    verbose_name = "待遇资格核定"

    def ready(self):
        from yibao.qualifications import handlers  # noqa: F401  (registers item handlers)
