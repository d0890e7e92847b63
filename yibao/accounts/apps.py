from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yibao.accounts"
    label = "accounts"
    verbose_name = "登录账号"
