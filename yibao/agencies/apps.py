from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "yibao.agencies"
    verbose_name = "经办机构与人员"
    label = "agencies"
