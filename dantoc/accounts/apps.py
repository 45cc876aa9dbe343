from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dantoc.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
