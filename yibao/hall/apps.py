from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "yibao.hall"
    verbose_name = "网上服务大厅"
    label = "hall"
