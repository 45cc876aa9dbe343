from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader


class IndicatorsConfig(AppConfig):
    name = "dantoc.indicators"
    label = "indicators"
    verbose_name = _("Chỉ tiêu")

    reference_loaders = (
        Loader(
            "indicators.catalogue",
            "dantoc.indicators.services.indicators_reference_load",
            after=("geo.ethnic_groups", "programmes.catalogue"),
        ),
    )
