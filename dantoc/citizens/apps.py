from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class CitizensConfig(AppConfig):
    name = "dantoc.citizens"
    label = "citizens"
    verbose_name = _("Thông tin cho đồng bào")

    reference_loaders = (
        Loader("citizens.market_products", "dantoc.citizens.market.products_reference_load"),
    )
    demo_loaders = (
        Loader(
            "citizens.demo",
            "dantoc.citizens.demo.demo_load",
            after=("accounts.demo_users", "portal.demo"),
        ),
        Loader(
            "citizens.demo_ocop",
            "dantoc.citizens.demo.demo_ocop_load",
            after=("accounts.demo_users",),
        ),
        Loader(
            "citizens.demo_prices",
            "dantoc.citizens.demo.demo_prices_load",
            after=("accounts.demo_users",),
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
        MenuEntry(
            _("Nhập giá nông sản"),
            "citizens:prices_enter",
            allowed="dantoc.citizens.permissions.is_price_officer",
            order=112,
        ),
        MenuEntry(
            _("Sản phẩm OCOP của tỉnh"),
            "citizens:ocop_editor_list",
            allowed="dantoc.citizens.permissions.is_price_officer",
            order=113,
        ),
    )
    capabilities = (
        (
            "content_editor",
            _("Soạn chính sách giải thích và tin thiết thực cho đồng bào, bản dịch tiếng dân tộc"),
            "citizens:editor_list",
        ),
        (
            "province_officer",
            _("Nhập giá nông sản của tỉnh cho trang đồng bào (từng giá hoặc từ tệp)"),
            "citizens:prices_enter",
        ),
        (
            "province_officer",
            _("Nhập sản phẩm OCOP của tỉnh; cán bộ khác của tỉnh duyệt và xuất bản"),
            "citizens:ocop_editor_list",
        ),
    )

    def ready(self) -> None:
        # The services register citizen items and OCOP products with the editorial workflow.
        from dantoc.citizens import ocop, services  # noqa: F401
