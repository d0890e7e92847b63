from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "yibao.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self):
        from yibao import reference_rows
        from yibao.cases import handlers  # noqa: F401  (registers the system check)

        reference_rows.forget_on_changes()
