from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "yibao.enrollment"
    label = "enrollment"
    verbose_name = "参保登记"

    def ready(self):
        from yibao.enrollment import handlers  # noqa: F401  (registers item handlers)
