"""Raw data: the stored values an analytics request selects, one row each, not added up
(what ``/api/analytics/rawData`` answers).

Behaviour follows DHIS2 2.40: the developer manual, Web API "Analytics" → "Raw data format"
(``dhis2-docs`` ``src/developer/web-api/analytics.md``), and where the manual is silent,
``dhis2-core``'s ``DataHandler.prepareForRawDataQuery``, ``HeaderHandler.addHeaders`` and
``JdbcRawAnalyticsManager``:

- the periods asked for (``pe``) become one date range, from the earliest start to the latest
  end; every value of a period lying wholly inside it is read, and the ``pe`` column gives
  each value's own period (``pe:2026Q3`` also reads the months of Q3, ``pe:2026Q1;2026Q3``
  reads Q2 too). ``startDate``/``endDate`` give the range directly and cannot be combined
  with ``pe``; there is then no ``pe`` column. Periods are taken by their calendar window,
  as everywhere in analytics (a quarter closing on the 14th is still "Q3");
- an org unit stands for itself and every unit below it (unlike aggregated analytics), and
  the ``ou`` column gives the unit that reported the value; a unit made of old units merged
  whole into it in the 2025 reform also stands for them (as in aggregated analytics);
- ``co`` gives each value's option combination; a category dimension gives the value's
  option in that category (no option: empty), restricted to the options named, if any;
  a category filter keeps the values with one of its options;
- after the dimension columns come ``pestartdate`` and ``peenddate`` (the period's window)
  and ``value``.

Which values count is the rule of aggregated analytics: approved reports only (a value whose
unit's report for the period, on a form that holds its indicator, is approved), unless
unapproved data are asked for. Only numeric values are read (the roll-ups' rule too).
Computed indicators have no stored values and are refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.analytics import selectors
from dantoc.analytics.query import (
    AnalyticsRequest,
    DataItem,
    OuItem,
    QueryError,
    Window,
    _categories,
    _data_items,
    _units,
    _windows,
    category_items,
    nominal_window,
)
from dantoc.geo.models import Unit, UnitLevel
from dantoc.indicators.values import parse_options_key
from dantoc.reporting.models import Period

# Periods are looked up this far around the range: a period whose cut-off moves its dates
# (a month from the 15th to the 14th) still has its calendar window inside the range.
_MARGIN = datetime.timedelta(days=40)


@dataclass
class RawPlan:
    request: AnalyticsRequest
    # The dimension columns in their order: "dx", "pe", "ou", "co" and category codes.
    columns: list[str]
    items: list[DataItem]
    start: datetime.date
    end: datetime.date
    # period id → its id and calendar window, for the periods wholly inside the range
    periods: dict[int, Window]
    ou_items: list[OuItem]
    # The units whose values count (None: every unit, the country was asked for).
    unit_ids: list[int] | None
    # category code → its options' names (code → name), for categories shown or filtered
    option_names: dict[str, dict[str, str]] = field(default_factory=dict)
    # category code → the options a value must have (dimension items named, and filters)
    restrictions: dict[str, set[str]] = field(default_factory=dict)

    @property
    def approved_only(self) -> bool:
        return not self.request.include_unapproved


def raw_plan(
    request: AnalyticsRequest,
    *,
    columns: list[str],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> RawPlan:
    """What a raw data request reads (see the module's docstring); ``QueryError`` with the
    messages of aggregated analytics for an unknown item, a bad period or too many units.
    ``columns``: the dimension names in the order they were asked for (``co`` included)."""
    as_of = request.hierarchy_date or timezone.localdate()
    items = _data_items(request.dx or request.filters.get("dx", []))
    computed = [item.code for item in items if item.indicator is None]
    if computed:
        raise QueryError(
            _("Dữ liệu thô chỉ có cho chỉ tiêu được nhập, không cho chỉ tiêu tính toán: %(codes)s.")
            % {"codes": ", ".join(computed)}
        )
    period_codes = request.pe or request.filters.get("pe", [])
    if start is not None or end is not None:
        if period_codes:
            raise QueryError(_("startDate/endDate không dùng được cùng với chiều pe."))
        if start is None or end is None:
            raise QueryError(_("Cần cả startDate và endDate."))
        if start > end:
            raise QueryError(_("startDate phải trước endDate."))
    else:
        if not period_codes:
            raise QueryError(
                _("Thiếu chiều pe (dimension=pe:… hoặc filter=pe:…) hoặc startDate và endDate.")
            )
        windows = _windows(period_codes)
        start = min(w.start for w in windows)
        end = max(w.end for w in windows)
    ou_items = _units(request.ou or request.filters.get("ou", []), as_of)

    cat_codes = set(request.categories) | {
        k for k in request.filters if k not in ("dx", "pe", "ou")
    }
    _cats, option_names = _categories(cat_codes)
    category_items(request.categories, option_names)  # options the categories do not have
    filters = {k: v for k, v in request.filters.items() if k in cat_codes}
    category_items(filters, option_names)
    restrictions = {k: set(v) for k, v in request.categories.items() if v}
    for code, wanted in filters.items():
        restrictions[code] = restrictions.get(code, set(wanted)) & set(wanted)

    periods: dict[int, Window] = {}
    for pk, code in Period.objects.filter(
        start_date__lte=end + _MARGIN, end_date__gte=start - _MARGIN
    ).values_list("pk", "code"):
        try:
            window = nominal_window(code)
        except ValueError:  # PeriodError is one: an id the calendar does not know
            continue
        if start <= window.start and window.end <= end:
            periods[pk] = window

    units = [ou.unit for ou in ou_items]
    if any(u.level == UnitLevel.COUNTRY for u in units):
        unit_ids = None
    else:
        sources = {pk for ou in ou_items for pk in ou.sources}
        paths = list(Unit.objects.filter(pk__in=sources).values_list("path", flat=True))
        unit_ids = selectors.units_under(paths)

    shown = {"dx": bool(request.dx), "pe": bool(request.pe), "ou": bool(request.ou), "co": True}
    kept = [c for c in dict.fromkeys(columns) if shown.get(c, c in request.categories)]
    return RawPlan(
        request=request,
        columns=kept,
        items=items,
        start=start,
        end=end,
        periods=periods,
        ou_items=ou_items,
        unit_ids=unit_ids,
        option_names=option_names,
        restrictions=restrictions,
    )


@dataclass(frozen=True)
class RawValue:
    indicator: str
    period: str
    unit: str
    options_key: str
    options: dict[str, str]
    number: Decimal
    approved: bool
    window: Window


def raw_run(plan: RawPlan) -> Iterator[RawValue]:
    """The values a plan reads, read as a stream (indicator by indicator, then in the order
    of the values' index)."""
    indicator_ids = [item.indicator.pk for item in plan.items]
    forms = selectors.forms_holding(indicator_ids)
    period_ids = sorted(plan.periods)
    if not period_ids:
        return
    parsed: dict[str, dict[str, str]] = {}
    restrictions = plan.restrictions.items()
    for item in plan.items:
        rows = selectors.raw_values(
            indicator_id=item.indicator.pk,
            form_ids=forms[item.indicator.pk],
            period_ids=period_ids,
            unit_ids=plan.unit_ids,
            approved_only=plan.approved_only,
        )
        for unit, period_id, period, key, number, approved in rows:
            options = parsed.get(key)
            if options is None:
                options = parsed[key] = parse_options_key(key)
            if any(options.get(c) not in wanted for c, wanted in restrictions):
                continue
            yield RawValue(
                item.code, period, unit, key, options, number, bool(approved),
                plan.periods[period_id],
            )  # fmt: skip
