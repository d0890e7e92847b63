from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "yibao.hall"
    label = "hall"
