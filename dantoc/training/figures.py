"""The 100 % goal on the programme dashboard: per unit and year, the officials who must be
trained and those trained, written into the indicators by the platform itself.

The figures travel like reported data, as the meetings' do (``meetings.figures``): three forms
the platform computes (``BM-TAPHUAN-XA`` for communes, ``-TINH`` for provinces, ``-TW`` for the
ministry's own officials, kept at the country unit; data/training/forms.json), one row per
source (an account on the platform, or only on the unit's uploaded roster), written through
``reporting.services.bulk.computed_values_write``, so they are checked, kept with their
history and rolled up by analytics (a unit's figure is its own officials plus its children's);
the computed indicator ``TL_CB_TH`` is the share shown on /analytics/, whose key figure links
to the list of officials not yet trained (``training:goal``).

Each write counts a unit's own officials now (totals, never increments: running it again
changes nothing). Writes follow a roster upload, an event's completion and a passed course;
``figures_write_all`` recounts every unit (nightly, from the task worker: ``training_hourly``),
which also takes in accounts created or given a role since.
"""

from __future__ import annotations

import json
from collections import Counter

from django.utils import timezone

from dantoc.analytics.services import computed_indicators_load
from dantoc.core.loading import DATA_DIR, LoadResult
from dantoc.geo.models import Unit, UnitLevel
from dantoc.indicators.services import indicator_catalogue_load
from dantoc.reporting.models import DataValue
from dantoc.reporting.services import form_define
from dantoc.reporting.services.bulk import computed_values_write
from dantoc.training.selectors import Official, officials_goal

FORMS = {
    UnitLevel.COMMUNE: "BM-TAPHUAN-XA",
    UnitLevel.PROVINCE: "BM-TAPHUAN-TINH",
    UnitLevel.COUNTRY: "BM-TAPHUAN-TW",
}
FOLDER = DATA_DIR / "training"
SOURCES = ("tai_khoan", "danh_sach")
KEY_FIGURE = "TL_CB_TH"


def form_reference_load() -> LoadResult:
    """Loader ``training.forms``: the two indicators, the three automatic forms, the share."""
    result = indicator_catalogue_load(path=FOLDER / "indicators.json")
    for definition in json.loads((FOLDER / "forms.json").read_text(encoding="utf-8"))["forms"]:
        form_define(definition=definition)
    computed_indicators_load(path=FOLDER / "computed_indicators.json")
    return result


def _counts(officials: list[Official]) -> dict[int, Counter]:
    """unit id → Counter of (indicator, source)."""
    by_unit: dict[int, Counter] = {}
    for o in officials:
        source = "tai_khoan" if o.user_id else "danh_sach"
        counter = by_unit.setdefault(o.unit_id, Counter())
        counter["CB_PHAI_TH", source] += 1
        if o.trained:
            counter["CB_DA_TH", source] += 1
    return by_unit


def _values(unit: Unit, counter: Counter) -> list[dict]:
    return [
        {
            "dataElement": indicator,
            "categoryOptionCombo": f"NGUON_CB={source}",
            "orgUnit": unit.code,
            "value": str(counter[indicator, source]),
        }
        for source in SOURCES
        for indicator in ("CB_PHAI_TH", "CB_DA_TH")
    ]


def _write(unit: Unit, counter: Counter, year: int) -> bool:
    form = FORMS.get(unit.level)
    if form is None:
        return False
    computed_values_write(
        form=form, period=str(year), org_unit=unit.code, values=_values(unit, counter)
    )
    return True


def _write_many(changed: list[tuple[Unit, Counter]], year: int, chunk: int = 500) -> int:
    """Several units of a level in one import each ``chunk`` units (a value's own orgUnit
    names its unit): a whole country's first recount is a few imports, not thousands."""
    written = 0
    for level, form in FORMS.items():
        units = [(u, c) for u, c in changed if u.level == level]
        for start in range(0, len(units), chunk):
            part = units[start : start + chunk]
            values = [v for unit, counter in part for v in _values(unit, counter)]
            computed_values_write(
                form=form, period=str(year), org_unit=part[0][0].code, values=values
            )
            written += len(part)
    return written


def unit_figures_write(*, unit: Unit, year: int | None = None) -> bool:
    """Count ``unit``'s own officials (not its children's) and write them into ``year``."""
    year = year or timezone.localdate().year
    own = [o for o in officials_goal(unit=unit, year=year) if o.unit_id == unit.pk]
    return _write(unit, _counts(own).get(unit.pk, Counter()), year)


def figures_write_all(*, year: int | None = None) -> int:
    """Recount every unit that has officials, or had figures written this year (written as 0
    now, so a figure never outlives its officials); write those whose counts differ from the
    stored values. Returns the units written."""
    year = year or timezone.localdate().year
    country = Unit.objects.filter(level=UnitLevel.COUNTRY, valid_to__isnull=True).first()
    if country is None:
        return 0
    counts = _counts(officials_goal(unit=country, year=year))
    # What is stored now, to write only the units whose counts changed (the nightly recount
    # of a quiet day writes nothing; each write is a whole checked import).
    stored: dict[int, Counter] = {}
    for unit_id, code, key, value in DataValue.objects.filter(
        period__code=str(year), indicator__code__in=("CB_PHAI_TH", "CB_DA_TH")
    ).values_list("unit_id", "indicator__code", "options_key", "value"):
        stored.setdefault(unit_id, Counter())[code, key.removeprefix("NGUON_CB=")] = int(
            float(value)
        )
    changed = []
    for unit in Unit.objects.filter(pk__in=set(counts) | set(stored)).order_by("path"):
        wanted = counts.get(unit.pk, Counter())
        have = stored.get(unit.pk)
        if have is not None and all(
            have[indicator, source] == wanted[indicator, source]
            for source in SOURCES
            for indicator in ("CB_PHAI_TH", "CB_DA_TH")
        ):
            continue
        changed.append((unit, wanted))
    return _write_many(changed, year)


def on_roster_changed(*, unit_ids: list[int]) -> None:
    """Listener of ``training.roster_changed`` (after commit)."""
    for unit in Unit.objects.filter(pk__in=unit_ids):
        unit_figures_write(unit=unit)


def on_officials_trained(*, unit_ids: list[int], year: int) -> None:
    """Listener of ``training.officials_trained`` (after commit): an event completed or a
    course passed changes the trained count of the learners' units."""
    for unit in Unit.objects.filter(pk__in=unit_ids):
        unit_figures_write(unit=unit, year=year)
