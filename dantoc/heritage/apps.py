"""The heritage archive (ARCHITECTURE.md: "Heritage archive (Di sản)"): festivals and customs
of the ethnic minorities as multimedia items under community protocols, with IIIF and a
source for the platform's OAI-PMH provider (``core.oai``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry, OaiSource, RoleDeclaration


class HeritageConfig(AppConfig):
    name = "dantoc.heritage"
    label = "heritage"
    verbose_name = _("Di sản văn hoá")
    api_urls = "dantoc.heritage.api_urls"

    reference_loaders = (
        Loader(
            "heritage.forms",
            "dantoc.heritage.figures.form_reference_load",
            after=("reporting.forms",),
        ),
    )
    demo_loaders = (
        Loader("heritage.demo", "dantoc.heritage.demo.demo_load", after=("accounts.demo_users",)),
    )
    menu = (MenuEntry(_("Di sản"), "heritage:item_list", order=75),)
    roles = (
        RoleDeclaration(
            "heritage_contributor",
            "Người đóng góp tư liệu cộng đồng",
            "Community heritage contributor",
            levels=frozenset({"commune"}),
            requires_2fa=False,
            description="Thành viên cộng đồng (nghệ nhân, người cao tuổi, cán bộ văn hoá thôn) "
            "ghi lại lễ hội, phong tục của xã: tạo tư liệu, tải ảnh, âm thanh, video; cán bộ "
            "tỉnh hoặc biên tập viên duyệt trước khi công bố.",
        ),
    )
    capabilities = (
        (
            "commune_reporter",
            _("Số hoá lễ hội, phong tục của xã: ảnh, âm thanh, video"),
            "heritage:manage_list",
        ),
        (
            "heritage_contributor",
            _("Ghi lại lễ hội, phong tục của cộng đồng: ảnh, âm thanh, video, gửi duyệt"),
            "heritage:manage_list",
        ),
        (
            "province_officer",
            _("Số hoá và duyệt tư liệu di sản văn hoá của tỉnh"),
            "heritage:manage_list",
        ),
        (
            "content_editor",
            _("Duyệt và công bố tư liệu di sản văn hoá"),
            "heritage:manage_list",
        ),
    )
    key_figures = ("TL_SO_HOA_DS",)
    oai_sources = (
        OaiSource(
            prefix="heritage",
            records="dantoc.heritage.oai_source.records",
            record="dantoc.heritage.oai_source.record",
            sets="dantoc.heritage.oai_source.sets",
        ),
    )

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.heritage import figures, services  # services registers the workflow

        listen(services.INVENTORY_CHANGED, figures.on_inventory_changed)
        listen(services.CHANGED, figures.on_item_changed)
        from dantoc.heritage.permissions import media_page_guard
        from dantoc.media.permissions import ASSET_GUARDS

        # The media pipeline's own pages follow the protocols too (administrators included).
        if media_page_guard not in ASSET_GUARDS:
            ASSET_GUARDS.append(media_page_guard)
