from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class ExpertsConfig(AppConfig):
    name = "dantoc.experts"
    label = "experts"
    verbose_name = _("Chuyên gia")
    default_auto_field = "django.db.models.BigAutoField"
    api_urls = "dantoc.experts.api_urls"

    reference_loaders = (
        Loader(
            "experts.fields",
            "dantoc.experts.services.fields_reference_load",
            after=("programmes.catalogue",),
        ),
    )
    demo_loaders = (
        Loader(
            "experts.demo",
            "dantoc.experts.demo.demo_load",
            after=("accounts.demo_users",),
        ),
    )
    menu = (MenuEntry(_("Chuyên gia"), "experts:directory", order=55),)
    capabilities = (
        (
            "province_officer",
            _("Xác minh chuyên gia, ghi lần tham gia, nhập và xuất danh sách"),
            "experts:manage",
        ),
        (
            "ministry_officer",
            _("Xác minh chuyên gia, ghi lần tham gia, nhập và xuất danh sách"),
            "experts:manage",
        ),
        ("commune_reporter", _("Tìm chuyên gia theo lĩnh vực, địa bàn, ngôn ngữ"), "experts:match"),
    )
