from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class ReportingConfig(AppConfig):
    name = "dantoc.reporting"
    label = "reporting"
    verbose_name = _("Báo cáo")
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
