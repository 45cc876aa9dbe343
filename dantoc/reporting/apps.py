from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry, RoleDeclaration


class ReportingConfig(AppConfig):
    name = "dantoc.reporting"
    label = "reporting"
    api_urls = "dantoc.reporting.api_urls"
    verbose_name = _("Báo cáo")
    # The reporting hierarchy: a role is held only at its level. Officers who approve reports
    # sign in with a second factor.
    roles = (
        RoleDeclaration(
            "commune_reporter",
            "Cán bộ báo cáo cấp xã",
            "Commune reporter",
            levels=frozenset({"commune"}),
            description="Nhập và nộp báo cáo của xã.",
        ),
        RoleDeclaration(
            "district_officer",
            "Cán bộ cấp huyện",
            "District officer",
            levels=frozenset({"district"}),
            requires_2fa=True,
            description="Duyệt báo cáo của các xã trực thuộc (các kỳ trước 01/07/2025).",
        ),
        RoleDeclaration(
            "province_officer",
            "Cán bộ cấp tỉnh",
            "Province officer",
            levels=frozenset({"province"}),
            requires_2fa=True,
            description="Duyệt báo cáo của các đơn vị trong tỉnh, theo dõi số liệu tổng hợp của tỉnh.",
        ),
        RoleDeclaration(
            "ministry_officer",
            "Cán bộ cấp bộ",
            "Ministry officer",
            levels=frozenset({"country"}),
            requires_2fa=True,
            description="Định nghĩa chỉ tiêu, biểu mẫu; duyệt báo cáo cấp tỉnh; xem số liệu toàn quốc.",
        ),
    )
    capabilities = (
        (
            "commune_reporter",
            _("Nhập số liệu báo cáo của xã, nộp báo cáo đúng hạn"),
            "reporting:index",
        ),
        ("commune_reporter", _("Tải biểu mẫu Excel, điền và tải lên lại"), "reporting:index"),
        (
            "district_officer",
            _("Xem, duyệt hoặc trả lại báo cáo của các xã trực thuộc"),
            "reporting:index",
        ),
        (
            "province_officer",
            _("Xem, duyệt hoặc trả lại báo cáo của các đơn vị trong tỉnh"),
            "reporting:index",
        ),
        ("province_officer", _("Theo dõi tiến độ và số liệu tổng hợp của tỉnh")),
        ("ministry_officer", _("Định nghĩa chỉ tiêu và biểu mẫu báo cáo")),
        ("ministry_officer", _("Duyệt báo cáo cấp tỉnh, xem số liệu toàn quốc")),
    )

    reference_loaders = (
        Loader(
            "reporting.forms",
            "dantoc.reporting.services.forms_reference_load",
            after=("geo.units", "indicators.catalogue"),
        ),
    )
    menu = (
        MenuEntry(
            _("Báo cáo"), "reporting:index", allowed="dantoc.core.registry.is_signed_in", order=70
        ),
    )

    def ready(self) -> None:
        from dantoc.core import figures
        from dantoc.reporting.selectors import indicator_has_values

        figures.value_holder_register(indicator_has_values)
