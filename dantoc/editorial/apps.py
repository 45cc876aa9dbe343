from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    """The editorial workflow shared by every kind of content (``editorial.services``)."""

    name = "dantoc.editorial"
    label = "editorial"
    verbose_name = _("Quy trình biên tập")

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.editorial import services, tasks

        listen(services.SCHEDULED_EVENT, tasks.on_publication_scheduled)
