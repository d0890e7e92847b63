from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "yibao.evaluations"
    label = "evaluations"
