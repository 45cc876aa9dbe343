from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class PortalConfig(AppConfig):
    name = "dantoc.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"
    capabilities = (
        ("content_editor", _("Soạn và xuất bản tin bài, văn bản, chính sách trên cổng thông tin")),
    )

    demo_loaders = (
        Loader(
            "portal.demo", "dantoc.portal.demo.demo_content_load", after=("accounts.demo_users",)
        ),
    )
    menu = (
        MenuEntry(_("Cổng thông tin"), "portal:home", order=50),
        MenuEntry(
            _("Biên tập"),
            "portal:editor_articles",
            allowed="dantoc.portal.permissions.is_editor",
            order=110,
        ),
    )

    def ready(self) -> None:
        # The services register articles and documents with the editorial workflow and its
        # revisions (dantoc.editorial).
        from dantoc.portal import services  # noqa: F401
