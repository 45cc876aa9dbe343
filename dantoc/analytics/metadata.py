"""What the analytics engine resolves a request from (units, indicators, forms, periods),
kept in each process while it is unchanged.

Resolving a commune-level request reads units, successions, indicators, forms and periods:
six queries and a few hundred objects, a third of the answer's time, for tables that change
a few times a year. The engine keeps their results here, keyed by what was asked, and
checks one value per request: ``MetadataVersion.value``, which database triggers on those
tables set to a new random value in the same transaction as any change to them
(statement-level triggers on PostgreSQL, row-level on SQLite, which has no others).

Why this is safe:

- A request reads the version before anything else. What it then resolves was committed
  no earlier than that version (each statement sees at least what was committed before
  it), so an entry is never older than the version it is kept under. At worst an entry
  made while a change commits is newer than its version, and the next request, seeing
  the new version, resolves again.
- A transaction that changes a watched table sees its own new version, and so does not
  use what other requests kept. Values are random, not counted, so a version made in a
  transaction that was rolled back is never seen again: entries kept under it are dead.
- The triggers are (re)installed after every ``migrate`` and ``flush`` (``post_migrate``),
  so a migration that rebuilds a table (SQLite rebuilds a table to alter it, dropping its
  triggers) gets them back; the row is put back after a ``flush`` empties the table.
  ``test_metadata`` changes every watched table and checks that the version moves.
- Without the row, nothing is kept: every request resolves from the tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import connections

# The models whose tables the engine resolves requests from (``query._data_items``,
# ``_units``, ``plan_periods`` and the categories): a change to any moves the version.
WATCHED = (
    "geo.Unit",
    "geo.UnitSuccession",
    "indicators.Indicator",
    "indicators.Indicator_categories",
    "indicators.Category",
    "indicators.CategoryOption",
    "analytics.ComputedIndicator",
    "reporting.ReportForm",
    "reporting.FormSection",
    "reporting.FormRow",
    "reporting.FormColumn",
    "reporting.Period",
)

TABLE = "analytics_metadataversion"
TRIGGER = "analytics_metadata_changed"
# How much a process keeps at most, counted in objects (a unit, an indicator, a period
# plan: about a kilobyte each at most); past that it starts again. Requests of one shape
# repeat (the dashboards', the pivot's, the API clients'), and a list of all the country's
# communes is 3,321 units: 30,000 keeps nine of those, some 30 MB at worst.
MAX_SIZE = 30_000


def watched_tables() -> list[str]:
    return [apps.get_model(label)._meta.db_table for label in WATCHED]


def triggers_install(using: str = "default") -> None:
    """Make sure the version row and the triggers that move it exist (idempotent)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {TABLE} (id, value)"
                " SELECT 1, replace(gen_random_uuid()::text, '-', '')"
                f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE})"
            )
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE {TABLE} SET value = replace(gen_random_uuid()::text, '-', '');
                    RETURN NULL;
                END
                $$
                """
            )
            for table in watched_tables():
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}")
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                    f" ON {quoted} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"INSERT INTO {TABLE} (id, value) SELECT 1, lower(hex(randomblob(16)))"
                f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE})"
            )
            for table in watched_tables():
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {TRIGGER}_{table}_{event.lower()}"
                        f" AFTER {event} ON {connection.ops.quote_name(table)} BEGIN"
                        f" UPDATE {TABLE} SET value = lower(hex(randomblob(16))); END"
                    )


def version_read(using: str = "default") -> str | None:
    """The current version (None: no row, so nothing may be kept)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


_MISSING = object()


class Memo:
    """Results kept under one version of one database."""

    def __init__(self, key: tuple | None) -> None:
        self.key = key
        self.entries: dict[tuple, Any] = {}
        self.size = 0

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The kept result for ``key``, or ``make()`` (kept unless there is no version).
        What is kept is shared by later requests: callers must not change it."""
        if self.key is None:
            return make()
        found = self.entries.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = make()
        size = 1 + (len(value) if hasattr(value, "__len__") else 0)
        if size > MAX_SIZE:
            return value  # answered, not kept
        if self.size + size > MAX_SIZE:
            self.entries.clear()
            self.size = 0
        self.entries[key] = value
        self.size += size
        return value


_memo = Memo(None)
_lock = threading.Lock()


def memo_current(using: str = "default") -> Memo:
    """The results kept under the version the database has now, for this request."""
    global _memo
    version = version_read(using)
    if version is None:
        return Memo(None)
    # The database's name too: tests and benchmarks point "default" at other databases.
    key = (using, connections[using].settings_dict["NAME"], version)
    memo = _memo
    if memo.key != key:
        with _lock:
            if _memo.key != key:
                _memo = Memo(key)
            memo = _memo
    return memo


def memo_forget() -> None:
    """Forget what this process kept (the benchmark measures requests without it)."""
    global _memo
    with _lock:
        _memo = Memo(None)
