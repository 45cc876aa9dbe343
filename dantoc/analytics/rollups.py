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
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from dantoc.geo.models import Unit

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


def _empty_new_table(cursor) -> None:
    # TRUNCATE on PostgreSQL: a DELETE would leave the dead rows of a national refresh in
    # the session's scratch table, for every later refresh on that connection to scan.
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {_NEW_TABLE}")
    else:
        cursor.execute(f"DELETE FROM {_NEW_TABLE}")


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
            WHERE i.aggregation <> 'none'
              AND {child_parents} AND {child_periods} AND {child_indicators}
        ) figures
        GROUP BY unit_id, period_id, indicator_id, options_key
        """,
        params,
    )


def _store(cursor, table: str, keys: list[str], targets: list[int], periods, indicators, now):
    """Make the rows of ``table`` (keyed by ``keys``) for ``targets`` equal to the scratch
    table, summed over the scratch table's other key columns."""
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
    cursor.execute(
        f"""
        INSERT INTO {table} ({key_list}, {", ".join(figures)}, updated_at)
        SELECT {key_list}, {", ".join(f"SUM({f})" for f in figures)}, %s
        FROM {_NEW_TABLE} GROUP BY {key_list}
        -- In key order: a rebuild then lays the table out as its primary key reads it.
        ORDER BY {key_list}
        ON CONFLICT ({key_list}) DO UPDATE SET
            {", ".join(f"{f} = excluded.{f}" for f in [*figures, "updated_at"])}
        WHERE {changed}
        """,
        [now],
    )


def _store_level(cursor, targets: list[int], periods, indicators, now) -> None:
    """Make the stored rows of ``targets`` equal to the scratch table, and their totals over
    the disaggregations."""
    keys = ["unit_id", "period_id", "indicator_id"]
    _store(cursor, "analytics_rollup", [*keys, "options_key"], targets, periods, indicators, now)
    _store(cursor, "analytics_rolluptotal", keys, targets, periods, indicators, now)


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
        from dantoc.reporting.models import Period

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
        for targets in levels:
            _compute_level(cursor, targets, periods, indicators)
            _store_level(cursor, targets, periods, indicators, now)
            _empty_new_table(cursor)


@transaction.atomic
def rollups_rebuild() -> None:
    """Recompute every roll-up from the values (repair, or after loading data by hand)."""
    from dantoc.reporting.models import Period

    units = Unit.objects.values_list("pk", flat=True)
    with connection.cursor() as cursor:
        # Every period's lock, so no refresh of any period runs meanwhile.
        _lock(cursor, list(Period.objects.values_list("pk", flat=True)))
        cursor.execute("DELETE FROM analytics_rollup")
        cursor.execute("DELETE FROM analytics_rolluptotal")
    # Every unit, deepest first: the leaves from their values, then each level from below.
    rollups_refresh(unit_ids=list(units), period_ids=None, indicator_ids=None)


RollupKey = tuple[int, int, int, str]
Figures = tuple[Decimal, int, Decimal, int]


def rollups_expected(*, period_ids: Iterable[int] | None = None) -> dict[RollupKey, Figures]:
    """Every roll-up computed from scratch in Python, from the values, the approved reports
    and the units' paths (not from the parent links the refresh uses): the oracle that
    ``rollups check`` and the tests compare the maintained table with."""
    from dantoc.indicators.models import Indicator
    from dantoc.reporting.models import DataValue, FormColumn, FormRow, Submission

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


def rollups_differences(*, period_ids: Iterable[int] | None = None) -> list[str]:
    """Where the stored roll-ups differ from a computation from scratch (empty: none)."""
    from dantoc.analytics.models import Rollup, RollupTotal

    expected = rollups_expected(period_ids=period_ids)
    stored_rows = Rollup.objects.all()
    if period_ids is not None:
        stored_rows = stored_rows.filter(period_id__in=list(period_ids))
    quantum = Decimal("0.000001")
    stored = {
        (r[0], r[1], r[2], r[3]): (r[4].quantize(quantum), r[5], r[6].quantize(quantum), r[7])
        for r in stored_rows.values_list(
            "unit_id", "period_id", "indicator_id", "options_key",
            "approved_sum", "approved_count", "total_sum", "total_count",
        ).iterator(chunk_size=5000)
    }  # fmt: skip
    problems = []
    for key in sorted(set(expected) | set(stored), key=str):
        want = expected.get(key)
        if want is not None:
            want = (want[0].quantize(quantum), want[1], want[2].quantize(quantum), want[3])
        have = stored.get(key)
        if want != have:
            problems.append(
                f"unit={key[0]} period={key[1]} indicator={key[2]} options={key[3]!r}: stored {have}, expected {want}"
            )
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
        total_rows = total_rows.filter(period_id__in=list(period_ids))
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
    return problems


def rollups_refresh_indicator(indicator_id: int) -> None:
    """After an indicator's aggregation changed to or from "none" (whether its values roll
    up at all): recompute its roll-ups everywhere it has values."""
    from dantoc.reporting.models import DataValue

    units = DataValue.objects.filter(indicator_id=indicator_id).values_list("unit_id", flat=True)
    rollups_refresh(unit_ids=set(units), period_ids=None, indicator_ids=[indicator_id])
