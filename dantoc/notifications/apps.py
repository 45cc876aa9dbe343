from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dantoc.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from dantoc.accounts.services import SECURITY_NOTICE
        from dantoc.core.events import listen
        from dantoc.notifications.services import security_notice_send

        listen(SECURITY_NOTICE, security_notice_send)
