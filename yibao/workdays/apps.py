from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "yibao.workdays"
    label = "workdays"
