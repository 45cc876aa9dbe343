from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class GeoConfig(AppConfig):
    name = "dantoc.geo"
    label = "geo"
    api_urls = "dantoc.geo.api_urls"
    verbose_name = _("Đơn vị hành chính và dân tộc")

    reference_loaders = (
        Loader("geo.units", "dantoc.geo.services.units_reference_load"),
        Loader("geo.ethnic_groups", "dantoc.geo.services.ethnic_groups_reference_load"),
    )
    menu = (
        MenuEntry(_("Đơn vị hành chính"), "geo:unit_index", order=10),
        MenuEntry(_("Dân tộc"), "geo:ethnic_group_list", order=20),
    )
