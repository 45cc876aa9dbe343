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
from dantoc.analytics.models import ComputedIndicator, RollupLatestPlan
from dantoc.geo.models import Unit, UnitLevel, UnitSuccession
from dantoc.geo.selectors import valid_on_q
from dantoc.indicators.models import AggregationType, Category, CategoryOption, Indicator
from dantoc.indicators.values import parse_options_key
from dantoc.reporting import validation
from dantoc.reporting.models import FormColumn, FormRow, Period
from dantoc.reporting.periods import Period as NominalPeriod
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


def nominal_period(code: str) -> NominalPeriod:
    """The calendar period a period id names, whatever cut-off a report type uses
    (:class:`~dantoc.reporting.periods.PeriodError` if it names none)."""
    kind = kind_of(code)
    months = int(code[5:]) if kind is PeriodKind.CUMULATIVE else None
    return parse_period(code, PeriodRule(kind=kind, cumulative_months=months))


def nominal_window(code: str) -> Window:
    """The calendar window a period id names, whatever cut-off a report type uses."""
    period = nominal_period(code)
    return Window(code, period.kind, period.start, period.end, period.label)


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


def category_items(
    asked: dict[str, list[str]], options: dict[str, dict[str, str]]
) -> dict[str, list[str]]:
    """The options of each category asked for (none named: all of them); ``QueryError``
    naming an option the category does not have."""
    chosen_of: dict[str, list[str]] = {}
    for code, wanted in asked.items():
        chosen = list(wanted) or list(options[code])
        bad = [o for o in chosen if o not in options[code]]
        if bad:
            raise QueryError(
                _("Phân tổ %(cat)s không có mục %(opts)s.") % {"cat": code, "opts": ", ".join(bad)}
            )
        chosen_of[code] = chosen
    return chosen_of


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
    tables: dict[str, list[int]], period_ids, indicator_ids, *, by_options: bool,
    approved_only: bool,
):  # fmt: skip
    """(unit, period, indicator, options_key, a_sum, a_count, t_sum, t_count, as_of) rows of
    the units of ``tables`` (table → unit ids, see ``_source_tables``), each unit's from its
    table (t_sum and t_count None when only approved figures are wanted). By disaggregation,
    communes' rows are computed from their values (``_rollup_rows``): they are not stored."""
    stamp = _stamp_column()
    approved, total = _sum_columns()
    totals = "NULL, NULL" if approved_only else f"{total}, total_count"
    # The totals over disaggregations are kept in a table of their own (one row a cell).
    key = "options_key" if by_options else "''"
    rows: list[tuple] = []
    for table, unit_ids in tables.items():
        params: list = []
        source = (
            _rollup_rows(by_options, unit_ids, period_ids, indicator_ids, params)
            if by_options
            else table
        )
        where = _where(
            unit_ids, period_ids, indicator_ids, approved_only=approved_only, params=params
        )
        sql = (
            f"SELECT unit_id, period_id, indicator_id, {key}, {approved}, approved_count,"
            f" {totals}, {stamp} FROM {source} t WHERE {where}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows += cursor.fetchall()
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
    table: str, unit_ids, period_ids, indicator_ids, places: _Places, *, approved_only: bool,
    with_count: bool,
) -> list[tuple]:  # fmt: skip
    """The rows of a plain table as (unit, pair, sum, [count], [unapproved], change time):
    only what its answer needs of the totals ``table`` (``count`` when ``with_count``,
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
        f" FROM {table} t WHERE {where}"
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


# --- the engine, step by step ----------------------------------------------------------------
#
# ``_run`` lists the steps of an answer; each step below is a function of its own: what the
# request names, the indicators and reported periods its figures are made of, the groups the
# source units and periods fall in, which table answers for each level, the rows read, the
# cells they add up to (which data count), and the rows of the answer.


def _run(
    request: AnalyticsRequest, *, latest_table: bool = True, direct: bool = True
) -> AnalyticsResult:
    """The answer to ``request`` (see ``analytics_run``)."""
    # What units, indicators, forms and periods resolve to, kept while they do not change.
    memo = metadata.memo_current()
    asked = _resolve_request(request, memo)
    sources = _resolve_sources(asked, memo)
    _check_size(asked)
    unit_groups = _unit_groups(asked.ou_items, ou_as_filter=asked.ou_as_filter)
    periods = _period_groups(sources.plans, sources.base, pe_as_filter=asked.pe_as_filter)
    by_options = _needs_options(asked)
    tables = _source_tables(asked.ou_items, by_options=by_options)
    dims = _dimensions(request, asked.dims_cat)
    if direct and _is_plain_table(asked, dims, periods, by_options=by_options):
        answer = _plain_table_answer(asked, dims, tables, periods)
        if answer is not None:
            return answer
    rows = _read_rows(
        asked, memo, unit_groups, periods, tables, by_options=by_options,
        latest_table=latest_table,
    )  # fmt: skip
    cells, newest_raw = _add_up_cells(rows, asked, unit_groups, periods.by_source)
    shaped = _group_cells(cells, asked, by_options=by_options)
    out = _answer_rows(asked, dims, shaped, sources)
    return _result(
        request, dims, out, _as_datetime(newest_raw), asked.items, asked.windows,
        asked.ou_items, asked.dims_cat, asked.categories, asked.options,
    )  # fmt: skip


@dataclass
class _Asked:
    """What a request names, resolved. A dimension given as a filter (``dx``, ``pe`` or
    ``ou`` not shown) is one group, ``*``, aggregated over."""

    request: AnalyticsRequest
    items: list[DataItem]
    windows: list[Window]
    ou_items: list[OuItem]
    categories: dict[str, Category]
    options: dict[str, dict[str, str]]  # category code → option code → name
    dims_cat: dict[str, list[str]]  # categories shown: code → option codes, in order
    filter_cat: dict[str, set[str]]  # category filters: code → the options kept

    @property
    def dx_as_filter(self) -> bool:
        return not self.request.dx

    @property
    def pe_as_filter(self) -> bool:
        return not self.request.pe

    @property
    def ou_as_filter(self) -> bool:
        return not self.request.ou

    @property
    def approved_only(self) -> bool:
        return not self.request.include_unapproved


def _resolve_request(request: AnalyticsRequest, memo) -> _Asked:
    """The request's data items, windows, units and categories (shown and filtering),
    checked: a code that names nothing, or an option its category does not have, is a
    ``QueryError``."""
    as_of = request.hierarchy_date or timezone.localdate()
    language = get_language()
    filters = request.filters
    dx_codes = tuple(request.dx or filters.get("dx", []))
    items = memo.get(("items", dx_codes, language), lambda: _data_items(list(dx_codes)))
    windows = _windows(request.pe or filters.get("pe", []))
    ou_codes = tuple(request.ou or filters.get("ou", []))
    ou_items = memo.get(("units", ou_codes, as_of), lambda: _units(list(ou_codes), as_of))
    categories, options, dims_cat, filter_cat = _resolve_categories(request, memo, language)
    return _Asked(request, items, windows, ou_items, categories, options, dims_cat, filter_cat)


def _resolve_categories(request: AnalyticsRequest, memo, language) -> tuple:
    """(categories, their options' names, the categories shown with their options, the
    category filters) of a request: shown ones are columns of the answer (all options when
    none is named), filters restrict the figures."""
    filters = request.filters
    cat_codes = set(request.categories) | {k for k in filters if k not in ("dx", "pe", "ou")}
    categories, options = memo.get(
        ("categories", tuple(sorted(cat_codes)), language), lambda: _categories(cat_codes)
    )
    dims_cat = category_items(request.categories, options)
    filter_cat = {k: set(v) for k, v in filters.items() if k in categories}
    return categories, options, dims_cat, filter_cat


@dataclass
class _Sources:
    """The indicators an answer's figures are made of and the reported periods of each."""

    base: dict[int, Indicator]  # the items' indicators and those computed ones refer to
    ind_categories: dict[int, set[str]]  # their categories (only when a computed item is asked)
    plans: dict[str, PeriodPlan]  # window id → each indicator's source periods


def _resolve_sources(asked: _Asked, memo) -> _Sources:
    """The indicators behind the data items (a computed indicator's terms included), their
    categories, and the reported periods that make up each window asked."""
    items = asked.items
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
    windows = asked.windows
    plans = memo.get(
        ("plans", tuple(w.code for w in windows), base_ids), lambda: plan_periods(windows, base)
    )
    return _Sources(base, ind_categories, plans)


def _check_size(asked: _Asked) -> None:
    """Refuse an answer of more than ``MAX_CELLS`` cells (items × windows × units ×
    combinations of the categories shown)."""
    combinations = 1
    for wanted in asked.dims_cat.values():
        combinations *= len(wanted)
    if len(asked.items) * len(asked.windows) * len(asked.ou_items) * combinations > MAX_CELLS:
        raise QueryError(_("Truy vấn quá lớn: hãy chọn ít chỉ tiêu, kỳ hoặc đơn vị hơn."))


def _unit_groups(ou_items: list[OuItem], *, ou_as_filter: bool) -> dict[int, list[str]]:
    """Source unit id → the unit groups of the answer it counts in: each unit asked is made
    of itself and the old units merged whole into it (all in ``*`` when ``ou`` is a filter)."""
    unit_groups: dict[int, list[str]] = defaultdict(list)
    for ou in ou_items:
        group = "*" if ou_as_filter else ou.unit.code
        for src in ou.sources:
            unit_groups[src].append(group)
    return unit_groups


@dataclass
class _PeriodGroups:
    """How the reported (source) periods make up the period groups of the answer."""

    # indicator id → source period id → the period groups made of it
    by_source: dict[int, dict[int, list[str]]]
    # "last" indicators over several source periods: indicator id → group → source periods
    latest: dict[int, dict[str, list[int]]]
    # source period id → its end date
    end: dict[int, datetime.date]


def _period_groups(
    plans: dict[str, PeriodPlan], base: dict[int, Indicator], *, pe_as_filter: bool
) -> _PeriodGroups:
    """Source periods of each indicator → the period groups made of them. For a "last"
    indicator a group of several source periods is answered per commune (each one's latest
    period with data, then added up); a group of one source period is its plain roll-up."""
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
    return _PeriodGroups(period_groups, latest_groups, period_end)


def _needs_options(asked: _Asked) -> bool:
    """Whether the figures are read per disaggregation: only when something needs them (a
    category shown or filtered, a computed indicator restricted to some options); else the
    totals over disaggregations are read."""
    return bool(
        asked.dims_cat or asked.filter_cat or any(r.options for i in asked.items for r in i.refs)
    )


def source_table(level: str, *, by_options: bool) -> str:
    """The table that answers for the units of ``level``: the figures per disaggregation
    (``by_options``) or their totals (one row a cell). The one place where the engine
    chooses where a level's figures are read from (the maintained "latest" rows of
    ``analytics_rolluplatest`` are read when ``_latest_kept`` says they fit).

    What it returns goes after ``FROM`` in ``_fetch``, ``_fetch_plain`` and ``_fetch_latest``
    (which give it an alias): a table, or a derived table in parentheses, with the roll-up
    tables' columns (unit_id, period_id, indicator_id, options_key, approved_sum,
    approved_count, total_sum, total_count, updated_at)."""
    del level  # every level is read from the same roll-up tables
    # By disaggregation, ``analytics_rollup`` holds no commune rows: ``_fetch`` and
    # ``_fetch_latest`` read it through ``_rollup_rows``, which adds the communes' rows
    # computed from their values for the units, periods and indicators asked.
    return "analytics_rollup" if by_options else "analytics_rolluptotal"


def _source_tables(ou_items: list[OuItem], *, by_options: bool) -> dict[str, list[int]]:
    """The source units (each unit asked and the old units merged whole into it, taken at
    its level) grouped by the table that answers for them (``source_table``), ids sorted."""
    table_of: dict[int, str] = {}
    for ou in ou_items:
        table = source_table(ou.unit.level, by_options=by_options)
        for src in ou.sources:
            table_of.setdefault(src, table)
    tables: dict[str, list[int]] = defaultdict(list)
    for src in sorted(table_of):
        tables[table_of[src]].append(src)
    return dict(tables)


def _dimensions(request: AnalyticsRequest, dims_cat: dict[str, list[str]]) -> list[str]:
    """The dimension columns of the answer's rows: dx, pe, ou (unless given as filters),
    then the categories shown; in the request's order where it gives one."""
    dims = ["dx", "pe", "ou", *dims_cat]
    if not request.dx:
        dims.remove("dx")
    if not request.pe:
        dims.remove("pe")
    if not request.ou:
        dims.remove("ou")
    if request.order:
        dims = [d for d in request.order if d in dims] + [d for d in dims if d not in request.order]
    return dims


def _is_plain_table(
    asked: _Asked, dims: list[str], periods: _PeriodGroups, *, by_options: bool
) -> bool:
    """Whether each cell of the answer is one roll-up row (or a few, for a unit with old
    units merged into it): indicators × periods × units, no categories, no computed
    indicator, no period made of several reported ones."""
    return (
        dims == ["dx", "pe", "ou"]
        and not asked.filter_cat
        and not by_options
        and not periods.latest
        and all(item.indicator is not None for item in asked.items)
    )


def _plain_table_answer(
    asked: _Asked, dims: list[str], tables: dict[str, list[int]], periods: _PeriodGroups
) -> AnalyticsResult | None:
    """A plain table (``_is_plain_table``) answered straight from its roll-up rows, each put
    in its place of the answer (the commune-level table's 13,000 cells), without adding up
    cells. None when its rows cannot be placed that way (see ``_direct_places``)."""
    items, ou_items, windows = asked.items, asked.ou_items, asked.windows
    period_groups = periods.by_source
    places = _direct_places(items, ou_items, windows, period_groups)
    if places is None:
        return None
    approved_only = asked.approved_only
    with_count = any(item.indicator.aggregation == AggregationType.AVERAGE for item in items)
    rows: list[tuple] = []
    if places.pairs and places.unit_offset:
        direct_ids = sorted(period_groups)
        direct_periods = sorted({pk for groups in period_groups.values() for pk in groups})
        for table, unit_ids in tables.items():
            rows += _fetch_plain(
                table, unit_ids, direct_periods, direct_ids, places,
                approved_only=approved_only, with_count=with_count,
            )  # fmt: skip
    out, newest_raw = _direct_answer(
        rows, places, items, ou_items, windows,
        approved_only=approved_only, with_count=with_count,
    )  # fmt: skip
    return _result(
        asked.request, dims, out, _as_datetime(newest_raw), items, windows, ou_items,
        asked.dims_cat, asked.categories, asked.options,
    )  # fmt: skip


def _read_rows(
    asked: _Asked,
    memo,
    unit_groups: dict[int, list[str]],
    periods: _PeriodGroups,
    tables: dict[str, list[int]],
    *,
    by_options: bool,
    latest_table: bool,
) -> list[tuple]:
    """The rows the answer is made of: the roll-up rows of the source units and periods
    (``_fetch``), and for "last" indicators over several reported periods the maintained
    latest rows where they fit (``_latest_kept``), else each commune's latest figures."""
    period_groups = periods.by_source
    direct_ids = sorted(period_groups)
    direct_periods = sorted({pk for groups in period_groups.values() for pk in groups})
    approved_only = asked.approved_only
    rows = (
        _fetch(
            tables,
            direct_periods,
            direct_ids,
            by_options=by_options,
            approved_only=approved_only,
        )
        if direct_periods and unit_groups and direct_ids
        else []
    )
    latest_groups = dict(periods.latest)
    if latest_groups and unit_groups and latest_table:
        # Where the maintained "latest" rows were made of exactly the periods chosen here,
        # read them (a row per unit) instead of every commune's every period.
        kept = _latest_kept(latest_groups, asked.windows, asked.pe_as_filter, periods.end)
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
        windows = asked.windows
        start, end = min(w.start for w in windows), max(w.end for w in windows)
        leaf_groups = memo.get(
            ("communes", tuple((u, tuple(g)) for u, g in sorted(unit_groups.items())), start, end),
            lambda: _commune_groups(unit_groups, start, end),
        )
        if leaf_groups:
            rows = list(rows) + _fetch_latest(
                leaf_groups, latest_groups, periods.end, asked.request, by_options=by_options
            )
    return rows


def _add_up_cells(
    rows: list[tuple],
    asked: _Asked,
    unit_groups: dict[int, list[str]],
    period_groups: dict[int, dict[int, list[str]]],
) -> tuple[dict[tuple, list], object]:
    """The rows added up into cells[(indicator, ou group, pe group, options key)] = [sum,
    count, any unapproved], over each group's source units and periods (sums, averages' sums
    and counts, and the communes' latest values of "last" indicators all add up the same
    way); and the newest change time of the rows counted, as read.

    Which data count: approved figures only, unless the request includes unapproved ones
    (then a cell says whether some are in it); with a category filter, only values of the
    options it keeps."""
    cells: dict[tuple, list] = {}
    newest_raw = None
    if asked.approved_only and not asked.filter_cat:
        rows, newest_raw = _add_up_approved(rows, cells, unit_groups, period_groups)
    newest_raw = _add_up_any(
        rows, cells, unit_groups, period_groups, approved_only=asked.approved_only,
        filter_cat=asked.filter_cat, newest_raw=newest_raw,
    )  # fmt: skip
    return cells, newest_raw


def _add_up_approved(
    rows: list[tuple],
    cells: dict[tuple, list],
    unit_groups: dict[int, list[str]],
    period_groups: dict[int, dict[int, list[str]]],
) -> tuple[list[tuple], object]:
    """The common case of ``_add_up_cells`` (approved figures, no category filter) in a loop
    of its own: the national and commune-level tables spend most of their Python time here.
    Adds the roll-up rows into ``cells``; returns the rows left for ``_add_up_any`` (the
    communes' latest rows of "last" indicators) and the newest change time seen."""
    newest_raw = None
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
    return rest, newest_raw


def _add_up_any(
    rows: list[tuple],
    cells: dict[tuple, list],
    unit_groups: dict[int, list[str]],
    period_groups: dict[int, dict[int, list[str]]],
    *,
    approved_only: bool,
    filter_cat: dict[str, set[str]],
    newest_raw,
):
    """Add ``rows`` into ``cells`` (see ``_add_up_cells``), whatever data count; returns the
    newest change time among them and ``newest_raw``."""
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
    return newest_raw


@dataclass
class _Grouped:
    """The cells of each indicator arranged for reading into rows."""

    # (indicator, ou group, pe group, options key) → [sum, count, any unapproved]
    cells: dict[tuple, list]
    # (indicator, ou group, pe group, combination of the options shown) → the same
    grouped: dict[tuple, list]
    # (indicator, ou group, pe group) → the combinations shown that have data
    present: dict[tuple, set]
    # (indicator, ou group, pe group) → [(options key, cell)]: computed indicators' terms
    per_key: dict[tuple, list]
    # One row a cell already (the totals, key ""): rows are read from ``cells`` as they are.
    totals_only: bool


def _combination(key: str, dims_cat: dict[str, list[str]]) -> tuple[str, ...] | None:
    """The options of the categories shown in an options key, in order (None: not one of
    those asked)."""
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


def _group_cells(cells: dict[tuple, list], asked: _Asked, *, by_options: bool) -> _Grouped:
    """The cells of each indicator by (ou, pe, combination of the categories shown), and
    (for computed indicators) by (ou, pe) with their disaggregations."""
    dims_cat = asked.dims_cat
    per_key: dict[tuple, list] = defaultdict(list)
    if computed_refs := any(item.indicator is None for item in asked.items):
        for (ind_id, og, pg, key), slot in cells.items():
            per_key[(ind_id, og, pg)].append((key, slot))
    present: dict[tuple, set] = defaultdict(set)
    grouped: dict[tuple, list] = {}
    totals_only = not dims_cat and not by_options
    if totals_only:
        if computed_refs:
            for ind_id, og, pg, _key in cells:
                present[(ind_id, og, pg)].add(())
    else:
        combos_of: dict[str, tuple | None] = {}
        for (ind_id, og, pg, key), (s, c, u) in cells.items():
            if key not in combos_of:
                combos_of[key] = _combination(key, dims_cat)
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
    return _Grouped(cells, grouped, present, per_key, totals_only)


def _answer_rows(asked: _Asked, dims: list[str], shaped: _Grouped, sources: _Sources) -> list[Row]:
    """The rows of the answer, item by item, unit by unit, period by period, combination
    by combination (in the order of the options asked); rows of several data items given as
    a filter are added up."""
    items, dims_cat = asked.items, asked.dims_cat
    pe_keys = ["*"] if asked.pe_as_filter else [w.code for w in asked.windows]
    ou_keys = ["*"] if asked.ou_as_filter else [o.unit.code for o in asked.ou_items]
    order = {c: i for i, c in enumerate(_product(list(dims_cat.values())))}
    out: list[Row] = []
    for item in items:
        dx_key = "*" if asked.dx_as_filter else item.code
        if item.indicator is not None:
            out += _indicator_rows(item, dx_key, ou_keys, pe_keys, shaped, dims, dims_cat, order)
        else:
            out += _computed_rows(
                item, dx_key, ou_keys, pe_keys, shaped, dims, dims_cat, order, sources
            )
    if asked.dx_as_filter and len(items) > 1:
        out = _merge_rows(out, dims)
    return out


def _indicator_rows(
    item: DataItem,
    dx_key: str,
    ou_keys: list[str],
    pe_keys: list[str],
    shaped: _Grouped,
    dims: list[str],
    dims_cat: dict[str, list[str]],
    order: dict[tuple, int],
) -> list[Row]:
    """The rows of an indicator: its cells' sums (averages: sum / count), rounded."""
    cells, grouped, present = shaped.cells, shaped.grouped, shaped.present
    totals_only = shaped.totals_only
    cat_names = list(dims_cat)
    plain_dims = dims == ["dx", "pe", "ou"]
    out: list[Row] = []
    pk = item.indicator.pk
    average = item.indicator.aggregation == AggregationType.AVERAGE
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
                    out.append(_new_row(Row, ({"dx": dx_key, "pe": pg, "ou": og}, value, u)))
                    continue
                keys = {"dx": dx_key, "pe": pg, "ou": og}
                keys.update(zip(cat_names, combo, strict=True))
                out.append(Row({d: keys[d] for d in dims}, value, u))
    return out


def _computed_rows(
    item: DataItem,
    dx_key: str,
    ou_keys: list[str],
    pe_keys: list[str],
    shaped: _Grouped,
    dims: list[str],
    dims_cat: dict[str, list[str]],
    order: dict[tuple, int],
    sources: _Sources,
) -> list[Row]:
    """The rows of a computed indicator: one for each combination shown that some of its
    terms have data for, evaluated after aggregation (``_computed_value``)."""
    base, present = sources.base, shaped.present
    cat_names = list(dims_cat)
    out: list[Row] = []
    wanted_ids = [pk for pk, ind in base.items() if ind.code in {r.indicator for r in item.refs}]
    for og in ou_keys:
        for pg in pe_keys:
            combos = set()
            for pk in wanted_ids:
                combos |= present.get((pk, og, pg), set())
            for combo in sorted(combos, key=lambda c: order.get(c, 0)):
                value, u = _computed_value(
                    item,
                    base,
                    sources.ind_categories,
                    shaped.per_key,
                    og,
                    pg,
                    dict(zip(dims_cat, combo, strict=True)),
                )
                if value is None:
                    continue
                keys = {"dx": dx_key, "pe": pg, "ou": og}
                keys.update(zip(cat_names, combo, strict=True))
                out.append(Row({d: keys[d] for d in dims}, _round(value, item.decimals), u))
    return out


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
    periods_required: bool = True,
) -> AnalyticsRequest:
    """An AnalyticsRequest from DHIS2-style parameters: ``dx:A;B``, ``pe:2025;2025Q1``,
    ``ou:VN;LEVEL-2``, ``NGUON_VON:TW;DP`` or ``NGUON_VON`` (all options).
    ``periods_required=False``: ``pe`` may be left out (raw data read by a date range)."""
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
            if name == "pe" and not periods_required:
                continue
            raise QueryError(
                _("Thiếu chiều %(name)s (dimension=%(name)s:… hoặc filter=%(name)s:…).")
                % {"name": name}
            )
        if getattr(request, name) and name in request.filters:
            raise QueryError(
                _("Chiều %(name)s không thể vừa là dimension vừa là filter.") % {"name": name}
            )
    return request
