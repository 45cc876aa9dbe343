from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "dantoc.opendata"
    label = "opendata"
    verbose_name = "Dữ liệu mở"

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.opendata.services import datasets_refresh_on_approval

        # Newly approved (or reopened) figures refresh the published data sets they feed.
        listen("reporting.figures_changed", datasets_refresh_on_approval)
