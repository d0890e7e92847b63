from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "yibao.evaluations"
    verbose_name = "好差评"
    label = "evaluations"
