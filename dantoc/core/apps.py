from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dantoc.core"
    label = "core"
    verbose_name = _("Lõi")

    def ready(self) -> None:
        from dantoc.core import languages

        languages.register()
