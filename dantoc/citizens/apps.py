from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class CitizensConfig(AppConfig):
    name = "dantoc.citizens"
    label = "citizens"
    verbose_name = _("Thông tin cho đồng bào")

    demo_loaders = (
        Loader(
            "citizens.demo",
            "dantoc.citizens.demo.demo_load",
            after=("accounts.demo_users", "portal.demo"),
        ),
    )
    menu = (
        MenuEntry(_("Cho đồng bào"), "citizens:home", order=5),
        MenuEntry(
            _("Biên tập tin cho đồng bào"),
            "citizens:editor_list",
            allowed="dantoc.portal.permissions.is_editor",
            order=111,
        ),
    )
    capabilities = (
        (
            "content_editor",
            _("Soạn chính sách giải thích và tin thiết thực cho đồng bào, bản dịch tiếng dân tộc"),
            "citizens:editor_list",
        ),
    )

    def ready(self) -> None:
        # The services register citizen items with the editorial workflow.
        from dantoc.citizens import services  # noqa: F401
