"""The digitisation goal on the programme dashboard: per province and ethnic group, the
festivals and customs of the digitisation plan, and those digitised (an item describing them
published and still public, whatever its protocol: a community-only ritual is digitised).

The figures travel like reported data, as the meetings' do (``meetings.figures``): a form the
platform computes (``BM-DISAN-TINH``, yearly, one row per ethnic group; data/heritage/
forms.json) written through ``reporting.services.bulk.datavalues_import(actor=None,
source="system")``, so they are checked, kept with their history and rolled up to the
country by analytics; the computed indicator ``TL_SO_HOA_DS`` is the share. Each write
recounts the province's plan as it is now into the current year (totals, never increments:
running it again changes nothing); a past year keeps what was last written in it.
"""

from __future__ import annotations

import orjson
from django.db.models import Count, Q
from django.utils import timezone

from dantoc.analytics.services import computed_indicators_load
from dantoc.core.loading import DATA_DIR, LoadResult
from dantoc.editorial.models import publicly_visible_q
from dantoc.geo.models import Unit
from dantoc.heritage.models import HeritageItem, InventoryEntry
from dantoc.indicators.services import indicator_catalogue_load
from dantoc.reporting import dhis2
from dantoc.reporting.models import DataValue
from dantoc.reporting.services import form_define
from dantoc.reporting.services.bulk import computed_values_write

FORM = "BM-DISAN-TINH"
FOLDER = DATA_DIR / "heritage"


def form_reference_load() -> LoadResult:
    """Loader ``heritage.forms``: the two indicators, the computed form and the share."""
    result = indicator_catalogue_load(path=FOLDER / "indicators.json")
    for definition in orjson.loads((FOLDER / "forms.json").read_bytes())["forms"]:
        form_define(definition=definition)
    computed_indicators_load(path=FOLDER / "computed_indicators.json")
    return result


def province_figures_write(*, province: Unit, year: int | None = None) -> dhis2.ImportSummary:
    """Recount the plan of ``province`` and write planned and digitised per ethnic group
    into ``year`` (the current one by default). A group whose entries are all gone is
    written as 0, so a figure never outlives its plan."""
    year = year or timezone.localdate().year
    public = HeritageItem.objects.filter(publicly_visible_q()).values("pk")
    counts = {
        row["ethnic_group__code"]: row
        for row in InventoryEntry.objects.filter(province=province)
        .values("ethnic_group__code")
        .annotate(planned=Count("id"), done=Count("id", filter=Q(item__in=public)))
    }
    written = DataValue.objects.filter(
        unit=province, period__code=str(year), indicator__code="DS_KE_HOACH"
    ).values_list("options_key", flat=True)
    for key in written:
        counts.setdefault(key.removeprefix("DAN_TOC="), {"planned": 0, "done": 0})
    values = [
        {"dataElement": indicator, "categoryOptionCombo": f"DAN_TOC={code}", "value": str(row[key])}
        for code, row in sorted(counts.items())
        for indicator, key in (("DS_KE_HOACH", "planned"), ("DS_DA_SO_HOA", "done"))
    ]
    return computed_values_write(form=FORM, period=str(year), org_unit=province.code, values=values)


def on_inventory_changed(*, province_id: int) -> None:
    """Listener of ``services.INVENTORY_CHANGED`` (after commit)."""
    province = Unit.objects.filter(pk=province_id).first()
    if province is not None:
        province_figures_write(province=province)


def on_item_changed(*, uuid: str) -> None:
    """Listener of ``heritage.item_changed``: an item published, withdrawn, deleted or edited
    changes the digitised count of the plans it is linked to."""
    provinces = InventoryEntry.objects.filter(item__uuid=uuid).values_list("province_id", flat=True)
    for province_id in sorted(set(provinces)):
        on_inventory_changed(province_id=province_id)
