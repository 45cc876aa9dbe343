"""The analytics engine: figures by data item × period × unit (× disaggregation) from the
maintained roll-ups, in the shape of a DHIS2 analytics query.

One function, :func:`analytics_run`, serves the API, the pivot table, the exports, the
dashboards and the aggregate report, so a figure cannot differ between two screens.

- **Data items** (``dx``) are indicators or computed indicators (numerator / denominator ×
  factor, evaluated after aggregation: a rate of sums, never a sum of rates).
- **Periods** (``pe``) are period ids (``2025``, ``2025S1``, ``2025Q3``, ``202509``,
  ``2025C9``). A figure for a period is made of the reported periods that lie inside it,
  taken by their nominal calendar window (a quarter closing on the 14th is still "Q3"), of
  the coarsest kind the indicator is reported in; a cumulative report only answers its own
  id. Over time, sums add up, averages are averaged over all values, "last" takes the latest
  reported period with data, "none" only answers the reported period itself.
- **Units** (``ou``) are codes in the hierarchy in force on ``hierarchy_date``, or
  ``LEVEL-n`` / ``LEVEL-<level>`` (units of that level under the other units given) and
  ``CHILDREN`` (their children). A unit created in the 2025 reform also carries the figures
  of the old units merged whole into it, so its series goes back before the reform; old
  units split between several new ones are not counted (``partialPredecessors`` says which).
- **Which data count**: approved reports only, unless ``include_unapproved`` (then each row
  says whether unapproved data are in it).
- Every answer carries ``data_as_of``: when the newest figure it was computed from changed.
"""

from __future__ import annotations

import datetime
import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from operator import itemgetter
from typing import NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dantoc.analytics import metadata
from dantoc.analytics.models import ComputedIndicator
from dantoc.geo.models import Unit, UnitLevel, UnitSuccession
from dantoc.geo.selectors import valid_on_q
from dantoc.indicators.models import AggregationType, Category, CategoryOption, Indicator
from dantoc.indicators.values import parse_options_key
from dantoc.reporting import validation
from dantoc.reporting.models import FormColumn, FormRow, Period
from dantoc.reporting.periods import PeriodError, PeriodKind, PeriodRule, kind_of, parse_period

MAX_CELLS = 200_000
# Roll-ups keep six decimals; rounding to n decimals uses these.
_MICRO = Decimal("0.000001")
_SCALES = {n: Decimal(1).scaleb(-n) for n in range(0, 10)}

_KIND_RANK = {
    PeriodKind.YEAR: 0,
    PeriodKind.SEMESTER: 1,
    PeriodKind.QUARTER: 2,
    PeriodKind.MONTH: 3,
}

LEVEL_NAMES = {
    "1": UnitLevel.COUNTRY,
    "2": UnitLevel.PROVINCE,
    "3": UnitLevel.DISTRICT,
    "4": UnitLevel.COMMUNE,
    **{str(level): level for level in UnitLevel},
}


class QueryError(ValueError):
    """A request that cannot be answered; the message says what to change."""


@dataclass(frozen=True)
class Window:
    code: str
    kind: PeriodKind
    start: datetime.date
    end: datetime.date
    label: str


def nominal_window(code: str) -> Window:
    """The calendar window a period id names, whatever cut-off a report type uses."""
    kind = kind_of(code)
    months = int(code[5:]) if kind is PeriodKind.CUMULATIVE else None
    period = parse_period(code, PeriodRule(kind=kind, cumulative_months=months))
    return Window(code, kind, period.start, period.end, period.label)


@dataclass
class DataItem:
    code: str
    name: str
    indicator: Indicator | None = None
    computed: ComputedIndicator | None = None
    numerator: object = None
    denominator: object = None
    refs: list[validation.Ref] = field(default_factory=list)

    @property
    def decimals(self) -> int | None:
        return self.computed.decimals if self.computed else None


@dataclass(frozen=True)
class OuItem:
    unit: Unit
    sources: tuple[int, ...]  # the unit and the old units merged whole into it
    partial: tuple[str, ...]  # codes of old units split between several new ones


@dataclass
class AnalyticsRequest:
    dx: list[str]
    pe: list[str]
    ou: list[str]
    # Category dimensions shown as columns of the answer: code → option codes (empty: all).
    categories: dict[str, list[str]] = field(default_factory=dict)
    # Filters: aggregated over, not shown. Keys "dx", "pe", "ou" or a category code.
    filters: dict[str, list[str]] = field(default_factory=dict)
    include_unapproved: bool = False
    hierarchy_date: datetime.date | None = None
    # The order of the dimension columns in ``rows`` (default dx, pe, ou, categories).
    order: list[str] = field(default_factory=list)


class Row(NamedTuple):
    keys: dict[str, str]
    value: Decimal
    unapproved: bool = False


# A Row made without the Python-level ``__new__`` of a named tuple: a commune-level table has
# 13,000 rows, and the call cost a third of the time spent making them.
_new_row = tuple.__new__


@dataclass
class AnalyticsResult:
    request: AnalyticsRequest
    dimensions: list[str]
    rows: list[Row]
    items: dict[str, str]
    dimension_items: dict[str, list[str]]
    data_as_of: datetime.datetime | None
    partial_predecessors: dict[str, list[str]]
    decimals: dict[str, int | None]

    def value(self, **keys) -> Decimal | None:
        """The value of the row with these dimension items (None: no data)."""
        for row in self.rows:
            if all(row.keys.get(k) == v for k, v in keys.items()):
                return row.value
        return None

    def table(self) -> dict[tuple, Decimal]:
        return {tuple(row.keys[d] for d in self.dimensions): row.value for row in self.rows}


# --- resolving the request ---------------------------------------------------------------


def _data_items(codes: list[str]) -> list[DataItem]:
    if not codes:
        raise QueryError(_("Cần chọn ít nhất một chỉ tiêu (dx)."))
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    rest = [c for c in codes if c not in indicators]
    computed = {c.code: c for c in ComputedIndicator.objects.filter(code__in=rest)} if rest else {}
    items = []
    for code in dict.fromkeys(codes):
        if code in indicators:
            ind = indicators[code]
            items.append(DataItem(code, ind.localized_name, indicator=ind))
        elif code in computed:
            c = computed[code]
            try:
                numerator = validation.parse(c.numerator)
                denominator = validation.parse(c.denominator) if c.denominator else None
                refs = validation.references(c.numerator)
                if c.denominator:
                    refs += validation.references(c.denominator)
            except validation.ExpressionError as exc:
                raise QueryError(str(exc)) from exc
            items.append(
                DataItem(code, c.localized_name, computed=c, numerator=numerator,
                         denominator=denominator, refs=refs)
            )  # fmt: skip
        else:
            raise QueryError(_("Không có chỉ tiêu mã “%(code)s”.") % {"code": code})
    return items


def _windows(codes: list[str]) -> list[Window]:
    if not codes:
        raise QueryError(_("Cần chọn ít nhất một kỳ (pe)."))
    windows = []
    for code in dict.fromkeys(codes):
        try:
            windows.append(nominal_window(code))
        except PeriodError as exc:
            raise QueryError(str(exc)) from exc
        except ValueError as exc:  # a cumulative id of no month count (2026C0, 2026C13)
            raise QueryError(_("Kỳ không hợp lệ: “%(code)s”.") % {"code": code}) from exc
    return windows


def _units(items: list[str], as_of: datetime.date) -> list[OuItem]:
    if not items:
        raise QueryError(_("Cần chọn ít nhất một đơn vị (ou)."))
    codes = [i for i in items if not i.startswith("LEVEL-") and i != "CHILDREN"]
    levels = [i[len("LEVEL-") :] for i in items if i.startswith("LEVEL-")]
    children = "CHILDREN" in items
    valid = valid_on_q(as_of)
    found = {u.code: u for u in Unit.objects.filter(valid, code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise QueryError(
            _("Không có đơn vị mã %(codes)s vào ngày %(date)s.")
            % {"codes": ", ".join(missing), "date": as_of.strftime("%d/%m/%Y")}
        )
    bounds = [found[c] for c in dict.fromkeys(codes)]
    if not bounds and (levels or children):
        bounds = list(Unit.objects.filter(level=UnitLevel.COUNTRY))
    units: list[Unit] = []
    if levels or children:
        for name in levels:
            level = LEVEL_NAMES.get(name)
            if level is None:
                raise QueryError(_("Cấp đơn vị không hợp lệ: LEVEL-%(name)s.") % {"name": name})
            q = Q()
            for bound in bounds:
                q |= Q(path__startswith=bound.path)
            units += list(Unit.objects.filter(q, valid, level=level).order_by("code"))
        if children:
            units += list(
                Unit.objects.filter(valid, parent__in=bounds).order_by("parent_id", "code")
            )
    else:
        units = bounds
    if len(units) > 20_000:
        raise QueryError(_("Quá nhiều đơn vị trong một truy vấn."))
    units = list({u.pk: u for u in units}.values())
    whole: dict[int, list[int]] = defaultdict(list)
    partial: dict[int, list[str]] = defaultdict(list)
    unit_ids = [u.pk for u in units]
    split: list[tuple[int, int]] = []
    for start in range(0, len(unit_ids), 5000):
        # Without a join to the predecessors' codes (only split ones need them, below): the
        # planner would read the whole unit table to join a few hundred rows.
        for succ_id, pred_id, is_partial in UnitSuccession.objects.filter(
            successor_id__in=unit_ids[start : start + 5000]
        ).values_list("successor_id", "predecessor_id", "partial"):
            if is_partial:
                split.append((succ_id, pred_id))
            else:
                whole[succ_id].append(pred_id)
    if split:
        codes = dict(
            Unit.objects.filter(pk__in={pred for _s, pred in split}).values_list("pk", "code")
        )
        for succ_id, pred_id in split:
            partial[succ_id].append(codes[pred_id])
    return [OuItem(u, (u.pk, *sorted(whole[u.pk])), tuple(sorted(partial[u.pk]))) for u in units]


def units_resolve(items: list[str], as_of: datetime.date) -> list[OuItem]:
    """The units an ``ou`` dimension names on ``as_of`` (codes, LEVEL-n, CHILDREN)."""
    return _units(items, as_of)


def _categories(cat_codes: set[str]) -> tuple[dict[str, Category], dict[str, dict[str, str]]]:
    """The categories of these codes and each one's options' names (code → name)."""
    categories = {c.code: c for c in Category.objects.filter(code__in=cat_codes)}
    for code in cat_codes:
        if code not in categories:
            raise QueryError(_("Không có nhóm phân tổ mã “%(code)s”.") % {"code": code})
    options: dict[str, dict[str, str]] = {code: {} for code in categories}
    for cat_code, opt_code, name, name_en in CategoryOption.objects.filter(
        category__code__in=cat_codes
    ).values_list("category__code", "code", "name", "name_en"):
        options[cat_code][opt_code] = name_en if (name_en and _english()) else name
    return categories, options


def _references(codes: tuple[str, ...]) -> dict[int, Indicator]:
    """The indicators computed indicators refer to, by id."""
    found = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    missing = set(codes) - set(found)
    if missing:
        raise QueryError(
            _("Chỉ tiêu tính toán dùng mã không có: %(codes)s.")
            % {"codes": ", ".join(sorted(missing))}
        )
    return {i.pk: i for i in found.values()}


def _indicator_categories(indicator_ids: tuple[int, ...]) -> dict[int, set[str]]:
    """indicator id → the codes of its categories."""
    found: dict[int, set[str]] = defaultdict(set)
    for ind_id, cat_code in Indicator.categories.through.objects.filter(
        indicator_id__in=indicator_ids
    ).values_list("indicator_id", "category__code"):
        found[ind_id].add(cat_code)
    return dict(found)


def _indicator_period_types(indicator_ids: set[int]) -> dict[int, set[int]]:
    """The period types each indicator is reported in (from the forms that hold it)."""
    types: dict[int, set[int]] = defaultdict(set)
    rows, columns = (
        model.objects.filter(indicator_id__in=indicator_ids)
        .order_by()  # no ORDER BY inside a UNION (the models' default order; SQLite refuses it)
        .values_list("indicator_id", "section__form__period_type_id")
        for model in (FormRow, FormColumn)
    )
    for ind, pt in rows.union(columns):  # one query
        types[ind].add(pt)
    return types


@dataclass
class PeriodPlan:
    window: Window
    # indicator id → (source period ids, their end dates) for this window
    sources: dict[int, dict[int, datetime.date]]


def plan_periods(windows: list[Window], indicators: dict[int, Indicator]) -> dict[str, PeriodPlan]:
    types = _indicator_period_types(set(indicators))
    all_types = set().union(*types.values()) if types else set()
    lo = min(w.start for w in windows) - datetime.timedelta(days=40)
    hi = max(w.end for w in windows) + datetime.timedelta(days=40)
    candidates = []
    for pk, code, pt in Period.objects.filter(
        period_type_id__in=all_types, start_date__lte=hi, end_date__gte=lo
    ).values_list("pk", "code", "period_type_id"):
        try:
            candidates.append((pk, pt, nominal_window(code)))
        except ValueError:  # PeriodError is one
            continue
    plans = {}
    for window in windows:
        sources: dict[int, dict[int, datetime.date]] = {}
        for ind_id, indicator in indicators.items():
            mine = [
                (pk, w) for pk, pt, w in candidates
                if pt in types.get(ind_id, ()) and window.start <= w.start and w.end <= window.end
            ]  # fmt: skip
            exact = [(pk, w) for pk, w in mine if w.kind == window.kind and w.code == window.code]
            if (
                indicator.aggregation == AggregationType.NONE
                or window.kind is PeriodKind.CUMULATIVE
            ):
                chosen = exact
            else:
                plain = [(pk, w) for pk, w in mine if w.kind is not PeriodKind.CUMULATIVE]
                if plain:
                    coarsest = min(_KIND_RANK[w.kind] for _pk, w in plain)
                    chosen = [(pk, w) for pk, w in plain if _KIND_RANK[w.kind] == coarsest]
                else:
                    chosen = []
            sources[ind_id] = {pk: w.end for pk, w in chosen}
        plans[window.code] = PeriodPlan(window, sources)
    return plans


def windows_containing(code: str) -> list[str]:
    """The ids of the coarser calendar windows a reported period lies in (a quarter: its
    semester and year; a month: its quarter, semester and year)."""
    try:
        window = nominal_window(code)
    except ValueError:  # PeriodError is one
        return []
    if window.kind is PeriodKind.CUMULATIVE:
        return []
    year, month = window.start.year, window.start.month
    found = []
    if window.kind is PeriodKind.MONTH:
        found.append(f"{year}Q{(month - 1) // 3 + 1}")
    if window.kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        found.append(f"{year}S{1 if month <= 6 else 2}")
    if window.kind is not PeriodKind.YEAR:
        found.append(str(year))
    return found


def _ranked(sources: dict[int, datetime.date]) -> list[int]:
    """Source periods in the order "latest" ranks them: by end date, then id; latest last."""
    return sorted(sources, key=lambda pk: (sources[pk], pk))


def latest_sources(codes: list[str], indicators: dict[int, Indicator]) -> dict[tuple, list[int]]:
    """(window id, indicator id) → the reported periods a "last" figure over that window is
    made of, ranked (see ``_ranked``), as the engine would choose them."""
    plans = plan_periods([nominal_window(code) for code in codes], indicators)
    return {
        (code, ind_id): _ranked(sources)
        for code, plan in plans.items()
        for ind_id, sources in plan.sources.items()
    }


# --- reading the roll-ups ------------------------------------------------------------------


# A timestamp as microseconds since 1970, on PostgreSQL. ``date_part`` gives the seconds as a
# float8, the nearest to the exact value (error at most 2⁻²³ s = 0.12 µs while the seconds are
# below 2³¹, that is until 2038, and 0.24 µs until 2106); × 10⁶ adds at most half a unit in the
# last place (0.125 µs, then 0.25 µs), so the rounding to a whole number gives back the exact
# microseconds. ``EXTRACT`` gives a numeric, exact but slower to compute for every row
# (tested in test_rollups: ``test_change_times_come_back_to_the_microsecond``).
POSTGRES_MICROSECONDS = "(date_part('epoch', %s) * 1000000)::bigint"


def _where(unit_ids, period_ids, indicator_ids, *, approved_only: bool, params: list) -> str:
    """The roll-up rows of these units, periods and indicators that have figures (approved
    ones, or any), as a WHERE clause whose values are appended to ``params``."""

    def inlist(column, values):
        if connection.vendor == "postgresql":
            params.append(list(values))
            return f"{column} = ANY(%s)"
        params.extend(values)
        return f"{column} IN ({', '.join(['%s'] * len(values))})"

    return " AND ".join(
        [
            inlist("unit_id", unit_ids),
            inlist("period_id", period_ids),
            # The same periods as a range, which the primary key (unit, period, indicator)
            # can use, where PostgreSQL uses a list of periods as a filter only: a unit's
            # other periods are then not read (its whole history, in a long-running system).
            f"period_id BETWEEN {int(min(period_ids))} AND {int(max(period_ids))}",
            inlist("indicator_id", indicator_ids),
            "approved_count > 0" if approved_only else "total_count > 0",
        ]
    )


def _stamp_column() -> str:
    """The change time as a number (microseconds since 1970) on PostgreSQL, text on SQLite:
    only the newest is wanted, and making a datetime of every row's would cost more than the
    rest of the read."""
    if connection.vendor == "postgresql":
        return POSTGRES_MICROSECONDS % "updated_at"
    return "updated_at"


def _sum_columns() -> tuple[str, str]:
    """The approved and total sums. On PostgreSQL they come without trailing zeros (251766
    rather than 251766.000000), as answers show them."""
    if connection.vendor == "postgresql":
        return "trim_scale(approved_sum)", "trim_scale(total_sum)"
    return "approved_sum", "total_sum"


def _rollup_rows(by_options: bool, unit_ids, period_ids, indicator_ids, params: list) -> str:
    """Where the roll-up rows of these units are read from, as a FROM item (its values are
    appended to ``params``): the totals over the disaggregations, or the rows by
    disaggregation: stored above the communes, computed from a commune's values (they are
    not stored: ``rollups.commune_rows``)."""
    if not by_options:
        return "analytics_rolluptotal"
    from dantoc.analytics.rollups import ROW_COLUMNS, commune_rows

    communes = commune_rows(
        params, units=list(unit_ids), periods=list(period_ids), indicators=list(indicator_ids)
    )
    return (
        f"(SELECT {ROW_COLUMNS} FROM analytics_rollup"
        f" UNION ALL SELECT {ROW_COLUMNS} FROM ({communes}) c)"
    )


def _fetch(
    unit_ids, period_ids, indicator_ids, *, by_options: bool, approved_only: bool
):  # fmt: skip
    """(unit, period, indicator, options_key, a_sum, a_count, t_sum, t_count, as_of) rows
    (t_sum and t_count None when only approved figures are wanted)."""
    params: list = []
    source = _rollup_rows(by_options, unit_ids, period_ids, indicator_ids, params)
    where = _where(unit_ids, period_ids, indicator_ids, approved_only=approved_only, params=params)
    stamp = _stamp_column()
    approved, total = _sum_columns()
    totals = "NULL, NULL" if approved_only else f"{total}, total_count"
    if by_options:
        sql = (
            f"SELECT unit_id, period_id, indicator_id, options_key, {approved},"
            f" approved_count, {totals}, {stamp} FROM {source} r WHERE {where}"
        )
    else:
        # The totals over disaggregations are kept in their own table (one row a cell).
        sql = (
            f"SELECT unit_id, period_id, indicator_id, '', {approved}, approved_count,"
            f" {totals}, {stamp} FROM analytics_rolluptotal WHERE {where}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if by_options and connection.vendor != "postgresql":
        # SQLite gives a computed commune row's change time as text.
        return [(*row[:8], _as_datetime(row[8])) for row in rows]
    return rows


@dataclass(frozen=True)
class _Places:
    """Where a plain table's roll-up rows go in its answer (see ``_direct_places``): the
    row of (indicator, period) at unit ``u`` goes to ``pairs[pair] + unit_offset[u]``, where
    ``pair`` is ``(indicator - indicator_min) * period_span + period - period_min`` (None in
    ``pairs``: that indicator is not asked in that period)."""

    pairs: list[int | None]
    indicator_min: int
    period_min: int
    period_span: int
    unit_offset: dict[int, int]
    size: int


def _fetch_plain(
    unit_ids, period_ids, indicator_ids, places: _Places, *, approved_only: bool,
    with_count: bool,
) -> list[tuple]:  # fmt: skip
    """The rows of a plain table as (unit, pair, sum, [count], [unapproved], change time):
    only what its answer needs of ``analytics_rolluptotal`` (``count`` when ``with_count``,
    ``unapproved`` unless ``approved_only``). ``pair`` is (indicator, period) as one
    number, its position in ``places.pairs``: each column read is a value to decode,
    13,000 times for a commune-level table."""
    params: list = []
    where = _where(unit_ids, period_ids, indicator_ids, approved_only=approved_only, params=params)
    approved, total = _sum_columns()
    if approved_only:
        figures = [approved, "approved_count"] if with_count else [approved]
    else:
        figures = [total, "total_count"] if with_count else [total]
        figures.append("approved_count <> total_count")
    figures.append(_stamp_column())
    sql = (
        f"SELECT unit_id, (indicator_id - {int(places.indicator_min)}) * {int(places.period_span)}"
        f" + period_id - {int(places.period_min)}, {', '.join(figures)}"
        f" FROM analytics_rolluptotal WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _as_datetime(value) -> datetime.datetime | None:
    if isinstance(value, int):  # microseconds since 1970 (see _fetch)
        return _EPOCH + datetime.timedelta(microseconds=value)
    if value is None or isinstance(value, datetime.datetime):
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return value
    # SQLite returns aggregate timestamps as text.
    parsed = datetime.datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


def _dec(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(_MICRO) if value is not None else Decimal(0)


# --- the engine ------------------------------------------------------------------------------


def analytics_run(
    request: AnalyticsRequest, *, latest_table: bool = True, direct: bool = True
) -> AnalyticsResult:
    """The figures a request asks for (see the module's docstring).

    ``latest_table=False`` computes "last" over several periods from the roll-ups of every
    commune instead of the maintained ``RollupLatest`` rows (the same figures, slower: what
    the tests compare the maintained rows with). ``direct=False`` adds up every table in
    cells, even one whose cells are each a roll-up row (the same answer, slower; also for
    the tests)."""
    with gc_paused():
        return _run(request, latest_table=latest_table, direct=direct)


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused: a national or commune-level answer, and its
    encoding, make tens of thousands of small objects, and the collector would walk the
    whole process heap several times while they are made (a third of a commune-level
    query's time, and the slowest tenth of the API's answers). They make no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    request: AnalyticsRequest, *, latest_table: bool = True, direct: bool = True
) -> AnalyticsResult:
    as_of = request.hierarchy_date or timezone.localdate()
    # What units, indicators, forms and periods resolve to, kept while they do not change.
    memo = metadata.memo_current()
    language = get_language()
    filters = request.filters
    dx_codes = tuple(request.dx or filters.get("dx", []))
    items = memo.get(("items", dx_codes, language), lambda: _data_items(list(dx_codes)))
    windows = _windows(request.pe or filters.get("pe", []))
    ou_codes = tuple(request.ou or filters.get("ou", []))
    ou_items = memo.get(("units", ou_codes, as_of), lambda: _units(list(ou_codes), as_of))
    dx_as_filter = not request.dx
    pe_as_filter = not request.pe
    ou_as_filter = not request.ou

    # Categories: dimensions (shown) and filters (restricting).
    cat_codes = set(request.categories) | {k for k in filters if k not in ("dx", "pe", "ou")}
    categories, options = memo.get(
        ("categories", tuple(sorted(cat_codes)), language), lambda: _categories(cat_codes)
    )
    dims_cat: dict[str, list[str]] = {}
    for code, wanted in request.categories.items():
        chosen = list(wanted) or list(options[code])
        bad = [o for o in chosen if o not in options[code]]
        if bad:
            raise QueryError(
                _("Phân tổ %(cat)s không có mục %(opts)s.") % {"cat": code, "opts": ", ".join(bad)}
            )
        dims_cat[code] = chosen
    filter_cat = {k: set(v) for k, v in filters.items() if k in categories}

    base: dict[int, Indicator] = {}
    for item in items:
        if item.indicator is not None:
            base[item.indicator.pk] = item.indicator
    ref_codes = tuple(sorted({r.indicator for item in items for r in item.refs}))
    if ref_codes:
        base.update(memo.get(("references", ref_codes), lambda: _references(ref_codes)))
    # The categories of each indicator a computed indicator uses (to restrict its terms).
    ind_categories: dict[int, set[str]] = {}
    base_ids = tuple(sorted(base))
    if any(item.computed is not None for item in items):
        ind_categories = memo.get(
            ("indicator categories", base_ids), lambda: _indicator_categories(base_ids)
        )

    plans = memo.get(
        ("plans", tuple(w.code for w in windows), base_ids), lambda: plan_periods(windows, base)
    )
    combinations = 1
    for wanted in dims_cat.values():
        combinations *= len(wanted)
    if len(items) * len(windows) * len(ou_items) * combinations > MAX_CELLS:
        raise QueryError(_("Truy vấn quá lớn: hãy chọn ít chỉ tiêu, kỳ hoặc đơn vị hơn."))

    # Map each source unit / source period back to the groups that want it.
    unit_groups: dict[int, list[str]] = defaultdict(list)
    for ou in ou_items:
        group = "*" if ou_as_filter else ou.unit.code
        for src in ou.sources:
            unit_groups[src].append(group)
    # Source periods of each indicator → the period groups made of them. For a "last"
    # indicator a group of several source periods is answered per commune (each one's latest
    # period with data, then added up); a group of one source period is its plain roll-up.
    period_groups: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    latest_groups: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    period_end: dict[int, datetime.date] = {}
    sources_of: dict[tuple[int, str], set[int]] = defaultdict(set)
    for plan in plans.values():
        group = "*" if pe_as_filter else plan.window.code
        for ind_id, sources in plan.sources.items():
            sources_of[(ind_id, group)].update(sources)
            for pk, end in sources.items():
                period_end[pk] = end
    for (ind_id, group), pks in sources_of.items():
        if base[ind_id].aggregation == AggregationType.LAST and len(pks) > 1:
            latest_groups[ind_id][group] = sorted(pks)
        else:
            for pk in pks:
                period_groups[ind_id][pk].append(group)
    # Per-disaggregation rows only when something needs them (a category shown or
    # filtered, a computed indicator restricted to some options); else the totals.
    by_options = bool(dims_cat or filter_cat or any(r.options for i in items for r in i.refs))
    direct_ids = sorted(period_groups)
    direct_periods = sorted({pk for groups in period_groups.values() for pk in groups})
    approved_only = not request.include_unapproved

    dims = ["dx", "pe", "ou", *dims_cat]
    if dx_as_filter:
        dims.remove("dx")
    if pe_as_filter:
        dims.remove("pe")
    if ou_as_filter:
        dims.remove("ou")
    if request.order:
        dims = [d for d in request.order if d in dims] + [d for d in dims if d not in request.order]

    # Each cell of a plain table (indicators × periods × units, no categories, no computed
    # indicator, no period made of several reported ones) is one roll-up row, or a few for a
    # unit with old units merged into it: answered straight from the rows, each put in its
    # place of the answer (the commune-level table's 13,000 cells), without adding up cells.
    if (
        direct
        and dims == ["dx", "pe", "ou"]
        and not filter_cat
        and not by_options
        and not latest_groups
        and all(item.indicator is not None for item in items)
    ):
        places = _direct_places(items, ou_items, windows, period_groups)
        if places is not None:
            with_count = any(
                item.indicator.aggregation == AggregationType.AVERAGE for item in items
            )
            rows = (
                _fetch_plain(sorted(unit_groups), direct_periods, direct_ids, places,
                             approved_only=approved_only, with_count=with_count)
                if places.pairs and places.unit_offset
                else []
            )  # fmt: skip
            out, newest_raw = _direct_answer(
                rows, places, items, ou_items, windows,
                approved_only=approved_only, with_count=with_count,
            )  # fmt: skip
            return _result(
                request, dims, out, _as_datetime(newest_raw), items, windows, ou_items,
                dims_cat, categories, options,
            )  # fmt: skip

    rows = (
        _fetch(
            sorted(unit_groups),
            direct_periods,
            direct_ids,
            by_options=by_options,
            approved_only=approved_only,
        )
        if direct_periods and unit_groups and direct_ids
        else []
    )
    if latest_groups and unit_groups and latest_table:
        # Where the maintained "latest" rows were made of exactly the periods chosen here,
        # read them (a row per unit) instead of every commune's every period.
        kept = _latest_kept(latest_groups, windows, pe_as_filter, period_end)
        if kept:
            rows = list(rows) + _fetch_latest_table(
                unit_groups,
                kept,
                by_options=by_options,
                approved_only=approved_only,
            )
            for ind_id in kept:
                del latest_groups[ind_id]
    if latest_groups and unit_groups:
        start, end = min(w.start for w in windows), max(w.end for w in windows)
        leaf_groups = memo.get(
            ("communes", tuple((u, tuple(g)) for u, g in sorted(unit_groups.items())), start, end),
            lambda: _commune_groups(unit_groups, start, end),
        )
        if leaf_groups:
            rows = list(rows) + _fetch_latest(
                leaf_groups, latest_groups, period_end, request, by_options=by_options
            )

    # cells[(indicator, ou group, pe group, options key)] = [sum, count, any unapproved],
    # over the group's source units and periods (sums, averages' sums and counts, and the
    # communes' latest values of "last" indicators all add up the same way).
    cells: dict[tuple, list] = {}
    newest_raw = None
    if approved_only and not filter_cat:
        # The common case (approved figures, no category filter) in a loop of its own: the
        # national and commune-level tables spend most of their Python time here.
        rest = []
        pe_of = {
            (ind_id, pk): groups
            for ind_id, by_period in period_groups.items()
            for pk, groups in by_period.items()
        }
        cells_get = cells.get
        for row in rows:
            if len(row) != 9:
                rest.append(row)  # a commune's latest row of a "last" indicator (below)
                continue
            unit_id, period_id, ind_id, key, a_sum, a_cnt, _t_sum, _t_cnt, stamp = row
            if not a_cnt:
                continue
            pgroups = pe_of.get((ind_id, period_id))
            if not pgroups:
                continue
            if stamp is not None and (newest_raw is None or stamp > newest_raw):
                newest_raw = stamp
            number = a_sum if isinstance(a_sum, Decimal) else _dec(a_sum)
            count = int(a_cnt)
            for og in unit_groups[unit_id]:
                for pg in pgroups:
                    cell_key = (ind_id, og, pg, key)
                    slot = cells_get(cell_key)
                    if slot is None:
                        cells[cell_key] = [number, count, False]
                    else:
                        slot[0] += number
                        slot[1] += count
        rows = rest
    for unit_id, period_id, ind_id, key, a_sum, a_cnt, t_sum, t_cnt, stamp, *leaf in rows:
        # A commune's latest row of a "last" indicator counts for the one period group it
        # is the latest of, in the groups of the units above it.
        if leaf:
            pgroups, ogroups = (leaf[0],), (leaf[1],)
        else:
            pgroups = period_groups[ind_id].get(period_id)
            if not pgroups:
                continue
            ogroups = unit_groups[unit_id]
        if filter_cat:
            # A value outside the filter's options, or of an indicator without that category,
            # is not part of the filtered figure (NGUON_VON:TW says nothing about households).
            opts = parse_options_key(key) if key else {}
            if any(opts.get(cat) not in allowed for cat, allowed in filter_cat.items()):
                continue
        if approved_only:
            count = int(a_cnt)
            if count == 0:
                continue
            number = _dec(a_sum)
            unapproved = False
        else:
            count = int(t_cnt)
            if count == 0:
                continue
            number = _dec(t_sum)
            unapproved = count != int(a_cnt)
        if stamp is not None and (newest_raw is None or stamp > newest_raw):
            newest_raw = stamp
        for og in ogroups:
            for pg in pgroups:
                cell_key = (ind_id, og, pg, key)
                slot = cells.get(cell_key)
                if slot is None:
                    cells[cell_key] = [number, count, unapproved]
                else:
                    slot[0] += number
                    slot[1] += count
                    if unapproved:
                        slot[2] = True
    newest = _as_datetime(newest_raw)

    pe_keys = ["*"] if pe_as_filter else [w.code for w in windows]
    ou_keys = ["*"] if ou_as_filter else [o.unit.code for o in ou_items]

    def combo_of(key: str) -> tuple[str, ...] | None:
        """The options of the categories shown, in order (None: not one of those asked)."""
        if not dims_cat:
            return ()
        opts = parse_options_key(key)
        combo = []
        for cat, chosen in dims_cat.items():
            value = opts.get(cat)
            if value is None or value not in chosen:
                return None
            combo.append(value)
        return tuple(combo)

    # The cells of each indicator by (ou, pe, combination of the categories shown), and
    # (for computed indicators) by (ou, pe) with their disaggregations.
    per_key: dict[tuple, list] = defaultdict(list)
    if computed_refs := any(item.indicator is None for item in items):
        for (ind_id, og, pg, key), slot in cells.items():
            per_key[(ind_id, og, pg)].append((key, slot))
    present: dict[tuple, set] = defaultdict(set)
    grouped: dict[tuple, list] = {}
    totals_only = not dims_cat and not by_options
    if totals_only:
        # One row a cell already (the totals table, key ""): read ``cells`` as it is.
        if computed_refs:
            for ind_id, og, pg, _key in cells:
                present[(ind_id, og, pg)].add(())
    else:
        combos_of: dict[str, tuple | None] = {}
        for (ind_id, og, pg, key), (s, c, u) in cells.items():
            if key not in combos_of:
                combos_of[key] = combo_of(key)
            combo = combos_of[key]
            if combo is None:
                continue
            target = grouped.get((ind_id, og, pg, combo))
            if target is None:
                grouped[(ind_id, og, pg, combo)] = [s, c, u]
                # Only the combinations that have data (a computed indicator split by a
                # category none of its terms has gets no rows, rather than its total
                # repeated under every option).
                present[(ind_id, og, pg)].add(combo)
            else:
                target[0] += s
                target[1] += c
                target[2] = target[2] or u

    out: list[Row] = []
    order = {c: i for i, c in enumerate(_product(list(dims_cat.values())))}
    cat_names = list(dims_cat)
    plain_dims = dims == ["dx", "pe", "ou"]
    for item in items:
        dx_key = "*" if dx_as_filter else item.code
        indicator = item.indicator
        if indicator is not None:
            pk = indicator.pk
            average = indicator.aggregation == AggregationType.AVERAGE
            decimals = item.decimals
            for og in ou_keys:
                for pg in pe_keys:
                    if totals_only:
                        slots = [((), cells.get((pk, og, pg, "")))]
                    else:
                        combos = (
                            sorted(present.get((pk, og, pg), ()), key=lambda c: order.get(c, 0))
                            if dims_cat
                            else ((),)
                        )
                        slots = [(combo, grouped.get((pk, og, pg, combo))) for combo in combos]
                    for combo, slot in slots:
                        if slot is None:
                            continue
                        s, c, u = slot
                        value = _round(s / c if average else s, decimals)
                        if plain_dims:
                            out.append(
                                _new_row(Row, ({"dx": dx_key, "pe": pg, "ou": og}, value, u))
                            )
                            continue
                        keys = {"dx": dx_key, "pe": pg, "ou": og}
                        keys.update(zip(cat_names, combo, strict=True))
                        out.append(Row({d: keys[d] for d in dims}, value, u))
            continue
        wanted_ids = [
            pk for pk, ind in base.items() if ind.code in {r.indicator for r in item.refs}
        ]
        for og in ou_keys:
            for pg in pe_keys:
                combos = set()
                for pk in wanted_ids:
                    combos |= present.get((pk, og, pg), set())
                for combo in sorted(combos, key=lambda c: order.get(c, 0)):
                    value, u = _computed_value(
                        item,
                        base,
                        ind_categories,
                        per_key,
                        og,
                        pg,
                        dict(zip(dims_cat, combo, strict=True)),
                    )
                    if value is None:
                        continue
                    keys = {"dx": dx_key, "pe": pg, "ou": og}
                    keys.update(zip(cat_names, combo, strict=True))
                    out.append(Row({d: keys[d] for d in dims}, _round(value, item.decimals), u))
    if dx_as_filter and len(items) > 1:
        out = _merge_rows(out, dims)

    return _result(
        request, dims, out, newest, items, windows, ou_items, dims_cat, categories, options
    )


def _result(
    request, dims, out, newest, items, windows, ou_items, dims_cat, categories, options
) -> AnalyticsResult:
    """The answer with its names and dimension items."""
    names: dict[str, str] = {}
    for item in items:
        names[item.code] = item.name
    for w in windows:
        names[w.code] = w.label
    for ou in ou_items:
        names[ou.unit.code] = ou.unit.name
    for cat in dims_cat:
        names[cat] = categories[cat].localized_name
        for opt in dims_cat[cat]:
            names[opt if opt not in names else f"{cat}={opt}"] = options[cat][opt]
    dimension_items = {
        "dx": [i.code for i in items],
        "pe": [w.code for w in windows],
        "ou": [o.unit.code for o in ou_items],
        **dims_cat,
    }
    return AnalyticsResult(
        request=request,
        dimensions=dims,
        rows=out,
        items=names,
        dimension_items=dimension_items,
        data_as_of=newest,
        partial_predecessors={o.unit.code: list(o.partial) for o in ou_items if o.partial},
        decimals={i.code: i.decimals for i in items},
    )


def _direct_places(items, ou_items, windows, period_groups) -> _Places | None:
    """Where a plain table's roll-up rows go in its answer, which lists each indicator's
    cells unit by unit and, within a unit, period by period (see ``_Places``: the place of
    a row is its indicator-period pair's place plus its unit's offset). None when the answer cannot be read that way: a period of it made of several reported
    periods, or an old unit merged into two of the units asked."""
    source_period: dict[tuple[int, str], int] = {}
    for ind_id, by_period in period_groups.items():
        for period_id, groups in by_period.items():
            if len(groups) != 1 or (ind_id, groups[0]) in source_period:
                return None
            source_period[(ind_id, groups[0])] = period_id
    n_windows = len(windows)
    unit_offset: dict[int, int] = {}
    for rank, ou in enumerate(ou_items):
        for src in ou.sources:
            if src in unit_offset:
                return None
            unit_offset[src] = rank * n_windows
    per_item = len(ou_items) * n_windows
    offset: dict[tuple[int, int], int] = {}
    for item_rank, item in enumerate(items):
        pk = item.indicator.pk
        for window_rank, window in enumerate(windows):
            period_id = source_period.get((pk, window.code))
            if period_id is not None:
                offset[(pk, period_id)] = item_rank * per_item + window_rank
    if not offset:
        return _Places([], 0, 0, 1, unit_offset, len(items) * per_item)
    ind_min = min(ind_id for ind_id, _p in offset)
    per_min = min(per_id for _i, per_id in offset)
    per_span = max(per_id for _i, per_id in offset) - per_min + 1
    pairs: list[int | None] = [None] * ((max(i for i, _p in offset) - ind_min + 1) * per_span)
    for (ind_id, per_id), at in offset.items():
        pairs[(ind_id - ind_min) * per_span + per_id - per_min] = at
    return _Places(pairs, ind_min, per_min, per_span, unit_offset, len(items) * per_item)


def _direct_answer(
    rows, places: _Places, items, ou_items, windows, *, approved_only: bool, with_count: bool
) -> tuple[list[Row], object]:
    """The rows of a plain table (see ``_direct_places``) from the rows ``_fetch_plain``
    gives, and the newest change time among the rows used."""
    placed: list = [None] * places.size
    several: dict[int, list] = {}  # place → rows: a unit and old units merged into it
    pairs, unit_offset = places.pairs, places.unit_offset
    skipped = False
    for row in rows:
        at = pairs[row[1]]
        if at is None:
            skipped = True  # a period another indicator of the answer is reported in
            continue
        place = at + unit_offset[row[0]]
        if placed[place] is None:
            placed[place] = row
        else:
            several.setdefault(place, [placed[place]]).append(row)
    used = [row for row in rows if pairs[row[1]] is not None] if skipped else rows
    newest = max(map(itemgetter(-1), used), default=None)
    count_at = 3 if with_count else None
    flag_at = None if approved_only else (4 if with_count else 3)
    # On PostgreSQL the sums come with their trailing zeros trimmed (``_sum_columns``): a
    # single row's sum is then already what ``_round`` would make of it.
    trimmed = connection.vendor == "postgresql"
    cells = [(ou.unit.code, w.code) for ou in ou_items for w in windows]
    per_item = len(cells)
    out: list[Row] = []
    append = out.append
    for item_rank, item in enumerate(items):
        code = item.code
        average = item.indicator.aggregation == AggregationType.AVERAGE
        decimals = item.decimals
        as_read = trimmed and not average and decimals is None
        start = item_rank * per_item
        if as_read and approved_only and not several:
            # The common case (approved figures, sums as read, no merged units' rows to add
            # up) in one comprehension: a commune-level table's 13,000 rows.
            out += [
                _new_row(Row, ({"dx": code, "pe": pg, "ou": og}, row[2], False))
                for row, (og, pg) in zip(placed[start : start + per_item], cells, strict=True)
                if row is not None
            ]
            continue
        for place, row, (og, pg) in zip(
            range(start, start + per_item), placed[start : start + per_item], cells, strict=True
        ):
            if row is None:
                continue
            # ``== 1``: a bool on PostgreSQL, 0 or 1 on SQLite.
            if place in several:
                number, count, unapproved = Decimal(0), 0, False
                for one in several[place]:
                    number += _dec(one[2])
                    count += int(one[count_at]) if average else 1
                    unapproved = unapproved or (flag_at is not None and one[flag_at] == 1)
                value = _round(number / count if average else number, decimals)
            else:
                unapproved = flag_at is not None and row[flag_at] == 1
                if as_read:
                    value = row[2]
                else:
                    number = _dec(row[2])
                    value = _round(number / int(row[count_at]) if average else number, decimals)
            append(_new_row(Row, ({"dx": code, "pe": pg, "ou": og}, value, unapproved)))
    return out, newest


def _latest_kept(
    latest_groups: dict[int, dict[str, list[int]]],
    windows: list[Window],
    pe_as_filter: bool,
    period_end: dict[int, datetime.date],
) -> dict[int, dict[str, str]]:
    """indicator → {period group: window id} for the "last" indicators whose maintained
    rows (``RollupLatest``) were made of exactly the source periods this answer needs."""
    from dantoc.analytics.models import RollupLatestPlan

    if pe_as_filter:
        # Several windows as one filter group is not one window's figure.
        window_of = {"*": windows[0].code} if len(windows) == 1 else {}
    else:
        window_of = {w.code: w.code for w in windows}
    wanted = {window_of[g] for groups in latest_groups.values() for g in groups if g in window_of}
    if not wanted:
        return {}
    stored = {
        (code, ind_id): sources
        for code, ind_id, sources in RollupLatestPlan.objects.filter(
            window_code__in=wanted, indicator_id__in=list(latest_groups)
        ).values_list("window_code", "indicator_id", "sources")
    }
    kept = {}
    for ind_id, groups in latest_groups.items():
        mine = {}
        for group, pks in groups.items():
            code = window_of.get(group)
            ranked = ",".join(str(pk) for pk in sorted(pks, key=lambda pk: (period_end[pk], pk)))
            if code is None or stored.get((code, ind_id)) != ranked:
                break
            mine[group] = code
        else:
            kept[ind_id] = mine
    return kept


def _fetch_latest_table(
    unit_groups: dict[int, list[str]],
    kept: dict[int, dict[str, str]],
    *,
    by_options: bool,
    approved_only: bool,
) -> list[tuple]:
    """The maintained "latest" rows of the source units, as ``_fetch_latest`` gives rows
    (with the period group and unit group appended), one row per unit group."""
    params: list = []
    pairs = []
    group_of: dict[tuple[str, int], str] = {}
    for ind_id, groups in kept.items():
        for group, code in groups.items():
            pairs.append((code, ind_id))
            group_of[(code, ind_id)] = group
    postgres = connection.vendor == "postgresql"
    units = sorted(unit_groups)
    if postgres:
        where = "unit_id = ANY(%s) AND window_code = ANY(%s) AND indicator_id = ANY(%s)"
        params += [units, sorted({c for c, _i in pairs}), sorted({i for _c, i in pairs})]
    else:
        where = (
            "unit_id IN (SELECT value FROM json_each(%s))"
            " AND window_code IN (SELECT value FROM json_each(%s))"
            " AND indicator_id IN (SELECT value FROM json_each(%s))"
        )
        params += [
            json.dumps(units),
            json.dumps(sorted({c for c, _i in pairs})),
            json.dumps(sorted({i for _c, i in pairs})),
        ]
    if approved_only:
        figures = "approved_sum, approved_count, NULL, NULL, approved_updated_at"
        stamp_column = "approved_updated_at"
        nonzero = "approved_count > 0"
    else:
        figures = "NULL, total_approved_count, total_sum, total_count, total_updated_at"
        stamp_column = "total_updated_at"
        nonzero = "total_count > 0"
    if postgres:
        stamp = f"(EXTRACT(EPOCH FROM MAX({stamp_column})) * 1000000)::bigint"
    else:
        stamp = f"MAX({stamp_column})"
    names = figures.split(", ")
    summed = ", ".join(n if n == "NULL" else f"SUM({n})" for n in names[:4])
    key = "options_key" if by_options else "''"
    group_by = "unit_id, window_code, indicator_id" + (", options_key" if by_options else "")
    sql = (
        f"SELECT unit_id, window_code, indicator_id, {key}, {summed}, {stamp}"
        f" FROM analytics_rolluplatest WHERE {where} AND {nonzero} GROUP BY {group_by}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    out = []
    for unit_id, code, ind_id, options, a_sum, a_cnt, t_sum, t_cnt, newest in fetched:
        group = group_of.get((code, ind_id))
        if group is None:
            continue
        if not postgres:
            newest = _as_datetime(newest)
        for og in unit_groups[unit_id]:
            out.append((None, None, ind_id, options, a_sum, a_cnt, t_sum, t_cnt, newest, group, og))
    return out


def _commune_groups(
    unit_groups: dict[int, list[str]], start: datetime.date, end: datetime.date
) -> dict[int, list[str]]:
    """The communes under the source units that existed between ``start`` and ``end``,
    each with the groups of its source units."""
    paths = dict(Unit.objects.filter(pk__in=list(unit_groups)).values_list("pk", "path"))
    q = Q()
    for path in paths.values():
        q |= Q(path__startswith=path)
    existed = (Q(valid_from__isnull=True) | Q(valid_from__lte=end)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    )
    groups: dict[int, list[str]] = {}
    communes = Unit.objects.filter(q, existed, level=UnitLevel.COMMUNE)
    for pk, path in communes.values_list("pk", "path"):
        mine = []
        for part in path.strip("/").split("/"):
            mine += unit_groups.get(int(part), [])
        if mine:
            groups[pk] = mine
    return groups


def _fetch_latest(
    leaf_groups: dict[int, list[str]],
    latest_groups: dict[int, dict[str, list[int]]],
    period_end: dict[int, datetime.date],
    request: AnalyticsRequest,
    *,
    by_options: bool,
) -> list[tuple]:
    """ "Last" indicators over groups of several source periods: each commune's figures of
    its latest source period with data in the group, added up per unit group in SQL.

    Rows as ``_fetch`` gives them, with the period group and unit group appended (and no
    unit or period of their own)."""
    count = "total_count" if request.include_unapproved else "approved_count"
    key = "r.options_key" if by_options else "''"
    # Each source period's rank in its group: latest end date first, then the highest id.
    # Groups travel as numbers (cheaper to sort and compare than text).
    group_ids: dict[str, int] = {}
    periods = []
    for ind_id, groups in latest_groups.items():
        for group, pks in groups.items():
            number = group_ids.setdefault(group, len(group_ids))
            for rank, pk in enumerate(sorted(pks, key=lambda pk: (period_end[pk], pk))):
                periods.append([pk, ind_id, number, rank])
    communes = [
        [unit_id, group_ids.setdefault(group, len(group_ids))]
        for unit_id, groups in leaf_groups.items()
        for group in groups
    ]
    group_names = {number: group for group, number in group_ids.items()}
    figures = f"{key} AS key, r.approved_sum, r.approved_count, r.total_sum, r.total_count"
    if connection.vendor == "postgresql":
        newest = "(EXTRACT(EPOCH FROM MAX(stamp)) * 1000000)::bigint"
        # unnest() of arrays: the planner knows how many rows they hold.
        cg = "SELECT * FROM unnest(%s::bigint[], %s::int[]) AS x(u, g)"
        pm = "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::int[]) AS x(p, i, g, k)"
        params: list = [[u for u, _g in communes], [g for _u, g in communes]]
        params += [[row[n] for row in periods] for n in range(4)]
        # The totals' (indicator, period, unit) index: a range per indicator × period (by
        # disaggregation, the communes' values: their roll-up rows are not stored).
        table = _rollup_rows(by_options, *_latest_keys(communes, periods), params)
        source = (
            f"{table} r JOIN pm ON pm.p = r.period_id AND pm.i = r.indicator_id"
            " JOIN cg ON cg.u = r.unit_id"
            f" WHERE r.indicator_id = ANY(%s) AND r.period_id = ANY(%s) AND r.{count} > 0"
        )
        params += [sorted({row[1] for row in periods}), sorted({row[0] for row in periods})]
    else:
        newest = "MAX(stamp)"
        cg = (
            "SELECT json_extract(value, '$[0]') AS u, json_extract(value, '$[1]') AS g"
            " FROM json_each(%s)"
        )
        pm = (
            "SELECT json_extract(value, '$[0]') AS p, json_extract(value, '$[1]') AS i,"
            " json_extract(value, '$[2]') AS g, json_extract(value, '$[3]') AS k"
            " FROM json_each(%s)"
        )
        params = [json.dumps(communes), json.dumps(periods)]
        table = _rollup_rows(by_options, *_latest_keys(communes, periods), params)
        source = (
            f"cg CROSS JOIN pm JOIN {table} r ON r.unit_id = cg.u AND r.period_id = pm.p"
            f" AND r.indicator_id = pm.i WHERE r.{count} > 0"
        )
    # Each commune's rows of its latest source period with data in the group (all of that
    # period's rows: a project left out of the latest report is not carried over), added
    # up per unit group.
    sql = f"""
        WITH cg AS ({cg}), pm AS ({pm}),
        ranked AS (
            SELECT cg.g AS og, pm.g AS pg, pm.i AS indicator_id, {figures},
                   r.updated_at AS stamp, pm.k,
                   MAX(pm.k) OVER (PARTITION BY cg.u, cg.g, pm.i, pm.g) AS top
            FROM {source}
        )
        SELECT indicator_id, key, SUM(approved_sum), SUM(approved_count), SUM(total_sum),
               SUM(total_count), {newest}, pg, og
        FROM ranked WHERE k = top
        GROUP BY indicator_id, key, pg, og
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # SQLite gives an aggregate's timestamp as text, a column's as a datetime (see _fetch).
    sqlite = connection.vendor != "postgresql"
    return [
        (None, None, *row[:6], _as_datetime(row[6]) if sqlite else row[6],
         group_names[row[7]], group_names[row[8]])
        for row in rows
    ]  # fmt: skip


def _latest_keys(communes: list[list[int]], periods: list[list[int]]) -> tuple[list, ...]:
    """The units, periods and indicators of ``_fetch_latest``'s communes and plan."""
    return (
        sorted({u for u, _g in communes}),
        sorted({row[0] for row in periods}),
        sorted({row[1] for row in periods}),
    )


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def _product(lists: list[list[str]]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for options in lists:
        combos = [(*c, o) for c in combos for o in options]
    return combos


def _round(value: Decimal, decimals: int | None) -> Decimal:
    if decimals is not None:
        return value.quantize(_SCALES.get(decimals) or Decimal(1).scaleb(-decimals))
    value = value.quantize(_MICRO)
    integral = value.to_integral_value()
    return integral if value == integral else value.normalize()


def _merge_rows(rows: list[Row], dims: list[str]) -> list[Row]:
    merged: dict[tuple, list] = {}
    for row in rows:
        key = tuple(row.keys[d] for d in dims)
        if key in merged:
            merged[key][1] += row.value
            merged[key][2] = merged[key][2] or row.unapproved
        else:
            merged[key] = [dict(row.keys), row.value, row.unapproved]
    return [Row(*parts) for parts in merged.values()]


def _computed_value(item, base, ind_categories, per_key, og, pg, combo: dict[str, str]):
    """numerator / denominator × factor over the aggregated values of this cell."""
    values: dict[str, list[tuple[dict[str, str], Decimal]]] = defaultdict(list)
    unapproved = False
    wanted = {r.indicator for r in item.refs}
    for ind_id, indicator in base.items():
        if indicator.code not in wanted:
            continue
        restrict = {c: o for c, o in combo.items() if c in ind_categories.get(ind_id, ())}
        for key, (s, c, u) in per_key.get((ind_id, og, pg), ()):
            opts = parse_options_key(key)
            if any(opts.get(cat) != v for cat, v in restrict.items()):
                continue
            number = s / c if indicator.aggregation == AggregationType.AVERAGE else s
            values[indicator.code].append((opts, number))
            unapproved = unapproved or u
    num, found_num = validation.evaluate(item.numerator, values)
    if item.denominator is not None:
        den, found_den = validation.evaluate(item.denominator, values)
        if not found_den or den is None:
            return None, False
        if not found_num:
            num = Decimal(0)  # planned, nothing disbursed yet: 0 %, not "no data"
        if num is None:
            return None, False
        try:
            value = num / den
        except (DivisionByZero, InvalidOperation):
            return None, False
    else:
        if not found_num or num is None:
            return None, False
        value = num
    return value * item.computed.factor, unapproved


def parse_request(
    *,
    dimensions: list[str],
    filters: list[str] = (),
    include_unapproved: bool = False,
    hierarchy_date: datetime.date | None = None,
) -> AnalyticsRequest:
    """An AnalyticsRequest from DHIS2-style parameters: ``dx:A;B``, ``pe:2025;2025Q1``,
    ``ou:VN;LEVEL-2``, ``NGUON_VON:TW;DP`` or ``NGUON_VON`` (all options)."""
    request = AnalyticsRequest(
        dx=[], pe=[], ou=[], include_unapproved=include_unapproved, hierarchy_date=hierarchy_date
    )
    for is_filter, texts in ((False, dimensions), (True, filters)):
        for text in texts:
            name, _sep, rest = (text or "").partition(":")
            name = name.strip()
            values = [v.strip() for v in rest.split(";") if v.strip()]
            if not name:
                raise QueryError(_("Chiều dữ liệu trống: hãy viết dạng dx:MA1;MA2."))
            if name in ("dx", "pe", "ou"):
                if not values:
                    raise QueryError(_("Chiều %(name)s cần ít nhất một mục.") % {"name": name})
                if is_filter:
                    request.filters[name] = values
                else:
                    # dx:A and dx:B given twice read as dx:A;B (one column, not two).
                    getattr(request, name).extend(values)
                    if name not in request.order:
                        request.order.append(name)
            elif is_filter:
                if not values:
                    raise QueryError(_("Bộ lọc %(name)s cần ít nhất một mục.") % {"name": name})
                request.filters[name] = values
            else:
                request.categories[name] = values
                request.order.append(name)
    for name in ("dx", "pe", "ou"):
        if not getattr(request, name) and name not in request.filters:
            raise QueryError(
                _("Thiếu chiều %(name)s (dimension=%(name)s:… hoặc filter=%(name)s:…).")
                % {"name": name}
            )
        if getattr(request, name) and name in request.filters:
            raise QueryError(
                _("Chiều %(name)s không thể vừa là dimension vừa là filter.") % {"name": name}
            )
    return request
