from django.core.management.base import BaseCommand, CommandError

from dantoc.analytics.services import computed_indicators_load
from dantoc.core.errors import ImportRejected
from dantoc.geo.services import DATA_DIR, ethnic_groups_load, units_load
from dantoc.indicators.services import indicator_catalogue_load
from dantoc.programmes.services import catalogue_load
from dantoc.reporting.services import forms_load


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu tham chiếu: đơn vị hành chính, dân tộc, danh mục chương trình, chỉ tiêu, "
        "biểu mẫu báo cáo (idempotent)."
    )

    def handle(self, *args, **options):
        try:
            units = units_load(
                units_csv=DATA_DIR / "units" / "units.csv",
                successions_csv=DATA_DIR / "units" / "unit_successions.csv",
            )
            groups = ethnic_groups_load(path=DATA_DIR / "ethnic_groups" / "ethnic_groups.csv")
            catalogue = catalogue_load(
                programmes_csv=DATA_DIR / "programmes" / "programmes.csv",
                catalogue_csv=DATA_DIR / "programmes" / "catalogue.csv",
            )
            indicators = indicator_catalogue_load(path=DATA_DIR / "indicators" / "ntp1719.json")
            forms = forms_load(directory=DATA_DIR / "forms")
            computed = computed_indicators_load(
                path=DATA_DIR / "analytics" / "computed_indicators.json"
            )
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        for label, result in (
            ("units", units),
            ("ethnic groups", groups),
            ("catalogue", catalogue),
            ("indicators", indicators),
            ("forms", forms),
            ("computed indicators", computed),
        ):
            self.stdout.write(f"{label}: {result.as_dict()}")
