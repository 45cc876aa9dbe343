from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class AnalyticsConfig(AppConfig):
    name = "dantoc.analytics"
    label = "analytics"
    api_urls = "dantoc.analytics.api_urls"
    verbose_name = _("Phân tích, tổng hợp")

    reference_loaders = (
        Loader(
            "analytics.computed",
            "dantoc.analytics.services.computed_indicators_reference_load",
            after=("indicators.catalogue",),
        ),
    )
    demo_loaders = (
        Loader(
            "analytics.demo",
            "dantoc.analytics.demo.demo_load",
            after=("accounts.demo_users",),
        ),
    )
    menu = (
        MenuEntry(
            _("Số liệu tổng hợp"),
            "analytics:dashboard",
            allowed="dantoc.analytics.permissions.can_view_analytics",
            order=80,
        ),
    )

    def ready(self) -> None:
        from dantoc.analytics import rollups
        from dantoc.core import figures
        from dantoc.core.events import listen_now

        # Roll-ups change in the transaction of every value write and approval (core.figures).
        listen_now(figures.VALUES_LOCK, rollups.rollups_lock)
        listen_now(figures.VALUES_DELTA, rollups.rollups_apply_delta)
        listen_now(figures.VALUES_CHANGED, rollups.rollups_refresh)
        listen_now(figures.INDICATOR_CHANGED, rollups.rollups_refresh_indicator)
        # The metadata version's row and triggers, after every migrate and flush (see
        # ``metadata``): a table rebuilt by a later migration gets its triggers back.
        post_migrate.connect(_metadata_triggers_install, sender=self)


def _metadata_triggers_install(sender, using="default", **kwargs) -> None:
    from dantoc.analytics.metadata import triggers_install

    triggers_install(using)
