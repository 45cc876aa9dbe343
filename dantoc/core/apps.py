from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dantoc.core"
    label = "core"
    verbose_name = "Lõi"

    def ready(self) -> None:
        from dantoc.core import languages

        languages.register()
