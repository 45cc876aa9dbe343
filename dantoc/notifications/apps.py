from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dantoc.notifications"
    label = "notifications"
    verbose_name = "Thông báo"
