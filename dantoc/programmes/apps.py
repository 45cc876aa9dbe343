from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class ProgrammesConfig(AppConfig):
    name = "dantoc.programmes"
    label = "programmes"
    api_urls = "dantoc.programmes.api_urls"
    verbose_name = _("Danh mục chương trình")

    reference_loaders = (
        Loader("programmes.catalogue", "dantoc.programmes.services.catalogue_reference_load"),
    )
    menu = (MenuEntry(_("Chương trình"), "programmes:programme_list", order=30),)
