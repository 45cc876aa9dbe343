from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AnalyticsConfig(AppConfig):
    name = "dantoc.analytics"
    label = "analytics"
    verbose_name = "Phân tích, tổng hợp"

    def ready(self) -> None:
        # The metadata version's row and triggers, after every migrate and flush (see
        # ``metadata``): a table rebuilt by a later migration gets its triggers back.
        post_migrate.connect(_metadata_triggers_install, sender=self)


def _metadata_triggers_install(sender, using="default", **kwargs) -> None:
    from dantoc.analytics.metadata import triggers_install

    triggers_install(using)
