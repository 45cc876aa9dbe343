from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class OpendataConfig(AppConfig):
    name = "dantoc.opendata"
    label = "opendata"
    api_urls = "dantoc.opendata.api_urls"
    verbose_name = _("Dữ liệu mở")

    demo_loaders = (
        Loader(
            "opendata.demo", "dantoc.opendata.demo.demo_datasets_load", after=("analytics.demo",)
        ),
    )
    menu = (
        MenuEntry(_("Dữ liệu mở"), "opendata:catalogue", order=40),
        MenuEntry(
            _("Quản lý dữ liệu mở"),
            "opendata:manage",
            allowed="dantoc.opendata.permissions.can_manage_datasets",
            order=120,
        ),
    )

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.opendata.tasks import on_figures_changed

        # Newly approved (or reopened) figures refresh the published data sets they feed.
        listen("reporting.figures_changed", on_figures_changed)
