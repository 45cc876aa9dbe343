from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dantoc.core"
    label = "core"
    verbose_name = "Lõi"
