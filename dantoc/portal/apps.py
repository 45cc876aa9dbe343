from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dantoc.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"
