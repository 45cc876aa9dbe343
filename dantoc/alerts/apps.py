"""Disaster warnings: a shared service of its own, below the citizen pages.

ARCHITECTURE.md lists CAP alerts under ``citizens``; they are a separate app so that the
citizen pages, the portal and (later) the Zalo/SMS channels read the same warnings without
depending on each other.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class AlertsConfig(AppConfig):
    name = "dantoc.alerts"
    label = "alerts"
    verbose_name = _("Cảnh báo thiên tai")

    demo_loaders = (
        Loader(
            "alerts.demo", "dantoc.alerts.demo.demo_alerts_load", after=("accounts.demo_users",)
        ),
    )
    # The citizen pages' "warnings" slot (dantoc/citizens/slots.py): the banner for the
    # reader's commune, first on every citizen page.
    citizen_blocks = (("warnings", "alerts/banner.html", "dantoc.alerts.citizen.warnings_context"),)
    menu = (
        MenuEntry(
            _("Cảnh báo thiên tai"),
            "alerts:manage_list",
            allowed="dantoc.alerts.permissions.can_view_alert_pages",
            order=70,
        ),
    )
    capabilities = (
        (
            "province_officer",
            _("Phát, cập nhật, hủy cảnh báo thiên tai cho các xã trong tỉnh"),
            "alerts:manage_list",
        ),
        (
            "district_officer",
            _("Phát, cập nhật, hủy cảnh báo thiên tai cho các xã trong huyện"),
            "alerts:manage_list",
        ),
        (
            "commune_reporter",
            _("Phát, cập nhật, hủy cảnh báo thiên tai cho xã mình"),
            "alerts:manage_list",
        ),
    )
