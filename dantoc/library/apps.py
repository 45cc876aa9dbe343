from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry, OaiSource, RoleDeclaration


class LibraryConfig(AppConfig):
    name = "dantoc.library"
    label = "library"
    verbose_name = _("Thư viện điện tử")

    demo_loaders = (
        Loader("library.demo", "dantoc.library.demo.demo_load", after=("accounts.demo_users",)),
    )
    menu = (
        MenuEntry(_("Thư viện"), "library:home", order=40),
        MenuEntry(
            _("Biên mục thư viện"),
            "library:editor_list",
            allowed="dantoc.library.permissions.is_librarian",
            order=112,
        ),
    )
    roles = (
        RoleDeclaration(
            "librarian",
            "Cán bộ thư viện",
            "Librarian",
            levels=frozenset({"country", "province"}),
            requires_2fa=False,
            description="Biên mục tài liệu của thư viện điện tử về công tác dân tộc; duyệt và "
            "xuất bản tài liệu do người khác biên mục.",
        ),
    )
    capabilities = (
        (
            "librarian",
            _("Biên mục, duyệt và xuất bản tài liệu thư viện điện tử"),
            "library:editor_list",
        ),
        (
            "content_editor",
            _("Biên mục, duyệt và xuất bản tài liệu thư viện điện tử"),
            "library:editor_list",
        ),
    )
    oai_sources = (
        OaiSource(
            prefix="library",
            records="dantoc.library.oai.records",
            record="dantoc.library.oai.record",
            sets="dantoc.library.oai.sets",
        ),
    )

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.library import services, tasks

        listen(services.TEXT_WAITING, tasks.on_text_waiting)
