from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dantoc.notifications"
    label = "notifications"
    api_urls = "dantoc.notifications.api_urls"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from dantoc.accounts.services import SECURITY_NOTICE
        from dantoc.core.events import listen
        from dantoc.notifications import services, tasks

        listen(SECURITY_NOTICE, services.security_notice_send)
        listen(services.CREATED_EVENT, tasks.on_notifications_created)
