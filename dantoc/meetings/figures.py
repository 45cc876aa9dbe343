"""The 30 % goal: meetings held and meetings held online or hybrid, per host unit and
quarter, written into the indicators by the platform itself.

The figures travel like reported data: three forms of their own, computed by the platform
(``BM-HOP-XA`` for communes, ``BM-HOP-TINH`` for provinces, ``BM-HOP-TW`` for the meetings the
ministry hosts, kept at the country unit; data/meetings/forms.json) and
``reporting.services.bulk.datavalues_import(actor=None, source="system")``, so they are
checked, kept with their history and rolled up by analytics; the computed indicator
``TL_HOP_TT`` (data/meetings/computed_indicators.json) is the share shown on /analytics/.
Each write recomputes the unit's quarter from the meetings table (totals, never increments),
so running it again changes nothing. The country's figure is its own meetings plus every
province's and commune's (analytics adds a unit's own values to its children's).
"""

from __future__ import annotations

import datetime
import json

from django.db.models import Count, Q
from django.utils import timezone

from dantoc.analytics.services import computed_indicators_load
from dantoc.core.loading import DATA_DIR, LoadResult
from dantoc.geo.models import Unit, UnitLevel
from dantoc.indicators.services import indicator_catalogue_load
from dantoc.meetings.models import ONLINE_MODES, Meeting, MeetingKind, MeetingStatus
from dantoc.reporting import dhis2
from dantoc.reporting.services import form_define
from dantoc.reporting.services.bulk import computed_values_write

FORMS = {
    UnitLevel.COMMUNE: "BM-HOP-XA",
    UnitLevel.PROVINCE: "BM-HOP-TINH",
    UnitLevel.COUNTRY: "BM-HOP-TW",
}
FOLDER = DATA_DIR / "meetings"


def form_reference_load() -> LoadResult:
    """Loader ``meetings.forms``: the indicators, the three automatic forms and the share."""
    result = indicator_catalogue_load(path=FOLDER / "indicators.json")
    for definition in json.loads((FOLDER / "forms.json").read_text(encoding="utf-8"))["forms"]:
        _form, _created = form_define(definition=definition)
    computed_indicators_load(path=FOLDER / "computed_indicators.json")
    return result


def quarter_of(moment: datetime.datetime) -> tuple[str, datetime.datetime, datetime.datetime]:
    local = timezone.localtime(moment)
    q = (local.month - 1) // 3 + 1
    start = local.replace(month=3 * q - 2, day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + datetime.timedelta(days=95)).replace(day=1)
    return f"{local.year}Q{q}", start, end


def unit_quarter_figures_write(
    *, unit: Unit, moment: datetime.datetime
) -> dhis2.ImportSummary | None:
    """Recount the meetings ``unit`` held in the quarter of ``moment`` and write the totals."""
    form = FORMS.get(unit.level)
    if form is None:
        return None
    period, start, end = quarter_of(moment)
    counts = {
        row["kind"]: row
        for row in Meeting.objects.filter(
            unit=unit, status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end
        )
        .values("kind")
        .annotate(held=Count("id"), online=Count("id", filter=Q(mode__in=ONLINE_MODES)))
    }
    values = []
    for kind in MeetingKind.values:
        row = counts.get(kind, {"held": 0, "online": 0})
        for indicator, key in (("HOP_SO_CUOC", "held"), ("HOP_TRUC_TUYEN", "online")):
            values.append(
                {
                    "dataElement": indicator,
                    "categoryOptionCombo": f"LOAI_HOP={kind}",
                    "value": str(row[key]),
                }
            )
    return computed_values_write(form=form, period=period, org_unit=unit.code, values=values)


def on_meetings_meeting_held(*, meeting_id: int) -> None:
    """Listener of ``meetings.meeting_held`` (after commit)."""
    meeting = Meeting.objects.select_related("unit").filter(pk=meeting_id).first()
    if meeting is not None:
        unit_quarter_figures_write(unit=meeting.unit, moment=meeting.starts_at)
