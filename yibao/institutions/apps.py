from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "yibao.institutions"
    label = "institutions"
    verbose_name = "定点医药机构"

    def ready(self):
        from yibao.institutions import handlers  # noqa: F401  (registers item handlers)
