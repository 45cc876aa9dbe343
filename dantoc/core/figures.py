"""How the apps that write figures (reporting, indicators) keep the aggregates an app above
them maintains (the analytics roll-ups) exact in the same transaction, without importing it.

A writer announces, inside its transaction (``core.events.announce_now``):

- ``VALUES_CHANGED`` (unit_ids, period_ids, indicator_ids): values or approvals of these
  reports changed; the aggregates above them are recomputed;
- a set-wise writer (the bulk import on PostgreSQL) first announces ``VALUES_LOCK``
  (period_ids) before it writes, records each value's difference in ``DELTA_TABLE``
  (created by ``delta_begin``), then announces ``VALUES_DELTA`` (unit_ids, period_ids,
  indicator_ids) so that the differences are added level by level;
- ``INDICATOR_CHANGED`` (indicator_id): whether an indicator's values roll up changed.

Analytics listens (``AnalyticsConfig.ready``). Without a listener the writes stand alone.
"""

from __future__ import annotations

VALUES_LOCK = "figures.values_lock"
VALUES_DELTA = "figures.values_delta"
VALUES_CHANGED = "figures.values_changed"
INDICATOR_CHANGED = "figures.indicator_changed"

# The differences a set-wise writer records (one row per value it set, changed or unset):
# the new number minus the old, and +1/-1/0 for the count of values.
DELTA_TABLE = "_rollup_delta"


def delta_begin(cursor) -> None:
    """An empty ``DELTA_TABLE`` for this transaction, for the writer to fill."""
    cursor.execute(f"DROP TABLE IF EXISTS {DELTA_TABLE}")
    cursor.execute(
        f"CREATE TEMP TABLE {DELTA_TABLE} (unit_id bigint NOT NULL, period_id bigint NOT NULL,"
        " indicator_id bigint NOT NULL, options_key varchar(200) NOT NULL,"
        " d_sum numeric NOT NULL, d_count integer NOT NULL) ON COMMIT DROP"
    )


# Apps that store values of indicators register a check here (reporting: its data values), so
# that the indicators app can refuse a change that would orphan stored values without
# importing them.
_value_holders: list = []


def value_holder_register(check) -> None:
    """``check(indicator_id) -> bool``: whether the registering app stores values of it."""
    if check not in _value_holders:
        _value_holders.append(check)


def indicator_has_values(indicator_id: int) -> bool:
    return any(check(indicator_id) for check in _value_holders)
