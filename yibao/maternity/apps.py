from django.apps import AppConfig


class MaternityConfig(AppConfig):
    name = "yibao.maternity"
    label = "maternity"
    verbose_name = "生育保险待遇"

    def ready(self):
        from yibao.maternity import handlers  # noqa: F401  (registers item handlers)
