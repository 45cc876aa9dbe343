from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "dantoc.media"
    label = "media"
    verbose_name = _("Tệp đa phương tiện")

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.media import services, tasks

        listen(services.ASSET_WAITING_EVENT, tasks.on_asset_waiting)
