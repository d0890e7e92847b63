from django.apps import AppConfig


class ReimbursementConfig(AppConfig):
    name = "yibao.reimbursement"
    label = "reimbursement"
    verbose_name = "零星报销"

    def ready(self):
        from yibao.reimbursement import handlers  # noqa: F401  (registers item handlers)
