from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dantoc.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"

    def ready(self) -> None:
        # The services register how articles and documents are revised (portal.revisions).
        from dantoc.portal import services  # noqa: F401
