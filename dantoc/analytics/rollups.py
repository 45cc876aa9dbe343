"""Keeping ``Rollup`` current: recomputed for exactly the keys a write touched.

``rollups_refresh(unit_ids=…, period_ids=…, indicator_ids=…)`` is called by the reporting
services in the transaction that changed values or a report's approval, so figures and data
commit together (or roll back together). It recomputes, level by level from the deepest
affected unit up to the country:

    rollup(U, p, i, o) = U's own values + Σ rollup(children of U, p, i, o)

over the units the write touched and their ancestors, for the periods and indicators given.
Every affected row is recomputed from its inputs rather than adjusted by a delta, so a
missed or repeated call cannot leave an error behind that would add up over time; rows whose
figures did not change are not rewritten (their ``updated_at`` keeps meaning "changed at").

A value counts as approved when its unit's report for the period, on a form that holds the
value's indicator, is approved. Indicators aggregated "none" are kept at their own unit only.

On PostgreSQL refreshes of the same period take a transaction-level advisory lock first, so
two approvals in different provinces cannot each recompute the country from the other's
stale figures; the statements after the lock see everything committed before it.

A data value import on PostgreSQL (``reporting.bulk``) is the exception to "recomputed":
recomputing every report it touched made a national round's import read and rewrite every
commune's figures (a million rows for a 300-cell form) even when a tenth of them changed. It
takes the locks before writing, records each written value's difference (new number minus
old, +1/-1 for a value set or unset) in ``DELTA_TABLE``, and ``rollups_apply_delta`` adds the
differences level by level at the end of the transaction. The locks make the old values it
read final, so the sums stay exact; ``rollups check`` and the property tests compare them with
a computation from scratch, and ``rollups rebuild`` repairs anything else.

Commune rows are kept in ``RollupTotal`` only. A commune's ``Rollup`` rows (by
disaggregation) would be its own values, one row each: a copy of the values table, and the
most expensive statement of a national import to keep. They are computed from the values
when read (``commune_rows``), with the same rules; the refresh reads a district's or
province's communes the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from dantoc.core.figures import DELTA_TABLE
from dantoc.geo.models import Unit, UnitLevel
from dantoc.indicators.models import AggregationType, Indicator
from dantoc.reporting.models import DataValue, FormColumn, FormRow, Period, Submission

# Advisory-lock namespace for roll-up refreshes (first int of pg_advisory_xact_lock(int, int)).
_LOCK_SPACE = 1719

_NEW_TABLE = "analytics_rollup_new"


def _in(column: str, values: list[int] | None, params: list) -> str:
    """``column IN values`` (True when values is None: all)."""
    if values is None:
        return "1=1"
    if connection.vendor == "postgresql":
        params.append(list(values))
        return f"{column} = ANY(%s)"
    params.append(json.dumps(list(values)))
    return f"{column} IN (SELECT value FROM json_each(%s))"


_FORM_INDICATORS = """
    SELECT sec.form_id, r.indicator_id FROM reporting_formsection sec
      JOIN reporting_formrow r ON r.section_id = sec.id WHERE r.indicator_id IS NOT NULL
    UNION
    SELECT sec.form_id, c.indicator_id FROM reporting_formsection sec
      JOIN reporting_formcolumn c ON c.section_id = sec.id WHERE c.indicator_id IS NOT NULL
"""

# The columns of a roll-up row, as ``commune_rows`` gives them (after them: the parent).
ROW_COLUMNS = (
    "unit_id, period_id, indicator_id, options_key, approved_sum, approved_count,"
    " total_sum, total_count, updated_at"
)


def commune_rows(
    params: list,
    *,
    periods: list[int] | None,
    indicators: list[int] | None,
    units: list[int] | None = None,
    parents: list[int] | None = None,
) -> str:
    """The ``Rollup`` rows of communes, which are not stored: a SELECT of ``ROW_COLUMNS``
    and ``parent_id``, one row per numeric value, for the communes among ``units`` (or the
    communes whose parent is among ``parents``; None for both: every commune), these periods
    and indicators (None: all). Its parameters are appended to ``params``.

    The same rules as the refresh: a value counts as approved when its unit's report for
    the period, on a form that holds the value's indicator, is approved. ``updated_at`` is
    the commune's ``RollupTotal`` row's (when the figures of that unit, period and indicator
    last changed), so a commune's change time is the same with or without disaggregations."""
    postgres = connection.vendor == "postgresql"

    def units_of(column: str) -> str:
        if parents is None:
            return _in(column, units, params)
        in_parents = _in("parent_id", parents, params)
        return f"{column} IN (SELECT id FROM geo_unit WHERE {in_parents})"

    # Parameters in the order they appear: the approved reports, the totals, the values.
    sub_units = units_of("s.unit_id")
    sub_periods = _in("s.period_id", periods, params)
    sub_indicators = _in("fi.indicator_id", indicators, params)
    total_units = units_of("t.unit_id")
    total_periods = _in("t.period_id", periods, params)
    total_indicators = _in("t.indicator_id", indicators, params)
    if parents is not None:
        unit_sql = _in("u.parent_id", parents, params)
    else:
        unit_sql = _in("v.unit_id", units, params)
    own_periods = _in("v.period_id", periods, params)
    own_indicators = _in("v.indicator_id", indicators, params)
    approved_reports = (
        "SELECT s.unit_id, s.period_id, {columns}"
        f" FROM reporting_submission s JOIN ({_FORM_INDICATORS}) fi ON fi.form_id = s.form_id"
        f" WHERE s.status = 'approved' AND {sub_units} AND {sub_periods} AND {sub_indicators}"
    )
    if postgres:
        # One row per approved report with its indicators: joined on (unit, period) alone,
        # which the values' (unit, period) order serves without multiplying rows.
        approved = "v.indicator_id = ANY(a.indicators)"
        reports = (
            approved_reports.format(columns="array_agg(fi.indicator_id) AS indicators")
            + " GROUP BY s.unit_id, s.period_id"
        )
        same_report = "a.unit_id = v.unit_id AND a.period_id = v.period_id"
        false = "false"
    else:
        approved = "a.unit_id IS NOT NULL"
        reports = approved_reports.format(columns="fi.indicator_id").replace(
            "SELECT", "SELECT DISTINCT", 1
        )
        same_report = (
            "a.unit_id = v.unit_id AND a.period_id = v.period_id"
            " AND a.indicator_id = v.indicator_id"
        )
        false = "0"
    return f"""
        SELECT v.unit_id, v.period_id, v.indicator_id, v.options_key,
               CASE WHEN {approved} THEN v.numeric ELSE 0 END AS approved_sum,
               CASE WHEN {approved} THEN 1 ELSE 0 END AS approved_count,
               v.numeric AS total_sum, 1 AS total_count,
               COALESCE(t.updated_at, v.updated_at) AS updated_at, u.parent_id
        FROM reporting_datavalue v
        JOIN geo_unit u ON u.id = v.unit_id
        LEFT JOIN ({reports}) a ON {same_report}
        LEFT JOIN analytics_rolluptotal t ON t.unit_id = v.unit_id
           AND t.period_id = v.period_id AND t.indicator_id = v.indicator_id
           AND {total_units} AND {total_periods} AND {total_indicators}
        WHERE u.level = 'commune' AND v.deleted = {false} AND v.numeric IS NOT NULL
          AND {unit_sql} AND {own_periods} AND {own_indicators}
    """


def _ensure_new_table(cursor) -> None:
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_NEW_TABLE} ("
        " unit_id bigint NOT NULL, period_id bigint NOT NULL, indicator_id bigint NOT NULL,"
        " options_key varchar(200) NOT NULL, approved_sum numeric NOT NULL,"
        " approved_count bigint NOT NULL, total_sum numeric NOT NULL, total_count bigint NOT NULL)"
    )
    # The stale-row check below looks rows up by key (without it SQLite scans per row).
    cursor.execute(
        f"CREATE INDEX IF NOT EXISTS {_NEW_TABLE}_key"
        f" ON {_NEW_TABLE} (unit_id, period_id, indicator_id, options_key)"
    )
    _empty_new_table(cursor)


def _empty_new_table(cursor, table: str = _NEW_TABLE) -> None:
    # TRUNCATE on PostgreSQL: a DELETE would leave the dead rows of a national refresh in
    # the session's scratch table, for every later refresh on that connection to scan.
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {table}")
    else:
        cursor.execute(f"DELETE FROM {table}")


def _compute_level(cursor, targets: list[int], periods, indicators) -> None:
    """Fill the scratch table with the fresh figures of ``targets`` (one depth)."""
    params: list = []
    sub_units = _in("s.unit_id", targets, params)
    sub_periods = _in("s.period_id", periods, params)
    own_units = _in("v.unit_id", targets, params)
    own_periods = _in("v.period_id", periods, params)
    own_indicators = _in("v.indicator_id", indicators, params)
    child_parents = _in("c.parent_id", targets, params)
    child_periods = _in("r.period_id", periods, params)
    child_indicators = _in("r.indicator_id", indicators, params)
    # Communes' rows are not stored: their values, as they would be.
    child_communes = commune_rows(params, periods=periods, indicators=indicators, parents=targets)
    false = "false" if connection.vendor == "postgresql" else "0"
    cursor.execute(
        f"""
        INSERT INTO {_NEW_TABLE}
        WITH approved AS (
            SELECT DISTINCT s.unit_id, s.period_id, fi.indicator_id
            FROM reporting_submission s
            JOIN ({_FORM_INDICATORS}) fi ON fi.form_id = s.form_id
            WHERE s.status = 'approved' AND {sub_units} AND {sub_periods}
        )
        SELECT unit_id, period_id, indicator_id, options_key,
               SUM(a_sum), SUM(a_count), SUM(t_sum), SUM(t_count)
        FROM (
            SELECT v.unit_id, v.period_id, v.indicator_id, v.options_key,
                   CASE WHEN ap.unit_id IS NULL THEN 0 ELSE v.numeric END AS a_sum,
                   CASE WHEN ap.unit_id IS NULL THEN 0 ELSE 1 END AS a_count,
                   v.numeric AS t_sum, 1 AS t_count
            FROM reporting_datavalue v
            LEFT JOIN approved ap ON ap.unit_id = v.unit_id AND ap.period_id = v.period_id
                 AND ap.indicator_id = v.indicator_id
            WHERE v.deleted = {false} AND v.numeric IS NOT NULL
              AND {own_units} AND {own_periods} AND {own_indicators}
            UNION ALL
            SELECT c.parent_id, r.period_id, r.indicator_id, r.options_key,
                   r.approved_sum, r.approved_count, r.total_sum, r.total_count
            FROM analytics_rollup r
            JOIN geo_unit c ON c.id = r.unit_id
            JOIN indicators_indicator i ON i.id = r.indicator_id
            WHERE i.aggregation <> 'none' AND c.level <> 'commune'
              AND {child_parents} AND {child_periods} AND {child_indicators}
            UNION ALL
            SELECT cr.parent_id, cr.period_id, cr.indicator_id, cr.options_key,
                   cr.approved_sum, cr.approved_count, cr.total_sum, cr.total_count
            FROM ({child_communes}) cr
            JOIN indicators_indicator i ON i.id = cr.indicator_id
            WHERE i.aggregation <> 'none'
        ) figures
        GROUP BY unit_id, period_id, indicator_id, options_key
        """,
        params,
    )


def _store(
    cursor, table: str, keys: list[str], targets: list[int], periods, indicators, now, *,
    part: bool = False,
):  # fmt: skip
    """Make the rows of ``table`` (keyed by ``keys``) for ``targets`` equal to the scratch
    table's, summed over the scratch table's other key columns (``part``: the scratch table
    holds other units too)."""
    if not targets:
        return
    params: list = []
    units = _in("unit_id", targets, params)
    period_q = _in("period_id", periods, params)
    indicator_q = _in("indicator_id", indicators, params)
    same_key = " AND ".join(f"n.{k} = {table}.{k}" for k in keys)
    cursor.execute(
        f"""
        DELETE FROM {table}
        WHERE {units} AND {period_q} AND {indicator_q}
          AND NOT EXISTS (SELECT 1 FROM {_NEW_TABLE} n WHERE {same_key})
        """,
        params,
    )
    figures = ["approved_sum", "approved_count", "total_sum", "total_count"]
    changed = " OR ".join(f"{table}.{f} <> excluded.{f}" for f in figures)
    key_list = ", ".join(keys)
    params = [now]
    new_units = _in("unit_id", targets if part else None, params)
    cursor.execute(
        f"""
        INSERT INTO {table} ({key_list}, {", ".join(figures)}, updated_at)
        SELECT {key_list}, {", ".join(f"SUM({f})" for f in figures)}, %s
        FROM {_NEW_TABLE} WHERE {new_units} GROUP BY {key_list}
        -- In key order: a rebuild then lays the table out as its primary key reads it.
        ORDER BY {key_list}
        ON CONFLICT ({key_list}) DO UPDATE SET
            {", ".join(f"{f} = excluded.{f}" for f in [*figures, "updated_at"])}
        WHERE {changed}
        """,
        params,
    )


def _store_level(cursor, targets: list[int], communes: set[int], periods, indicators, now):
    """Make the stored rows of ``targets`` equal to the scratch table, and their totals over
    the disaggregations (communes: the totals only)."""
    keys = ["unit_id", "period_id", "indicator_id"]
    above = [pk for pk in targets if pk not in communes]
    _store(
        cursor, "analytics_rollup", [*keys, "options_key"], above, periods, indicators, now,
        part=len(above) < len(targets),
    )  # fmt: skip
    _store(cursor, "analytics_rolluptotal", keys, targets, periods, indicators, now)


def _communes(unit_ids: Iterable[int]) -> set[int]:
    """The communes among these units (their ``Rollup`` rows are not stored)."""
    ids = sorted(set(unit_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found.update(
            Unit.objects.filter(
                pk__in=ids[start : start + 5000], level=UnitLevel.COMMUNE
            ).values_list("pk", flat=True)
        )
    return found


# --- "last" over a window of several periods (RollupLatest) ---------------------------------

_LATEST_NEW = "analytics_rolluplatest_new"
_LATEST_FIGURES = [
    "approved_sum", "approved_count", "approved_updated_at",
    "total_sum", "total_count", "total_approved_count", "total_updated_at",
]  # fmt: skip


def _ensure_latest_table(cursor) -> None:
    stamp = "timestamptz" if connection.vendor == "postgresql" else "datetime"
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_LATEST_NEW} ("
        " unit_id bigint NOT NULL, indicator_id bigint NOT NULL,"
        " options_key varchar(200) NOT NULL, approved_sum numeric NOT NULL,"
        f" approved_count bigint NOT NULL, approved_updated_at {stamp} NULL,"
        " total_sum numeric NOT NULL, total_count bigint NOT NULL,"
        f" total_approved_count bigint NOT NULL, total_updated_at {stamp} NULL)"
    )
    _empty_new_table(cursor, _LATEST_NEW)


def _latest_compute(cursor, targets: list[int], indicator_id: int, window: str, ranked: list[int]):
    """Fill the scratch table with the fresh "latest" figures of ``targets`` (one depth) for
    one window and indicator: a commune's from its values of its latest source period with
    data (the whole of that period's figures), any other unit's as the sum of its
    children's."""
    params: list = []
    for rank, pk in enumerate(ranked):
        params += [pk, rank]
    plan = ", ".join("(%s, %s)" for _pk in ranked)
    communes = commune_rows(params, periods=ranked, indicators=[indicator_id], units=targets)
    params += [indicator_id]
    parents = _in("c.parent_id", targets, params)
    params += [window, indicator_id]
    cursor.execute(
        f"""
        INSERT INTO {_LATEST_NEW}
        WITH pm(p, k) AS (VALUES {plan}),
        src AS (
            SELECT r.unit_id, r.options_key, pm.k, r.approved_sum, r.approved_count,
                   r.total_sum, r.total_count, r.updated_at
            FROM ({communes}) r JOIN pm ON pm.p = r.period_id
        ),
        tops AS (
            SELECT unit_id, MAX(CASE WHEN approved_count > 0 THEN k END) AS atop,
                   MAX(CASE WHEN total_count > 0 THEN k END) AS ttop
            FROM src GROUP BY unit_id
        )
        SELECT s.unit_id, %s, s.options_key,
            SUM(CASE WHEN s.k = t.atop THEN s.approved_sum ELSE 0 END),
            SUM(CASE WHEN s.k = t.atop THEN s.approved_count ELSE 0 END),
            MAX(CASE WHEN s.k = t.atop AND s.approved_count > 0 THEN s.updated_at END),
            SUM(CASE WHEN s.k = t.ttop THEN s.total_sum ELSE 0 END),
            SUM(CASE WHEN s.k = t.ttop THEN s.total_count ELSE 0 END),
            SUM(CASE WHEN s.k = t.ttop THEN s.approved_count ELSE 0 END),
            MAX(CASE WHEN s.k = t.ttop AND s.total_count > 0 THEN s.updated_at END)
        FROM src s JOIN tops t ON t.unit_id = s.unit_id
        WHERE s.k = t.atop OR s.k = t.ttop
        GROUP BY s.unit_id, s.options_key
        HAVING SUM(CASE WHEN s.k = t.atop THEN s.approved_count ELSE 0 END) > 0
            OR SUM(CASE WHEN s.k = t.ttop THEN s.total_count ELSE 0 END) > 0
        UNION ALL
        SELECT c.parent_id, l.indicator_id, l.options_key, SUM(l.approved_sum),
               SUM(l.approved_count), MAX(l.approved_updated_at), SUM(l.total_sum),
               SUM(l.total_count), SUM(l.total_approved_count), MAX(l.total_updated_at)
        FROM analytics_rolluplatest l JOIN geo_unit c ON c.id = l.unit_id
        WHERE {parents} AND l.window_code = %s AND l.indicator_id = %s
        GROUP BY c.parent_id, l.indicator_id, l.options_key
        """,
        params,
    )


def _latest_store(cursor, targets: list[int], indicator_id: int, window: str) -> None:
    """Make the stored rows of ``targets`` for this window and indicator equal to the
    scratch table."""
    params: list = [window, indicator_id]
    units = _in("unit_id", targets, params)
    cursor.execute(
        f"""
        DELETE FROM analytics_rolluplatest
        WHERE window_code = %s AND indicator_id = %s AND {units}
          AND NOT EXISTS (SELECT 1 FROM {_LATEST_NEW} n WHERE n.unit_id = analytics_rolluplatest.unit_id
                          AND n.options_key = analytics_rolluplatest.options_key)
        """,
        params,
    )
    figures = ", ".join(_LATEST_FIGURES)
    cursor.execute(
        f"""
        INSERT INTO analytics_rolluplatest
            (unit_id, window_code, indicator_id, options_key, {figures})
        SELECT unit_id, %s, indicator_id, options_key, {figures} FROM {_LATEST_NEW}
        ORDER BY unit_id, options_key
        ON CONFLICT (unit_id, window_code, indicator_id, options_key) DO UPDATE SET
            {", ".join(f"{f} = excluded.{f}" for f in _LATEST_FIGURES)}
        """,
        [window],
    )


def _window_number(code: str) -> int:
    """A window id as a number for its advisory lock: 2026 → 202600, 2026S2 → 202612,
    2026Q3 → 202623."""
    year, kind, rest = int(code[:4]), code[4:5], code[5:]
    return year * 100 + {"": 0, "S": 10, "Q": 20}[kind] + (int(rest) if rest else 0)


def _latest_refresh(cursor, levels: list[list[int]], periods, indicators) -> None:
    """Keep ``RollupLatest`` current after the roll-ups of ``levels`` changed for these
    periods and indicators (None: all): the windows that contain the periods, for the
    "last" indicators among them. A window whose source periods changed since its rows were
    made is recomputed for every unit."""
    from dantoc.analytics.models import RollupLatest, RollupLatestPlan, RollupTotal
    from dantoc.analytics.query import latest_sources, windows_containing

    chosen = (
        Indicator.objects.all()
        if indicators is None
        else Indicator.objects.filter(pk__in=indicators)
    )
    last = {i.pk: i for i in chosen.filter(aggregation=AggregationType.LAST)}
    if indicators is not None:
        # Indicators no longer aggregated "last" keep no such rows (rows come with a plan).
        gone = set(
            RollupLatestPlan.objects.filter(indicator_id__in=indicators)
            .exclude(indicator_id__in=list(last))
            .values_list("indicator_id", flat=True)
        )
        if gone:
            RollupLatest.objects.filter(indicator_id__in=gone).delete()
            RollupLatestPlan.objects.filter(indicator_id__in=gone).delete()
    if not last:
        return
    period_rows = Period.objects.all() if periods is None else Period.objects.filter(pk__in=periods)
    codes = set()
    for code in period_rows.values_list("code", flat=True).distinct():
        codes.update(windows_containing(code))
    if not codes:
        return
    if connection.vendor == "postgresql":
        # Two refreshes of different quarters both remake their year: one at a time (after
        # the periods' locks, always in the same order), or the second would overwrite the
        # country's row with a sum made before the first committed.
        for number in sorted(_window_number(code) for code in codes):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE + 1, number])
    plans = latest_sources(sorted(codes), last)
    stored = {
        (p.window_code, p.indicator_id): p.sources
        for p in RollupLatestPlan.objects.filter(window_code__in=codes, indicator_id__in=last)
    }
    _ensure_latest_table(cursor)
    for (window, ind_id), ranked in sorted(plans.items()):
        text = ",".join(str(pk) for pk in ranked)
        if len(ranked) < 2:
            # A window of one reported period is read from the roll-ups themselves.
            if (window, ind_id) in stored:
                RollupLatest.objects.filter(window_code=window, indicator_id=ind_id).delete()
                RollupLatestPlan.objects.filter(window_code=window, indicator_id=ind_id).delete()
            continue
        target_levels = levels
        if stored.get((window, ind_id)) != text:
            # Made of other periods before (or never made): from scratch, for every unit
            # with figures in these periods (the roll-ups name them and their ancestors).
            RollupLatest.objects.filter(window_code=window, indicator_id=ind_id).delete()
            RollupLatestPlan.objects.update_or_create(
                window_code=window, indicator_id=ind_id, defaults={"sources": text}
            )
            target_levels = _levels(
                RollupTotal.objects.filter(indicator_id=ind_id, period_id__in=ranked)
                .values_list("unit_id", flat=True)
                .distinct()
            )
        for targets in target_levels:
            _latest_compute(cursor, targets, ind_id, window, ranked)
            _latest_store(cursor, targets, ind_id, window)
            _empty_new_table(cursor, _LATEST_NEW)


def _levels(unit_ids: Iterable[int]) -> list[list[int]]:
    """The units and all their ancestors, grouped by depth, deepest first."""
    by_depth: dict[int, set[int]] = {}
    ids = sorted(set(unit_ids))
    for start in range(0, len(ids), 5000):
        for path in Unit.objects.filter(pk__in=ids[start : start + 5000]).values_list(
            "path", flat=True
        ):
            parts = [int(p) for p in path.strip("/").split("/") if p]
            for depth, pk in enumerate(parts):
                by_depth.setdefault(depth, set()).add(pk)
    return [sorted(by_depth[d]) for d in sorted(by_depth, reverse=True)]


def _lock(cursor, period_ids: list[int] | None) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite lets one transaction write at a time
    if period_ids is None:
        period_ids = Period.objects.values_list("pk", flat=True)
    for key in sorted(set(period_ids)):
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, key])


@transaction.atomic
def rollups_refresh(
    *,
    unit_ids: Iterable[int],
    period_ids: Iterable[int] | None,
    indicator_ids: Iterable[int] | None = None,
) -> None:
    """Recompute the roll-ups of these units and their ancestors for these periods and
    indicators (None: all). Call it in the transaction that changed the data."""
    levels = _levels(unit_ids)
    if not levels:
        return
    periods = None if period_ids is None else sorted(set(period_ids))
    indicators = None if indicator_ids is None else sorted(set(indicator_ids))
    if periods == [] or indicators == []:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        _lock(cursor, periods)
        _ensure_new_table(cursor)
        communes = _communes(pk for targets in levels for pk in targets)
        for targets in levels:
            _compute_level(cursor, targets, periods, indicators)
            _store_level(cursor, targets, communes, periods, indicators, now)
            _empty_new_table(cursor)
        _latest_refresh(cursor, levels, periods, indicators)


# --- an import's changes applied as differences (PostgreSQL) --------------------------------

# What an import changed, one row per value written: the value's key, the change of its
# numeric contribution (new minus old, 0 for none) and of its count (+1 set, -1 unset).
_STEP_TABLE = "_rollup_step"
_APPROVED_TABLE = "_rollup_approved"


def rollups_lock(*, period_ids: Iterable[int]) -> None:
    """Take the roll-up locks of these periods (PostgreSQL; nothing elsewhere). A writer that
    applies differences takes them before it writes values, so that the old values it reads
    are the ones every earlier writer of these periods committed."""
    with connection.cursor() as cursor:
        _lock(cursor, sorted(set(period_ids)))


def _delta_apply(cursor, rows: str, params: list, now, *, above: list[int] | None) -> None:
    """Add the differences ``rows`` (unit, period, indicator, key, d_asum, d_acount, d_tsum,
    d_tcount; one row per key) to ``Rollup`` (for the units ``above`` the communes among
    them; None: all of them) and, summed over the keys, to ``RollupTotal``."""
    figures = ["approved_sum", "approved_count", "total_sum", "total_count"]
    deltas = ["d_asum", "d_acount", "d_tsum", "d_tcount"]
    for table, keys, grouped in (
        ("analytics_rollup", ["unit_id", "period_id", "indicator_id", "options_key"], False),
        ("analytics_rolluptotal", ["unit_id", "period_id", "indicator_id"], True),
    ):
        key_list = ", ".join(keys)
        changed = " OR ".join(f"{d} <> 0" for d in deltas)
        extra: list = []
        if grouped:
            select = f"SELECT {key_list}, {', '.join(f'SUM({d})' for d in deltas)}"
            tail = f" GROUP BY {key_list} HAVING " + " OR ".join(f"SUM({d}) <> 0" for d in deltas)
        elif above == []:
            continue  # a level of communes: their rows are not stored
        elif above is None:
            select = f"SELECT {key_list}, {', '.join(deltas)}"
            tail = f" WHERE {changed}"
        else:
            select = f"SELECT {key_list}, {', '.join(deltas)}"
            tail = f" WHERE ({changed}) AND unit_id = ANY(%s)"
            extra = [above]
        cursor.execute(
            f"""
            INSERT INTO {table} AS r ({key_list}, {", ".join(figures)}, updated_at)
            {select}, %s FROM ({rows}) x {tail}
            ON CONFLICT ({key_list}) DO UPDATE SET
                {", ".join(f"{f} = r.{f} + excluded.{f}" for f in figures)},
                updated_at = excluded.updated_at
            """,
            [now, *params, *extra],
        )


@transaction.atomic
def rollups_apply_delta(
    *, unit_ids: Iterable[int], period_ids: Iterable[int], indicator_ids: Iterable[int]
) -> None:
    """Add the changes a writer put in ``DELTA_TABLE`` to the roll-ups of the units it wrote
    and of their ancestors (PostgreSQL; call ``rollups_lock`` before writing the values).

    Set-wise, one level at a time from the deepest: a level's differences are its units' own
    changed values plus its children's differences summed (one ``INSERT … SELECT … GROUP BY
    … ON CONFLICT DO UPDATE`` adding them), so the work follows what the import changed, not
    the size of the reports it touched. Rows left without any value are deleted. The result
    is what ``rollups_refresh`` would compute (the property tests and ``rollups check``
    compare both with a computation from scratch)."""
    units = sorted(set(unit_ids))
    periods = sorted(set(period_ids))
    indicators = sorted(set(indicator_ids))
    if not units or not periods or not indicators:
        return
    depth_of: dict[int, int] = {}
    for pk, path in Unit.objects.filter(pk__in=units).values_list("pk", "path"):
        depth_of[pk] = len([p for p in path.strip("/").split("/") if p]) - 1
    levels = _levels(units)
    communes = _communes(pk for targets in levels for pk in targets)
    now = timezone.now()
    with connection.cursor() as cursor:
        _lock(cursor, periods)
        # A national round's differences hash and group in memory (this transaction only).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"ANALYZE {DELTA_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {_APPROVED_TABLE}")
        cursor.execute(
            f"""
            CREATE TEMP TABLE {_APPROVED_TABLE} ON COMMIT DROP AS
            SELECT DISTINCT s.unit_id, s.period_id, fi.indicator_id
            FROM reporting_submission s JOIN ({_FORM_INDICATORS}) fi ON fi.form_id = s.form_id
            WHERE s.status = 'approved' AND s.unit_id = ANY(%s) AND s.period_id = ANY(%s)
              AND fi.indicator_id = ANY(%s)
            """,
            [units, periods, indicators],
        )
        cursor.execute(f"DROP TABLE IF EXISTS {_STEP_TABLE}")
        cursor.execute(
            f"CREATE TEMP TABLE {_STEP_TABLE} (depth integer NOT NULL, unit_id bigint NOT NULL,"
            " period_id bigint NOT NULL, indicator_id bigint NOT NULL,"
            " options_key varchar(200) NOT NULL, d_asum numeric NOT NULL,"
            " d_acount bigint NOT NULL, d_tsum numeric NOT NULL, d_tcount bigint NOT NULL)"
            " ON COMMIT DROP"
        )
        own_columns = (
            "d.unit_id, d.period_id, d.indicator_id, d.options_key,"
            " CASE WHEN a.unit_id IS NULL THEN 0 ELSE d.d_sum END AS d_asum,"
            " CASE WHEN a.unit_id IS NULL THEN 0 ELSE d.d_count END AS d_acount,"
            " d.d_sum AS d_tsum, d.d_count AS d_tcount"
        )
        own_from = (
            f" FROM {DELTA_TABLE} d LEFT JOIN {_APPROVED_TABLE} a ON a.unit_id = d.unit_id"
            " AND a.period_id = d.period_id AND a.indicator_id = d.indicator_id"
        )
        single_depth = len(set(depth_of.values())) == 1
        # Only a value unset can bring a count down (a sum of increases never does).
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DELTA_TABLE} WHERE d_count < 0)")
        shrunk = cursor.fetchone()[0]
        below: tuple[str, list] | None = None  # the level below's rows, as SQL and params
        deepest = len(levels) - 1
        for number, targets in enumerate(levels):
            depth = deepest - number
            own_units = [pk for pk in targets if depth_of.get(pk) == depth]
            own_sql, own_params = f"SELECT {own_columns}{own_from}", []
            if not single_depth:
                own_sql += " WHERE d.unit_id = ANY(%s)"
                own_params = [own_units]
            if below is None:
                # The deepest level holds only the units' own values, one row per key.
                rows, params = own_sql, own_params
            else:
                parts, params = [], []
                if own_units:
                    parts.append(own_sql)
                    params += own_params
                child_sql, child_params = below
                parts.append(
                    "SELECT u.parent_id AS unit_id, c.period_id, c.indicator_id, c.options_key,"
                    " c.d_asum, c.d_acount, c.d_tsum, c.d_tcount"
                    f" FROM ({child_sql}) c JOIN geo_unit u ON u.id = c.unit_id"
                    " JOIN indicators_indicator i ON i.id = c.indicator_id"
                    " WHERE i.aggregation <> 'none' AND u.parent_id IS NOT NULL"
                )
                params += child_params
                cursor.execute(
                    f"""
                    INSERT INTO {_STEP_TABLE}
                    SELECT %s, unit_id, period_id, indicator_id, options_key, SUM(d_asum),
                           SUM(d_acount), SUM(d_tsum), SUM(d_tcount)
                    FROM ({" UNION ALL ".join(parts)}) x
                    GROUP BY unit_id, period_id, indicator_id, options_key
                    """,
                    [depth, *params],
                )
                rows = (
                    "SELECT unit_id, period_id, indicator_id, options_key, d_asum, d_acount,"
                    f" d_tsum, d_tcount FROM {_STEP_TABLE} WHERE depth = %s"
                )
                params = [depth]
            above = [pk for pk in targets if pk not in communes]
            _delta_apply(
                cursor, rows, params, now, above=None if len(above) == len(targets) else above
            )
            below = (rows, params)
        if shrunk:
            # A figure made of no value any more is no row (as a recomputation leaves it).
            every = sorted({pk for level in levels for pk in level})
            for table in ("analytics_rollup", "analytics_rolluptotal"):
                cursor.execute(
                    f"DELETE FROM {table} WHERE total_count = 0 AND unit_id = ANY(%s)"
                    " AND period_id = ANY(%s) AND indicator_id = ANY(%s)",
                    [every, periods, indicators],
                )
        _latest_refresh(cursor, levels, periods, indicators)


@transaction.atomic
def rollups_rebuild() -> None:
    """Recompute every roll-up from the values (repair, or after loading data by hand)."""

    units = Unit.objects.values_list("pk", flat=True)
    with connection.cursor() as cursor:
        # Every period's lock, so no refresh of any period runs meanwhile.
        _lock(cursor, list(Period.objects.values_list("pk", flat=True)))
        cursor.execute("DELETE FROM analytics_rollup")
        cursor.execute("DELETE FROM analytics_rolluptotal")
        cursor.execute("DELETE FROM analytics_rolluplatest")
        cursor.execute("DELETE FROM analytics_rolluplatestplan")
    # Every unit, deepest first: the leaves from their values, then each level from below.
    rollups_refresh(unit_ids=list(units), period_ids=None, indicator_ids=None)


RollupKey = tuple[int, int, int, str]
Figures = tuple[Decimal, int, Decimal, int]


def rollups_expected(*, period_ids: Iterable[int] | None = None) -> dict[RollupKey, Figures]:
    """Every roll-up computed from scratch in Python, from the values, the approved reports
    and the units' paths (not from the parent links the refresh uses): the oracle that
    ``rollups check`` and the tests compare the maintained table with."""

    form_indicators: dict[int, set[int]] = {}
    for model in (FormRow, FormColumn):
        for form_id, indicator_id in model.objects.filter(indicator__isnull=False).values_list(
            "section__form_id", "indicator_id"
        ):
            form_indicators.setdefault(form_id, set()).add(indicator_id)
    submissions = Submission.objects.filter(status="approved")
    values = DataValue.objects.filter(deleted=False, numeric__isnull=False)
    if period_ids is not None:
        period_ids = list(period_ids)
        submissions = submissions.filter(period_id__in=period_ids)
        values = values.filter(period_id__in=period_ids)
    approved = {
        (unit_id, period_id, indicator_id)
        for unit_id, period_id, form_id in submissions.values_list(
            "unit_id", "period_id", "form_id"
        )
        for indicator_id in form_indicators.get(form_id, ())
    }
    not_aggregated = set(Indicator.objects.filter(aggregation="none").values_list("pk", flat=True))
    paths = dict(Unit.objects.values_list("pk", "path"))
    sums: dict[RollupKey, list] = {}
    for unit_id, period_id, indicator_id, key, number in values.values_list(
        "unit_id", "period_id", "indicator_id", "options_key", "numeric"
    ).iterator(chunk_size=5000):
        is_approved = (unit_id, period_id, indicator_id) in approved
        if indicator_id in not_aggregated:
            places = [unit_id]
        else:
            places = [int(p) for p in paths[unit_id].strip("/").split("/") if p]
        for place in places:
            row = sums.setdefault(
                (place, period_id, indicator_id, key), [Decimal(0), 0, Decimal(0), 0]
            )
            if is_approved:
                row[0] += number
                row[1] += 1
            row[2] += number
            row[3] += 1
    return {key: tuple(row) for key, row in sums.items()}


def _commune_rows_read(period_ids: list[int] | None):
    """(key, figures) of every commune row as the readers compute it (``commune_rows``)."""
    params: list = []
    sql = commune_rows(params, periods=period_ids, indicators=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, period_id, indicator_id, options_key, approved_sum,"
            f" approved_count, total_sum, total_count FROM ({sql}) c",
            params,
        )
        while batch := cursor.fetchmany(5000):
            for r in batch:
                yield (r[0], r[1], r[2], r[3]), (_decimal(r[4]), r[5], _decimal(r[6]), r[7])


def _decimal(value) -> Decimal:
    # SQLite gives a computed number as an int or a float.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def rollups_differences(*, period_ids: Iterable[int] | None = None) -> list[str]:
    """Where the roll-ups differ from a computation from scratch (empty: none): the stored
    rows, and the commune rows the readers compute from the values (a commune row stored in
    ``Rollup`` is a difference: they are not stored)."""
    from dantoc.analytics.models import Rollup, RollupTotal

    if period_ids is not None:
        period_ids = list(period_ids)
    expected = rollups_expected(period_ids=period_ids)
    stored_rows = Rollup.objects.all()
    if period_ids is not None:
        stored_rows = stored_rows.filter(period_id__in=period_ids)
    quantum = Decimal("0.000001")
    stored = {
        (r[0], r[1], r[2], r[3]): (r[4].quantize(quantum), r[5], r[6].quantize(quantum), r[7])
        for r in stored_rows.values_list(
            "unit_id", "period_id", "indicator_id", "options_key",
            "approved_sum", "approved_count", "total_sum", "total_count",
        ).iterator(chunk_size=5000)
    }  # fmt: skip
    communes = set(Unit.objects.filter(level=UnitLevel.COMMUNE).values_list("pk", flat=True))
    computed = {
        key: (f[0].quantize(quantum), f[1], f[2].quantize(quantum), f[3])
        for key, f in _commune_rows_read(period_ids)
    }
    problems = []
    for key in sorted(set(expected) | set(stored) | set(computed), key=str):
        want = expected.get(key)
        if want is not None:
            want = (want[0].quantize(quantum), want[1], want[2].quantize(quantum), want[3])
        where = f"unit={key[0]} period={key[1]} indicator={key[2]} options={key[3]!r}"
        if key[0] in communes:
            if key in stored:
                problems.append(f"{where}: stored {stored[key]}, expected none (a commune)")
            if computed.get(key) != want:
                problems.append(f"{where}: from the values {computed.get(key)}, expected {want}")
        elif stored.get(key) != want:
            problems.append(f"{where}: stored {stored.get(key)}, expected {want}")
    # The totals over disaggregations, against the same computation summed.
    expected_totals: dict[tuple, list] = {}
    for (unit_id, period_id, indicator_id, _key), figures in expected.items():
        row = expected_totals.setdefault(
            (unit_id, period_id, indicator_id), [Decimal(0), 0, Decimal(0), 0]
        )
        for n, figure in enumerate(figures):
            row[n] += figure
    total_rows = RollupTotal.objects.all()
    if period_ids is not None:
        total_rows = total_rows.filter(period_id__in=period_ids)
    stored_totals = {
        (r[0], r[1], r[2]): (r[3].quantize(quantum), r[4], r[5].quantize(quantum), r[6])
        for r in total_rows.values_list(
            "unit_id", "period_id", "indicator_id",
            "approved_sum", "approved_count", "total_sum", "total_count",
        ).iterator(chunk_size=5000)
    }  # fmt: skip
    for key in sorted(set(expected_totals) | set(stored_totals), key=str):
        want = expected_totals.get(key)
        if want is not None:
            want = (want[0].quantize(quantum), want[1], want[2].quantize(quantum), want[3])
        have = stored_totals.get(key)
        if want != have:
            problems.append(
                f"total unit={key[0]} period={key[1]} indicator={key[2]}: stored {have}, expected {want}"
            )
    if period_ids is None:
        problems += _latest_differences(expected, quantum)
    return problems


def _latest_differences(expected, quantum) -> list[str]:
    """Where ``RollupLatest`` differs from ``rollups_latest_expected`` (for the windows whose
    stored source periods are the ones the engine would choose: the others are not read)."""
    from dantoc.analytics.models import RollupLatest, RollupLatestPlan
    from dantoc.analytics.query import latest_sources

    want_all = rollups_latest_expected(expected)
    plans = {(p.window_code, p.indicator_id): p.sources for p in RollupLatestPlan.objects.all()}
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in={i for _w, i in plans})}
    current = latest_sources(sorted({w for w, _i in plans}), indicators) if plans else {}
    live = {
        pair for pair, text in plans.items()
        if ",".join(str(pk) for pk in current.get(pair, [])) == text
    }  # fmt: skip
    stored = {
        (r[0], r[1], r[2], r[3]): (r[4].quantize(quantum), r[5], r[6].quantize(quantum), r[7], r[8])
        for r in RollupLatest.objects.values_list(
            "unit_id", "window_code", "indicator_id", "options_key", "approved_sum",
            "approved_count", "total_sum", "total_count", "total_approved_count",
        ).iterator(chunk_size=5000)
        if (r[1], r[2]) in live
    }  # fmt: skip
    want = {
        key: (f[0].quantize(quantum), f[1], f[2].quantize(quantum), f[3], f[4])
        for key, f in want_all.items()
        if (key[1], key[2]) in live
    }
    problems = []
    for key in sorted(set(want) | set(stored), key=str):
        if want.get(key) != stored.get(key):
            problems.append(
                f"latest unit={key[0]} window={key[1]} indicator={key[2]} options={key[3]!r}:"
                f" stored {stored.get(key)}, expected {want.get(key)}"
            )
    return problems


@transaction.atomic
def rollups_latest_rebuild() -> None:
    """Recompute every ``RollupLatest`` row from the roll-ups (after an upgrade that added
    the table; a refresh also fills a window the first time it touches one)."""

    with connection.cursor() as cursor:
        _lock(cursor, list(Period.objects.values_list("pk", flat=True)))
        cursor.execute("DELETE FROM analytics_rolluplatest")
        cursor.execute("DELETE FROM analytics_rolluplatestplan")
        # No plan is stored now, so every window is made for every unit.
        _latest_refresh(cursor, [], None, None)


LatestKey = tuple[int, str, int, str]


def rollups_latest_expected(expected: dict[RollupKey, Figures]) -> dict[LatestKey, tuple]:
    """``RollupLatest`` computed in Python from roll-ups computed from scratch: per commune,
    window and "last" indicator, the figures of its latest source period with approved
    figures (approved sum, count) and with any figures (total sum, count, approved count),
    added up along the units' paths. (The source periods come from the engine's planner.)"""
    from dantoc.analytics.query import latest_sources, windows_containing

    last = {i.pk: i for i in Indicator.objects.filter(aggregation=AggregationType.LAST)}
    if not last:
        return {}
    codes = set()
    for code in Period.objects.values_list("code", flat=True).distinct():
        codes.update(windows_containing(code))
    plans = latest_sources(sorted(codes), last) if codes else {}
    communes = dict(Unit.objects.filter(level=UnitLevel.COMMUNE).values_list("pk", "path"))
    by_cell: dict[tuple, dict[int, dict[str, Figures]]] = {}
    for (unit_id, period_id, indicator_id, key), figures in expected.items():
        if indicator_id in last and unit_id in communes:
            by_cell.setdefault((unit_id, indicator_id), {}).setdefault(period_id, {})[key] = figures
    sums: dict[LatestKey, list] = {}
    for (window, ind_id), ranked in plans.items():
        for (unit_id, cell_ind), periods in by_cell.items():
            if cell_ind != ind_id:
                continue
            mine = [pk for pk in ranked if pk in periods]
            approved = [pk for pk in mine if any(f[1] for f in periods[pk].values())]
            entered = [pk for pk in mine if any(f[3] for f in periods[pk].values())]
            a_top = approved[-1] if approved else None
            t_top = entered[-1] if entered else None
            rows: dict[str, list] = {}
            for key, f in periods.get(a_top, {}).items():
                row = rows.setdefault(key, [Decimal(0), 0, Decimal(0), 0, 0])
                row[0] += f[0]
                row[1] += f[1]
            for key, f in periods.get(t_top, {}).items():
                row = rows.setdefault(key, [Decimal(0), 0, Decimal(0), 0, 0])
                row[2] += f[2]
                row[3] += f[3]
                row[4] += f[1]
            path = [int(p) for p in communes[unit_id].strip("/").split("/") if p]
            for key, row in rows.items():
                if not row[1] and not row[3]:
                    continue
                for place in path:
                    total = sums.setdefault(
                        (place, window, ind_id, key), [Decimal(0), 0, Decimal(0), 0, 0]
                    )
                    for n in range(5):
                        total[n] += row[n]
    return {key: tuple(row) for key, row in sums.items()}


def rollups_refresh_indicator(indicator_id: int) -> None:
    """After an indicator's aggregation changed to or from "none" (whether its values roll
    up at all): recompute its roll-ups everywhere it has values."""

    units = DataValue.objects.filter(indicator_id=indicator_id).values_list("unit_id", flat=True)
    rollups_refresh(unit_ids=set(units), period_ids=None, indicator_ids=[indicator_id])
