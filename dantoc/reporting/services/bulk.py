"""Bulk import and export of data values: the DHIS2 ``dataValueSets`` path.

``datavalues_import`` validates a payload value by value (every lookup loaded once: the
form's grid, indicators with their categories and option codes, units in force on each
period's last day, periods, the actor's permissions), reports each refused value as a DHIS2
conflict naming its index, and writes the rest in one transaction:

- on PostgreSQL the values go to the server in blocks while the payload is still being read
  (memory holds a block, not the payload; the server writes one block while Python checks
  the next): values of reports that hold none of the values yet (a round's first import)
  are COPied straight into the data value table; the others are COPied into a temporary
  table and written at the end by one ``INSERT … SELECT … ON CONFLICT (indicator_id,
  unit_id, period_id, options_key) DO UPDATE … WHERE`` the value, comment or deleted flag
  differ, whose ``RETURNING`` rows feed the history insert in the same statement (``xmax =
  0`` tells a new row from an updated one); see ``_stream``;
- elsewhere (SQLite) the same decisions are made in Python against the existing rows and
  written with ``bulk_create``/``executemany`` in batches.

A first entry writes no history row (the value's ``created_by`` and ``created_at`` say who
entered it and when); a change, a deletion and setting a deleted value again each write one.

Both paths give the same summary for the same sequence of payloads. What counts as what
(DHIS2's ``DefaultDataValueSetService``, with one difference noted):

- a new value is *imported*; so is a value that had been deleted and is set again;
- a different value or comment is *updated*; an identical one is *ignored* (DHIS2 counts it
  as updated; counting it as ignored makes posting the same payload twice import once and
  then ignore everything, and writes nothing the second time);
- ``importStrategy=CREATE`` only imports (existing values are ignored), ``UPDATE`` only
  updates (new values are ignored), ``DELETE`` soft-deletes (``deleted``), as does a value
  sent with ``"deleted": true`` under the other strategies;
- the comment is replaced by the one sent (none sent: empty), as DHIS2 does;
- a value sent twice in one payload: the last one wins and the earlier ones are ignored
  (DHIS2 writes them one after the other, so the last one wins there too; it counts the
  earlier writes as imports or updates, which would need history rows for values that never
  stood);
- every refused value is ignored and named in a conflict, ``ignored = total - imported -
  updated - deleted``.

Permission: a value may be written by whoever may enter the unit's report
(``permissions.can_enter``), and by province and ministry officers for any unit in their
scope: officers import on behalf of units below them (a province collecting its communes'
figures in a spreadsheet, a ministry system pushing what it gathered).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import errors as psycopg_errors
from psycopg.copy import QueuedLibpqWriter

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.audit.services import audit_record
from dantoc.core import figures
from dantoc.core.events import announce_now
from dantoc.core.figures import DELTA_TABLE
from dantoc.geo.models import Unit
from dantoc.indicators.models import NUMERIC_TYPES, Indicator, ValueType
from dantoc.indicators.values import ValueError_, normalise_value, options_key, parse_options_key
from dantoc.reporting import dhis2, selectors
from dantoc.reporting.dhis2 import (
    ERROR,
    STRATEGIES,
    SUCCESS,
    WARNING,
    Conflicts,
    ExportValue,
    ImportSummary,
    RawRow,
    combo_code,
    gc_paused,
)
from dantoc.reporting.models import (
    LOCKED_STATUSES,
    MACHINE_SOURCES,
    DataValue,
    DataValueChange,
    Period,
    ReportForm,
    Submission,
    SubmissionStatus,
    ValueSource,
)
from dantoc.reporting.periods import PeriodError, parse_period
from dantoc.reporting.permissions import can_enter
from dantoc.reporting.services import (
    _event,
    _refresh_figures,
    computed_form_reason,
    entry_closed_reason,
    period_resolve,
)

logger = logging.getLogger(__name__)
OFFICER_IMPORT_ROLES = (RoleCode.PROVINCE_OFFICER, RoleCode.MINISTRY_OFFICER)
NONE_COMBOS = {"", "default"}
MAX_COMMENT = 1000
MAX_VALUE = 2000
BATCH = 2000

# DHIS2 checks a value in a fixed order and reports the first problem only; the ranks keep
# that order although our checks are cached per data element and per (org unit, period).
R_DATA_ELEMENT, R_PERIOD, R_ORG_UNIT, R_COC, R_AOC, R_HIERARCHY = 0, 1, 2, 3, 4, 5
R_VALUE = 6  # value defined, valid, comment valid
R_NOT_IN_SET, R_ORG_UNIT_STRICT, R_EXPIRED, R_NOT_OPEN = 9, 10, 11, 12

Problem = tuple[int, str, "str | None", str, str]  # rank, errorCode, property, object, message


def can_import(actor, unit: Unit) -> bool:
    """Officers import on behalf of units below them; everybody else as on the entry page."""
    if can_enter(actor, unit):
        return True
    return (
        actor.is_authenticated
        and any(actor.has_role(role) for role in OFFICER_IMPORT_ROLES)
        and unit_in_scope(actor, unit)
    )


# A plain unsigned decimal: at most 17 digits before the point (values stay below 10^18)
# and 10 after it (so Decimal.normalize, with its 28-digit context, rounds nothing).
_PLAIN_NUMBER = re.compile(r"([0-9]{1,17})(?:\.([0-9]{0,10}))?").fullmatch


def _fast_number(value_type: str, raw: Any) -> str | None:
    """The stored text of a plain unsigned number for a numeric indicator, exactly as
    ``normalise_value`` gives it, without going through Decimal (nearly every value of a
    large import is such a number); None when ``normalise_value`` must decide."""
    if type(raw) is str:
        match = _PLAIN_NUMBER(raw)
        if match is None:
            return None
        whole, fraction = match.groups()
    elif type(raw) is int:
        if raw < 0 or raw >= 10**17:
            return None
        whole, fraction = str(raw), None
    else:
        return None
    whole = whole.lstrip("0") or "0"
    if fraction:
        fraction = fraction.rstrip("0")
        if len(fraction) > 6:
            return None  # rounded to 6 decimals by normalise_value
    if fraction:
        if value_type == ValueType.INTEGER:
            return None  # not an integer: normalise_value says so
        text = f"{whole}.{fraction}"
    else:
        text = whole
    if value_type == ValueType.PERCENTAGE and (
        len(whole) > 3 or int(whole) > 100 or (whole == "100" and fraction)
    ):
        return None
    return text


@dataclass(frozen=True, slots=True)
class _Combo:
    problem: Problem | None
    indicator_id: int = 0
    key: str = ""
    value_type: str = ""
    slot: int = -1  # the cell's number in the form (for duplicate detection)

    @property
    def numeric(self) -> bool:
        return self.problem is None and self.value_type in NUMERIC_TYPES


@dataclass(frozen=True, slots=True)
class _Place:
    problem: Problem | None  # with rank below R_VALUE, reported before value problems
    late_problem: Problem | None = None  # ranks after the value checks
    unit_id: int = 0
    period_id: int = 0
    slot: int = -1  # the (unit, period)'s number in this import (for duplicate detection)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.late_problem is None


class _Validator:
    """Lookups loaded once per import, and the per-row checks built on them."""

    def __init__(self, *, actor, form: ReportForm, today: datetime.date, layout) -> None:
        self.actor = actor
        self.form = form
        self.today = today
        self.layout = layout
        self.rule = form.period_type.rule()
        self.combos: dict[tuple[str, str, str], _Combo] = {}
        self.places: dict[tuple[str, str], _Place] = {}
        self.periods: dict[str, Period | Problem] = {}
        self.indicators: dict[str, tuple[int, str, dict[str, set[str]]]] = {}
        for indicator in Indicator.objects.prefetch_related("categories__options"):
            self.indicators[indicator.code] = (
                indicator.pk,
                indicator.value_type,
                {c.code: {o.code for o in c.options.all()} for c in indicator.categories.all()},
            )
        self.form_indicators = set(layout.indicators)
        self.units: dict[str, list[tuple]] = defaultdict(list)
        for row in Unit.objects.values_list(
            "id", "code", "level", "path", "valid_from", "valid_to"
        ):
            self.units[row[1]].append(row)
        self.permitted: dict[int, bool] = {}
        self.unit_codes: dict[int, str] = {}
        self.cell_slots = {cell: n for n, cell in enumerate(layout.by_value_key)}
        self.place_slots: dict[tuple[int, int], int] = {}

    # --- data element + option combos --------------------------------------------------

    def combo(self, de: str, coc: str, aoc: str) -> _Combo:
        found = self.indicators.get(de)
        if found is None:
            return _Combo(
                (R_DATA_ELEMENT, "E7610", "dataElement", de,
                 _("Không có chỉ tiêu (data element) mã `%(code)s`.") % {"code": de})
            )  # fmt: skip
        indicator_id, value_type, categories = found
        try:
            cat_options = {} if coc in NONE_COMBOS else parse_options_key(coc)
        except ValueError_ as exc:
            return _Combo((R_COC, "E7613", "categoryOptionCombo", coc, str(exc)))
        try:
            attr_options = {} if aoc in NONE_COMBOS else parse_options_key(aoc)
        except ValueError_ as exc:
            return _Combo((R_AOC, "E7615", "attributeOptionCombo", aoc, str(exc)))
        for options, code, prop, combo in (
            (cat_options, "E7613", "categoryOptionCombo", coc),
            (attr_options, "E7615", "attributeOptionCombo", aoc),
        ):
            rank = R_COC if code == "E7613" else R_AOC
            for cat, opt in options.items():
                if cat not in categories:
                    return _Combo(
                        (rank, code, prop, combo,
                         _("Chỉ tiêu %(de)s không phân tổ theo nhóm %(cat)s.") % {"de": de, "cat": cat})
                    )  # fmt: skip
                if opt not in categories[cat]:
                    return _Combo(
                        (rank, code, prop, combo,
                         _("Nhóm phân tổ %(cat)s không có mục %(opt)s.") % {"cat": cat, "opt": opt})
                    )  # fmt: skip
        both = set(cat_options) & set(attr_options)
        if both:
            return _Combo(
                (R_AOC, "E7615", "attributeOptionCombo", aoc,
                 _("Nhóm phân tổ %(cats)s có trong cả categoryOptionCombo và attributeOptionCombo.")
                 % {"cats": ", ".join(sorted(both))})
            )  # fmt: skip
        key = options_key({**cat_options, **attr_options})
        if indicator_id not in self.form_indicators:
            problem = (
                R_NOT_IN_SET, "E7633", "dataElement", de,
                _("Chỉ tiêu `%(de)s` không có trong biểu `%(form)s`.") % {"de": de, "form": self.form.code},
            )  # fmt: skip
        elif (indicator_id, key) not in self.layout.by_value_key:
            problem = (
                R_NOT_IN_SET, "E7634", "categoryOptionCombo", coc or "default",
                _("Biểu `%(form)s` không có ô chỉ tiêu %(de)s với phân tổ `%(key)s`.")
                % {"form": self.form.code, "de": de, "key": key or "default"},
            )  # fmt: skip
        else:
            problem = None
        return _Combo(
            problem, indicator_id, key, value_type, self.cell_slots.get((indicator_id, key), -1)
        )

    # --- org unit + period -------------------------------------------------------------

    def period(self, code: str) -> Period | Problem:
        found = self.periods.get(code)
        if found is None:
            try:
                parse_period(code, self.rule)
                found = period_resolve(period_type=self.form.period_type, code=code)
            except PeriodError as exc:
                found = (R_PERIOD, "E7611", "period", code, str(exc))
            self.periods[code] = found
        return found

    def place(self, ou: str, pe: str) -> _Place:
        period = self.period(pe)
        if isinstance(period, tuple):
            return _Place(period)
        day = period.end_date
        unit_row = None
        for row in self.units.get(ou, ()):
            valid_from, valid_to = row[4], row[5]
            if (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to):
                unit_row = row
                break
        if unit_row is None:
            message = (
                _("Không có đơn vị mã `%(code)s` có hiệu lực ngày %(day)s.")
                % {"code": ou, "day": f"{day:%d/%m/%Y}"}
                if ou in self.units
                else _("Không có đơn vị mã `%(code)s`.") % {"code": ou}
            )
            return _Place((R_ORG_UNIT, "E7612", "orgUnit", ou, message))
        unit_id, _code, level, path = unit_row[:4]
        self.unit_codes[unit_id] = ou
        allowed = self.permitted.get(unit_id)
        if allowed is None and self.actor is None:
            # Values the platform computes itself (``datavalues_import`` checked the source).
            allowed = self.permitted[unit_id] = True
        if allowed is None:
            allowed = self.permitted[unit_id] = can_import(
                self.actor, Unit(pk=unit_id, code=ou, level=level, path=path)
            )
        if not allowed:
            return _Place(
                (R_HIERARCHY, "E7617", "orgUnit", ou,
                 _("Đơn vị `%(code)s` không thuộc phạm vi của người dùng `%(user)s`.")
                 % {"code": ou, "user": self.actor.get_username()})
            )  # fmt: skip
        late = None
        if level != self.form.reporting_level:
            late = (
                R_ORG_UNIT_STRICT, "E7636", "orgUnit", ou,
                _("Đơn vị `%(code)s` không báo cáo biểu `%(form)s` (biểu của cấp %(level)s).")
                % {"code": ou, "form": self.form.code, "level": self.form.get_reporting_level_display()},
            )  # fmt: skip
        else:
            reason = entry_closed_reason(
                form=self.form, period=period, submission=None, today=self.today
            )
            if reason:
                if self.today < self.form.opens_on(period):
                    late = (R_NOT_OPEN, "E7643", "period", pe, reason)
                else:
                    late = (R_EXPIRED, "E7640", "period", pe, reason)
        slot = self.place_slots.setdefault((unit_id, period.pk), len(self.place_slots))
        return _Place(None, late, unit_id, period.pk, slot)


def _value_problem(value_type: str, raw: Any, comment: Any, de: str):
    """(stored text, numeric text) or a Problem, for a value that is being set."""
    if raw is None or (type(raw) is str and not raw.strip()):
        return (
            R_VALUE, "E7618", "value", de,
            _("Thiếu giá trị cho chỉ tiêu `%(de)s`.") % {"de": de},
        )  # fmt: skip
    text = _fast_number(value_type, raw) if value_type in NUMERIC_TYPES else None
    if text is not None:
        numeric = text
    else:
        if isinstance(raw, (dict, list)):
            return (R_VALUE, "E7619", "value", de, _("Giá trị phải là chuỗi hoặc số."))
        try:
            text, number = normalise_value(value_type, raw, decimal_comma=False)
        except ArithmeticError:  # "1E1000000": Decimal overflows before the range check
            return (R_VALUE, "E7619", "value", de, _("Giá trị '%(raw)s' quá lớn.") % {"raw": raw})
        except ValueError_ as exc:
            return (
                R_VALUE, "E7619", "value", de,
                _("Giá trị không hợp với kiểu của chỉ tiêu `%(de)s`: %(reason)s")
                % {"de": de, "reason": exc},
            )  # fmt: skip
        if "\x00" in text:
            return (R_VALUE, "E7619", "value", de, _("Giá trị chứa ký tự NUL."))
        if len(text) > MAX_VALUE:  # "1e-100000" is a number, written out it is not storable
            return (
                R_VALUE, "E7619", "value", de,
                _("Giá trị dài quá %(max)d ký tự.") % {"max": MAX_VALUE},
            )  # fmt: skip
        numeric = None if number is None else format(number, "f")
    if comment and (len(comment) > MAX_COMMENT or "\x00" in comment):
        return (
            R_VALUE, "E7620", "comment", de,
            _("Ghi chú dài quá %(max)d ký tự hoặc chứa ký tự NUL.") % {"max": MAX_COMMENT},
        )  # fmt: skip
    return text, numeric


@dataclass
class _Counts:
    imported: int = 0
    updated: int = 0
    deleted: int = 0


# A value ready to write: (index, indicator_id, unit_id, period_id, key, delete, value,
# numeric text, comment).
Ready = tuple[int, int, int, int, str, bool, str, "str | None", str]


def datavalues_import(
    *,
    actor,
    rows: Iterable[RawRow],
    dataset_code: str,
    dry_run: bool = False,
    strategy: str = "CREATE_AND_UPDATE",
    today: datetime.date | None = None,
    source: str = ValueSource.API,
) -> ImportSummary:
    """Import raw DHIS2 data values (see ``dhis2.parse_json``/``parse_csv``) into the active
    version of the form ``dataset_code``; return DHIS2's ImportSummary. ``rows`` is read
    once per attempt (a ``dhis2.StreamedRows`` reads a large body from its file again);
    a ``dhis2.PayloadError`` raised while reading it rolls everything back and propagates.

    ``dry_run`` runs everything, writes included, inside a savepoint that is rolled back:
    the summary is the one a real import would give and nothing stays. Retried up to three
    times on a deadlock or a busy database when not called inside a transaction.

    ``source`` is recorded in each value's history (``ValueSource``): ``api`` for what people
    send; a part of the platform that computes values itself (meetings held online, officials
    trained, sensor readings) passes ``system`` or ``device`` with ``actor=None``: the values
    are then written for any unit (the caller decided which), still checked against the form
    and its periods like every other import.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"importStrategy {strategy!r}")
    if source not in ValueSource.values:
        raise ValueError(f"source {source!r}")
    if actor is None and source not in MACHINE_SOURCES:
        raise ValueError(
            "only values computed by the platform (system, device) come without an actor"
        )
    summary = ImportSummary(dry_run=dry_run, strategy=strategy)
    form = selectors.form_get(code=dataset_code) if dataset_code else None
    if form is None:
        summary.status = ERROR
        summary.description = _("Quá trình nhập bị huỷ.")
        conflicts = Conflicts()
        if dataset_code:
            conflicts.add(
                None, "E7600", "dataSet", dataset_code,
                _("Không có biểu mẫu (data set) mã `%(code)s`.") % {"code": dataset_code},
            )  # fmt: skip
        else:
            conflicts.add(None, "E7602", "dataSet", "", _("Cần cho biết biểu mẫu (dataSet)."))
        summary.conflicts = conflicts.as_list()
        return summary
    if form.computed and source not in MACHINE_SOURCES:
        summary.status = ERROR
        summary.description = _("Quá trình nhập bị huỷ.")
        conflicts = Conflicts()
        conflicts.add(None, "E7600", "dataSet", dataset_code, computed_form_reason(form))
        summary.conflicts = conflicts.as_list()
        return summary
    today = today or timezone.localdate()
    started = timezone.now()
    attempts = 1 if connection.in_atomic_block else 3
    for attempt in range(attempts):
        try:
            with transaction.atomic(), gc_paused():
                conflicts, counts, total = _import(
                    actor=actor, form=form, rows=rows, strategy=strategy, today=today,
                    source=source,
                )  # fmt: skip
                if dry_run:
                    transaction.set_rollback(True)
                elif source in MACHINE_SOURCES:
                    _approve_computed(form, started)
                if not dry_run and (counts.imported or counts.updated or counts.deleted):
                    audit_record(
                        actor=actor,
                        action="reporting.datavalues_import",
                        obj=form,
                        after={
                            "source": source,
                            "strategy": strategy,
                            "imported": counts.imported,
                            "updated": counts.updated,
                            "deleted": counts.deleted,
                            "conflicts": len(conflicts),
                        },
                    )
            break
        except OperationalError:
            # Deadlock between concurrent imports of overlapping values, or SQLite busy:
            # the transaction was rolled back whole, so running it again is safe.
            if attempt == attempts - 1:
                raise
    summary.conflicts = conflicts.as_list()
    summary.import_count.imported = counts.imported
    summary.import_count.updated = counts.updated
    summary.import_count.deleted = counts.deleted
    summary.import_count.ignored = total - counts.imported - counts.updated - counts.deleted
    summary.status = WARNING if summary.conflicts else SUCCESS
    summary.description = _("Quá trình nhập đã hoàn tất.")
    return summary


@dataclass
class _Seen:
    """What the validation loop noticed on the way (a streamed payload has no len)."""

    total: int = 0  # rows read
    deleting: bool = False  # whether any value is to be deleted
    duplicates: bool = False  # whether a cell of a report came more than once


def _checked(
    rows: Iterable[RawRow], check: _Validator, conflicts: Conflicts, strategy: str, seen: _Seen
) -> Iterator[Ready]:
    """The values that pass every check, in payload order; each refused one is added to
    ``conflicts``. Reads ``rows`` once."""
    add = conflicts.add
    combos, places = check.combos, check.places
    delete_all = strategy == "DELETE"
    fast_number = _fast_number
    numeric_combos: dict[tuple[str, str, str], _Combo] = {}
    open_places: dict[tuple[str, str], _Place] = {}
    total = 0
    # One bit per (report, cell) seen, instead of a dict of every value's key (a million
    # keys weigh more than the values): set twice means a value sent more than once.
    cells = max(1, len(check.cell_slots))
    seen_bits = bytearray(1 << 16)
    for total, (index, de, pe, ou, coc, aoc, raw, comment, deleted) in enumerate(rows, 1):  # noqa: B007
        # The common case first: a known numeric cell of the form, an open report the actor
        # may fill, a plain number, a short comment or none.
        combo = numeric_combos.get((de, coc, aoc))
        place = open_places.get((ou, pe))
        if combo is not None and place is not None and not (deleted or delete_all):
            text = fast_number(combo.value_type, raw)
            if text is not None and (
                not comment or (len(comment) <= MAX_COMMENT and "\x00" not in comment)
            ):
                bit = place.slot * cells + combo.slot
                byte = bit >> 3
                if byte >= len(seen_bits):
                    seen_bits.extend(bytes(byte + 1))
                if seen_bits[byte] & (1 << (bit & 7)):
                    seen.duplicates = True
                seen_bits[byte] |= 1 << (bit & 7)
                yield (
                    index, combo.indicator_id, place.unit_id, place.period_id, combo.key,
                    False, text, text, comment or "",
                )  # fmt: skip
                continue
        if combo is None:
            combo = combos.get((de, coc, aoc))
            if combo is None:
                combo = combos[(de, coc, aoc)] = check.combo(de, coc, aoc)
                if combo.numeric:
                    numeric_combos[(de, coc, aoc)] = combo
        if place is None:
            place = places.get((ou, pe))
            if place is None:
                place = places[(ou, pe)] = check.place(ou, pe)
                if place.ok:
                    open_places[(ou, pe)] = place
        first = combo.problem
        early = place.problem
        if first is not None and first[0] < R_VALUE:
            if early is not None and early[0] < first[0]:
                first = early
            add(index, *first[1:])
            continue
        if early is not None:
            add(index, *early[1:])
            continue
        delete = delete_all or deleted
        if delete:
            text, numeric, comment = "", None, ""  # a deletion keeps the value's comment
        else:
            checked = _value_problem(combo.value_type, raw, comment, de)
            if len(checked) == 5:
                add(index, *checked[1:])
                continue
            text, numeric = checked
        late = combo.problem or place.late_problem  # combo's rank (9) comes first
        if late is not None:
            add(index, *late[1:])
            continue
        if delete:
            seen.deleting = True
        bit = place.slot * cells + combo.slot
        byte = bit >> 3
        if byte >= len(seen_bits):
            seen_bits.extend(bytes(byte + 1))
        if seen_bits[byte] & (1 << (bit & 7)):
            seen.duplicates = True
        seen_bits[byte] |= 1 << (bit & 7)
        yield (
            index, combo.indicator_id, place.unit_id, place.period_id, combo.key, delete,
            text, numeric, comment or "",
        )  # fmt: skip
    seen.total = total


def _approve_computed(form: ReportForm, since) -> None:
    """Values the platform computes need no person's approval: the reports of a form that
    receives them are approved as they are written (recorded as the platform's decision,
    with no person), and the figures above the reports whose values changed since ``since``
    recomputed as for an approval, so the dashboard's approved figures include them. A form
    is either computed or entered by people, never both."""
    layout = selectors.form_layout(form)
    touched = set(
        DataValue.objects.filter(indicator_id__in=list(layout.indicators), updated_at__gte=since)
        .values_list("unit_id", "period_id")
        .distinct()
    )
    now = timezone.now()
    reports = Submission.objects.select_for_update().filter(form_code=form.code)
    for submission in reports.select_related("form").order_by("pk"):
        pair = (submission.unit_id, submission.period_id)
        if submission.status != SubmissionStatus.APPROVED:
            submission.status = SubmissionStatus.APPROVED
            submission.decided_at = now
            submission.decided_by = None
            submission.last_approved_at = now
            submission.save(
                update_fields=[
                    "status", "decided_at", "decided_by", "last_approved_at", "updated_at",
                ]
            )  # fmt: skip
            _event(submission, "approve", None, reason="computed")
        elif pair not in touched:
            continue
        _refresh_figures(submission)


def _import(*, actor, form: ReportForm, rows: Iterable[RawRow], strategy: str, today, source: str):
    if _use_copy():
        return _import_postgresql(
            actor=actor, form=form, rows=rows, strategy=strategy, today=today, source=source
        )
    layout = selectors.form_layout(form)
    check = _Validator(actor=actor, form=form, today=today, layout=layout)
    conflicts = Conflicts()
    seen = _Seen()
    ready = list(_checked(rows, check, conflicts, strategy, seen))
    if not ready:
        return conflicts, _Counts(), seen.total
    ready = _drop_locked(
        form=form, ready=ready, conflicts=conflicts, strategy=strategy, today=today,
        unit_codes=check.unit_codes, computed=actor is None,
    )  # fmt: skip
    if seen.duplicates:
        # The last of several values for the same cell wins; the earlier ones are ignored.
        latest: dict[tuple[int, int, int, str], Ready] = {}
        for item in ready:
            latest[(item[1], item[2], item[3], item[4])] = item
        final = list(latest.values())
        del latest
    else:
        final = ready
    del ready
    pairs = {(item[2], item[3]) for item in final}
    counts = _write_portable(final, strategy=strategy, actor=actor, source=source)
    if counts.imported or counts.updated or counts.deleted:
        # The figures above these reports, recomputed in the same transaction.
        announce_now(
            figures.VALUES_CHANGED,
            unit_ids={unit for unit, _period in pairs},
            period_ids={period for _unit, period in pairs},
            indicator_ids={item[1] for item in final},
        )
    return conflicts, counts, seen.total


def _use_copy() -> bool:
    """Whether the PostgreSQL fast path is used (tests turn it off to compare both paths)."""
    return connection.vendor == "postgresql"


def _drop_locked(
    *,
    form,
    ready: list[Ready],
    conflicts: Conflicts,
    strategy: str,
    today,
    unit_codes,
    computed: bool = False,
):
    """Create the draft submission of every report that receives values (so completeness
    sees it exists), lock the submissions against a concurrent submit until commit, and
    refuse values of reports that are submitted, approved or waived — except values the
    platform computes (``computed``), which replace its earlier computation in the report it
    approved itself (``_approve_computed``)."""
    pairs = sorted({(item[2], item[3]) for item in ready})
    table = Submission._meta.db_table
    if strategy != "DELETE" and connection.vendor == "postgresql":
        # One statement for a round's thousands of reports (the ORM's bulk_create prepares
        # every object in Python first).
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (form_id, form_code, unit_id, period_id, status, reason,
                    updated_at)
                SELECT %s, %s, p.unit_id, p.period_id, %s, '', %s
                FROM unnest(%s::bigint[], %s::bigint[]) AS p (unit_id, period_id)
                ON CONFLICT (form_code, unit_id, period_id) DO NOTHING
                """,
                [
                    form.pk, form.code, SubmissionStatus.DRAFT, timezone.now(),
                    [u for u, _p in pairs], [p for _u, p in pairs],
                ],
            )  # fmt: skip
    elif strategy != "DELETE":
        Submission.objects.bulk_create(
            [
                Submission(form=form, form_code=form.code, unit_id=unit_id, period_id=period_id)
                for unit_id, period_id in pairs
            ],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
    period_ids = sorted({p for _, p in pairs})
    unit_ids = {u for u, _ in pairs}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only this import's reports are locked (shared: other imports may proceed, a
            # submit or an entry-page save of these reports waits for the commit).
            cursor.execute(
                f"SELECT unit_id, period_id, status FROM {table} WHERE form_code = %s "
                "AND period_id = ANY(%s) AND unit_id = ANY(%s) ORDER BY id FOR SHARE",
                [form.code, period_ids, sorted(unit_ids)],
            )
        else:  # SQLite: the transaction holds the database's write lock already
            cursor.execute(
                f"SELECT unit_id, period_id, status FROM {table} WHERE form_code = %s "
                f"AND period_id IN ({', '.join(['%s'] * len(period_ids))})",
                [form.code, *period_ids],
            )
        locked = {
            (unit_id, period_id): status
            for unit_id, period_id, status in cursor.fetchall()
            if unit_id in unit_ids and status in LOCKED_STATUSES
        }
    if not locked or computed:
        return ready
    periods = Period.objects.in_bulk(period_ids)
    messages: dict[tuple[int, int], tuple[str, str]] = {}
    kept = []
    for item in ready:
        status = locked.get((item[2], item[3]))
        if status is None:
            kept.append(item)
            continue
        found = messages.get((item[2], item[3]))
        if found is None:
            period = periods[item[3]]
            reason = entry_closed_reason(
                form=form, period=period, submission=Submission(status=status), today=today
            )
            unit_code = unit_codes[item[2]]
            found = messages[(item[2], item[3])] = (unit_code, reason)
        unit_code, reason = found
        conflicts.add(item[0], "E7642", None, unit_code, reason)
    return kept


# --- PostgreSQL: values streamed to the server block by block while the payload is read ---
#
# The payload is validated in Python one value at a time and sent on in blocks of
# ``_BLOCK_VALUES``: nothing holds every value (memory stays bounded by a block, whatever
# the body's size), and the server writes one block while Python reads the next (a
# ``QueuedLibpqWriter`` sends the COPY data from a thread; the two cores work together).
#
# At each block the COPY is paused (a COPY and another statement cannot share a
# connection): the block's reports get their draft submission and are locked (values of
# submitted or approved reports are refused), the roll-up locks of new periods are taken,
# and the reports seen for the first time are probed for values of the form's indicators.
#
# - *Direct*: when the first block's reports hold none (a round's first import), values of
#   reports holding none are COPied straight into the data value table, in a savepoint; a
#   first entry writes no history row, so nothing else is written for them. Values of
#   reports that do hold some, and deletions, are kept for the staged write at the end.
#   A value sent twice, or a value that exists after all (inserted meanwhile by another
#   transaction), rolls the savepoint back and the payload is read again, staged.
# - *Staged*: every value is COPied into a temporary table; at the end, one statement per
#   kind of write (``_write_staged``) sets, changes and deletes the values set-wise.

_COPY_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_BLOCK_VALUES = 50_000  # values validated between two writes to the server
_STAGE = "_dv_import"
_DIRECT_COPY = (
    f"COPY {DataValue._meta.db_table} (indicator_id, unit_id, period_id, options_key, value, "
    "numeric, comment, deleted, created_by_id, updated_by_id, created_at, updated_at) "
    "FROM STDIN"
)
_STAGE_COPY = (
    f"COPY {_STAGE} (idx, indicator_id, unit_id, period_id, options_key, del, value, numeric, "
    "comment) FROM STDIN"
)


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_SPECIAL)
    return value


class _Restart(Exception):
    """The direct COPY cannot stand (a value sent twice): read the payload again, staged."""


class _CopyStream:
    """One COPY at a time on ``cursor``, opened at the first write and ended (``pause``)
    before any other statement runs on the connection."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.statement: str | None = None
        self.manager = None
        self.copy = None

    def write(self, statement: str, text: str) -> None:
        if self.statement != statement:
            self.pause()
        if self.copy is None:
            self.manager = self.cursor.copy(statement, writer=QueuedLibpqWriter(self.cursor.cursor))
            self.copy = self.manager.__enter__()
            self.statement = statement
        self.copy.write(text)

    def pause(self) -> None:
        if self.manager is not None:
            manager = self.manager
            self.manager = self.copy = self.statement = None
            manager.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        if self.manager is not None:
            manager = self.manager
            self.manager = self.copy = self.statement = None
            # The error that stopped the COPY is the one to report.
            with contextlib.suppress(Exception):
                manager.__exit__(type(exc), exc, exc.__traceback__)

    def before_query(self, execute, sql, params, many, context):
        """A ``connection.execute_wrapper``: the COPY in progress ends first."""
        self.pause()
        return execute(sql, params, many, context)


def _import_postgresql(*, actor, form: ReportForm, rows, strategy: str, today, source: str):
    if strategy in ("CREATE_AND_UPDATE", "CREATE"):
        try:
            with transaction.atomic():
                return _stream(
                    actor=actor, form=form, rows=rows, strategy=strategy, today=today,
                    direct=True, source=source,
                )  # fmt: skip
        except (
            _Restart,
            IntegrityError,
            psycopg_errors.UniqueViolation,
            psycopg_errors.DeadlockDetected,
        ):
            # A value sent twice, or one that exists after all (another transaction
            # inserted it after the probe, or is inserting it in another order): what the
            # attempt wrote is rolled back with its savepoint and the staged write, which
            # takes the rows in a fixed order, decides value by value.
            pass
    return _stream(
        actor=actor, form=form, rows=rows, strategy=strategy, today=today, direct=False,
        source=source,
    )  # fmt: skip


def _stream(*, actor, form: ReportForm, rows, strategy: str, today, direct: bool, source: str):
    layout = selectors.form_layout(form)
    check = _Validator(actor=actor, form=form, today=today, layout=layout)
    conflicts = Conflicts()
    seen = _Seen()
    counts = _Counts()
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    form_indicators = sorted(layout.indicators)
    occupied: dict[tuple[int, int], bool] = {}  # report → holds values already
    periods_locked: set[int] = set()
    kept: list[Ready] = []  # direct: values of reports holding values, deletions
    fresh_pairs: set[tuple[int, int]] = set()
    fresh = staged = 0
    # The text of the direct COPY's rows (the same a COPY from a temporary table would
    # carry) and of the staged ones.
    actor_text = "\\N" if actor_id is None else str(actor_id)
    stamp = now.isoformat()
    tail = f"\tf\t{actor_text}\t{actor_text}\t{stamp}\t{stamp}\n"
    null = "\\N"

    def flush(cursor, stream: _CopyStream, block: list[Ready]) -> None:
        nonlocal direct, fresh, staged
        if direct and seen.duplicates:
            raise _Restart
        block = _drop_locked(
            form=form, ready=block, conflicts=conflicts, strategy=strategy, today=today,
            unit_codes=check.unit_codes, computed=actor is None,
        )  # fmt: skip
        new_pairs = {(item[2], item[3]) for item in block if (item[2], item[3]) not in occupied}
        new_periods = {period for _unit, period in new_pairs} - periods_locked
        if new_periods:
            # The roll-up locks come before the writes, so that the old values the writes
            # read are final (after the report locks above, in the order an approval takes
            # them).
            announce_now(figures.VALUES_LOCK, period_ids=new_periods)
            periods_locked.update(new_periods)
        if direct and new_pairs:
            holding = _holding_values(cursor, new_pairs, form_indicators)
            if holding and not occupied:
                direct = False  # not a first import: everything staged
            for pair in new_pairs:
                occupied[pair] = pair in holding
        elif new_pairs:
            for pair in new_pairs:
                occupied[pair] = True
        lines: list[str] = []
        for item in block:
            index, ind, unit, period, key, delete, text, numeric, comment = item
            if not direct:
                lines.append(
                    f"{index}\t{ind}\t{unit}\t{period}\t{key}\t{'t' if delete else 'f'}\t"
                    f"{_copy_text(text)}\t{null if numeric is None else numeric}\t"
                    f"{_copy_text(comment) if comment else ''}\n"
                )
            elif delete or occupied[(unit, period)]:
                kept.append(item)
            else:
                fresh_pairs.add((unit, period))
                lines.append(
                    f"{ind}\t{unit}\t{period}\t{key}\t{_copy_text(text)}\t"
                    f"{null if numeric is None else numeric}\t"
                    f"{_copy_text(comment) if comment else ''}{tail}"
                )
        if lines:
            stream.write(_DIRECT_COPY if direct else _STAGE_COPY, "".join(lines))
            if direct:
                fresh += len(lines)
            else:
                staged += len(lines)

    with connection.cursor() as cursor:
        figures.delta_begin(cursor)
        # Sorts and hashes of up to a million rows stay in memory rather than spill to
        # disk; for this transaction only.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(
            f"CREATE TEMP TABLE {_STAGE} (idx integer, indicator_id integer, unit_id integer,"
            " period_id integer, options_key varchar(200), del boolean, value text,"
            " numeric numeric, comment text) ON COMMIT DROP"
        )
        stream = _CopyStream(cursor)
        try:
            with connection.execute_wrapper(stream.before_query):
                block: list[Ready] = []
                for item in _checked(rows, check, conflicts, strategy, seen):
                    block.append(item)
                    if len(block) == _BLOCK_VALUES:
                        flush(cursor, stream, block)
                        block = []
                flush(cursor, stream, block)
                del block
                if direct and seen.duplicates:
                    raise _Restart
                for start in range(0, len(kept), _BLOCK_VALUES):
                    lines = [
                        f"{index}\t{ind}\t{unit}\t{period}\t{key}\t{'t' if delete else 'f'}\t"
                        f"{_copy_text(text)}\t{null if numeric is None else numeric}\t"
                        f"{_copy_text(comment) if comment else ''}\n"
                        for index, ind, unit, period, key, delete, text, numeric, comment in (
                            kept[start : start + _BLOCK_VALUES]
                        )
                    ]
                    stream.write(_STAGE_COPY, "".join(lines))
                    staged += len(lines)
                kept.clear()
                stream.pause()
        except BaseException as exc:
            stream.abort(exc)
            raise
        if fresh:
            counts.imported += fresh
            _fresh_deltas(cursor, pairs=fresh_pairs, indicator_ids=form_indicators)
        if staged:
            if seen.duplicates:
                # The last of several values for the same cell wins; the earlier ones are
                # ignored.
                cursor.execute(
                    f"DELETE FROM {_STAGE} t USING {_STAGE} u WHERE u.indicator_id ="
                    " t.indicator_id AND u.unit_id = t.unit_id AND u.period_id = t.period_id"
                    " AND u.options_key = t.options_key AND u.idx > t.idx"
                )
            _write_staged(
                cursor, strategy=strategy, actor_id=actor_id, now=now, counts=counts,
                periods=sorted(periods_locked), source=source,
            )  # fmt: skip
        cursor.execute(f"DROP TABLE {_STAGE}")
    if counts.imported or counts.updated or counts.deleted:
        # The roll-ups take the differences the writes recorded, set-wise, one statement
        # per level, at the end of the transaction.
        # (The form's indicators: the differences name the ones written.)
        announce_now(
            figures.VALUES_DELTA,
            unit_ids={unit for unit, _period in occupied},
            period_ids=periods_locked,
            indicator_ids=form_indicators,
        )
    return conflicts, counts, seen.total


def _holding_values(cursor, pairs, indicator_ids) -> set[tuple[int, int]]:
    """The reports (unit, period) among ``pairs`` holding a value of one of these
    indicators: one index probe per report, stopping at the first value found."""
    pairs = sorted(pairs)
    cursor.execute(
        f"""
        SELECT p.unit_id, p.period_id
        FROM unnest(%s::bigint[], %s::bigint[]) AS p (unit_id, period_id)
        WHERE EXISTS (
            SELECT 1 FROM {DataValue._meta.db_table} d
            WHERE d.unit_id = p.unit_id AND d.period_id = p.period_id
                AND d.indicator_id = ANY(%s::bigint[])
        )
        """,
        [[u for u, _p in pairs], [p for _u, p in pairs], list(indicator_ids)],
    )
    return set(cursor.fetchall())


def _fresh_deltas(cursor, *, pairs, indicator_ids) -> None:
    """The roll-up differences of values COPied into reports (``pairs``) that held none of
    these indicators' values: each value's number, read back from the table in one
    statement."""
    pairs = sorted(pairs)
    cursor.execute(
        f"""
        INSERT INTO {DELTA_TABLE}
        SELECT v.unit_id, v.period_id, v.indicator_id, v.options_key, v.numeric, 1
        FROM unnest(%s::bigint[], %s::bigint[]) AS p (unit_id, period_id)
        JOIN {DataValue._meta.db_table} v ON v.unit_id = p.unit_id AND v.period_id = p.period_id
        WHERE v.indicator_id = ANY(%s::bigint[]) AND v.numeric IS NOT NULL AND NOT v.deleted
        """,
        [[u for u, _p in pairs], [p for _u, p in pairs], sorted(indicator_ids)],
    )


# A written row's roll-up difference (``up``: the row as written, ``c``: what it was before;
# a row inserted had nothing before, a deleted one counted for nothing).
_WAS_NOTHING = "(up.inserted OR c.old_id IS NULL OR c.old_deleted OR c.old_numeric IS NULL)"
_OLD_NUMBER = f"CASE WHEN {_WAS_NOTHING} THEN 0 ELSE c.old_numeric END"
_OLD_COUNT = f"CASE WHEN {_WAS_NOTHING} THEN 0 ELSE 1 END"
_NEW_COUNT = "CASE WHEN up.numeric IS NULL THEN 0 ELSE 1 END"


def _write_staged(
    cursor, *, strategy: str, actor_id, now, counts: _Counts, periods, source: str
) -> None:
    """The staged values written set-wise, one statement per kind of write: ``INSERT … ON
    CONFLICT (indicator_id, unit_id, period_id, options_key) DO UPDATE … WHERE`` the value,
    comment or deleted flag differ, whose ``RETURNING`` rows feed the history insert in the
    same statement (``xmax = 0`` tells a new row, which gets no history, from an updated
    one); an ``UPDATE`` for ``importStrategy=UPDATE``; an ``UPDATE`` for deletions."""
    dv = DataValue._meta.db_table
    ch = DataValueChange._meta.db_table
    cursor.execute(f"ANALYZE {_STAGE}")
    # Naming the periods lets PostgreSQL read only their rows, not the whole table.
    params = {
        "actor": actor_id,
        "now": now,
        "source": source,
        "periods": list(periods),
    }
    if strategy in ("CREATE_AND_UPDATE", "CREATE"):
        differs = (
            "d.deleted OR d.value <> {new}.value OR d.comment <> {new}.comment"
            if strategy == "CREATE_AND_UPDATE"
            else "d.deleted"
        )
        cursor.execute(
            f"""
            WITH cand AS (
                SELECT t.indicator_id, t.unit_id, t.period_id, t.options_key, t.value,
                       t.numeric, t.comment, d.id AS old_id, d.value AS old_value,
                       d.comment AS old_comment, d.deleted AS old_deleted,
                       d.numeric AS old_numeric
                FROM {_STAGE} t
                LEFT JOIN {dv} d ON d.indicator_id = t.indicator_id
                    AND d.unit_id = t.unit_id AND d.period_id = t.period_id
                    AND d.options_key = t.options_key AND d.period_id = ANY(%(periods)s)
                WHERE NOT t.del AND (d.id IS NULL OR {differs.format(new="t")})
            ), up AS (
                INSERT INTO {dv} AS d (indicator_id, unit_id, period_id, options_key,
                    value, numeric, comment, deleted, created_by_id, updated_by_id,
                    created_at, updated_at)
                SELECT c.indicator_id, c.unit_id, c.period_id, c.options_key, c.value,
                       c.numeric, c.comment, false, %(actor)s, %(actor)s, %(now)s, %(now)s
                FROM cand c
                ORDER BY c.indicator_id, c.unit_id, c.period_id, c.options_key
                ON CONFLICT (indicator_id, unit_id, period_id, options_key) DO UPDATE
                    SET value = EXCLUDED.value, numeric = EXCLUDED.numeric,
                        comment = EXCLUDED.comment, deleted = false,
                        updated_by_id = EXCLUDED.updated_by_id,
                        updated_at = EXCLUDED.updated_at
                    WHERE {differs.format(new="EXCLUDED")}
                RETURNING d.id, d.value, d.comment, (d.xmax = 0) AS inserted, d.unit_id,
                    d.period_id, d.indicator_id, d.options_key, d.numeric
            ), delta AS (
                INSERT INTO {DELTA_TABLE}
                SELECT up.unit_id, up.period_id, up.indicator_id, up.options_key,
                       COALESCE(up.numeric, 0) - {_OLD_NUMBER}, {_NEW_COUNT} - {_OLD_COUNT}
                FROM up LEFT JOIN cand c ON c.old_id = up.id
            ), hist AS (
                INSERT INTO {ch} (data_value_id, old_value, new_value, old_comment,
                    new_comment, deleted, actor_id, at, source)
                SELECT up.id,
                       CASE WHEN c.old_id IS NULL OR c.old_deleted THEN '' ELSE c.old_value END,
                       up.value, COALESCE(c.old_comment, ''), up.comment, false,
                       %(actor)s, %(now)s, %(source)s
                FROM up LEFT JOIN cand c ON c.old_id = up.id
                WHERE NOT up.inserted
            )
            SELECT count(*) FILTER (WHERE up.inserted OR c.old_deleted),
                   count(*) FILTER (WHERE NOT up.inserted AND NOT COALESCE(c.old_deleted, false))
            FROM up LEFT JOIN cand c ON c.old_id = up.id
            """,
            params,
        )
        imported, updated = cursor.fetchone()
        counts.imported += imported
        counts.updated += updated
    if strategy == "UPDATE":
        cursor.execute(
            f"""
            WITH cand AS (
                SELECT d.id AS old_id, t.value, t.numeric, t.comment,
                       d.value AS old_value, d.comment AS old_comment,
                       d.numeric AS old_numeric, false AS old_deleted
                FROM {_STAGE} t
                JOIN {dv} d ON d.indicator_id = t.indicator_id
                    AND d.unit_id = t.unit_id AND d.period_id = t.period_id
                    AND d.options_key = t.options_key AND d.period_id = ANY(%(periods)s)
                WHERE NOT t.del AND NOT d.deleted
                    AND (d.value <> t.value OR d.comment <> t.comment)
            ), up AS (
                UPDATE {dv} d SET value = c.value, numeric = c.numeric, comment = c.comment,
                    updated_by_id = %(actor)s, updated_at = %(now)s
                FROM cand c
                WHERE d.id = c.old_id AND NOT d.deleted
                    AND (d.value <> c.value OR d.comment <> c.comment)
                RETURNING d.id, d.value, d.comment, false AS inserted, d.unit_id, d.period_id,
                    d.indicator_id, d.options_key, d.numeric
            ), delta AS (
                INSERT INTO {DELTA_TABLE}
                SELECT up.unit_id, up.period_id, up.indicator_id, up.options_key,
                       COALESCE(up.numeric, 0) - {_OLD_NUMBER}, {_NEW_COUNT} - {_OLD_COUNT}
                FROM up JOIN cand c ON c.old_id = up.id
            ), hist AS (
                INSERT INTO {ch} (data_value_id, old_value, new_value, old_comment,
                    new_comment, deleted, actor_id, at, source)
                SELECT up.id, c.old_value, up.value, c.old_comment, up.comment, false,
                       %(actor)s, %(now)s, %(source)s
                FROM up JOIN cand c ON c.old_id = up.id
            )
            SELECT count(*) FROM up
            """,
            params,
        )
        counts.updated += cursor.fetchone()[0]
    # Deletions: under DELETE, and values sent with "deleted": true otherwise.
    cursor.execute(
        f"""
        WITH up AS (
            UPDATE {dv} d SET deleted = true, updated_by_id = %(actor)s, updated_at = %(now)s
            FROM {_STAGE} t
            WHERE t.del AND NOT d.deleted AND d.indicator_id = t.indicator_id
                AND d.unit_id = t.unit_id AND d.period_id = t.period_id
                AND d.options_key = t.options_key AND d.period_id = ANY(%(periods)s)
            RETURNING d.id, d.value, d.comment, d.unit_id, d.period_id, d.indicator_id,
                d.options_key, d.numeric
        ), delta AS (
            -- A deletion takes the value's number out (the row keeps it, flagged deleted).
            INSERT INTO {DELTA_TABLE}
            SELECT unit_id, period_id, indicator_id, options_key, -numeric, -1
            FROM up WHERE numeric IS NOT NULL
        ), hist AS (
            INSERT INTO {ch} (data_value_id, old_value, new_value, old_comment,
                new_comment, deleted, actor_id, at, source)
            SELECT up.id, up.value, '', up.comment, up.comment, true,
                   %(actor)s, %(now)s, %(source)s
            FROM up
        )
        SELECT count(*) FROM up
        """,
        params,
    )
    counts.deleted += cursor.fetchone()[0]


# --- portable path (SQLite) ---------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_portable(final: list[Ready], *, strategy: str, actor, source: str) -> _Counts:
    ops = connection.ops
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    counts = _Counts()
    existing: dict[tuple[int, int, int, str], tuple[int, str, str, bool]] = {}
    indicator_ids = sorted({item[1] for item in final})
    period_ids = sorted({item[3] for item in final})
    unit_ids = sorted({item[2] for item in final})
    for chunk in _chunks(unit_ids, 500):
        for pk, ind, unit, period, key, value, comment, deleted in DataValue.objects.filter(
            unit_id__in=chunk, period_id__in=period_ids, indicator_id__in=indicator_ids
        ).values_list(
            "id", "indicator_id", "unit_id", "period_id", "options_key", "value", "comment",
            "deleted",
        ):  # fmt: skip
            existing[(ind, unit, period, key)] = (pk, value, comment, deleted)
    inserts: list[DataValue] = []
    updates: list[tuple] = []  # (value, numeric, comment, pk)
    deletes: list[int] = []
    changes: list[tuple] = []  # (pk, old, new, old comment, new comment, deleted)
    for _i, ind, unit, period, key, delete, text, numeric, comment in final:
        current = existing.get((ind, unit, period, key))
        if delete:
            if current is not None and not current[3]:
                deletes.append(current[0])
                changes.append((current[0], current[1], "", current[2], current[2], True))
            continue
        if current is None:
            if strategy == "UPDATE":
                continue
            # A first entry: no history row, created_by/created_at record it.
            inserts.append(
                DataValue(
                    indicator_id=ind, unit_id=unit, period_id=period, options_key=key,
                    value=text, numeric=None if numeric is None else Decimal(numeric),
                    comment=comment, deleted=False, created_by_id=actor_id,
                    updated_by_id=actor_id,
                )
            )  # fmt: skip
            continue
        pk, old_value, old_comment, old_deleted = current
        if old_deleted:
            if strategy == "UPDATE":
                continue
            counts.imported += 1
            old_value = ""
        elif strategy == "CREATE" or (old_value == text and old_comment == comment):
            continue
        else:
            counts.updated += 1
        updates.append((text, numeric, comment, pk))
        changes.append((pk, old_value, text, old_comment, comment, False))
    for batch in _chunks(inserts, BATCH):
        DataValue.objects.bulk_create(batch)
    counts.imported += len(inserts)
    dv = DataValue._meta.db_table
    ch = DataValueChange._meta.db_table
    stamp = ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for batch in _chunks(updates, BATCH):
            cursor.executemany(
                f"UPDATE {dv} SET value = %s, numeric = %s, comment = %s, deleted = %s, "
                f"updated_by_id = %s, updated_at = %s WHERE id = %s",
                [
                    (
                        text,
                        None if numeric is None
                        else ops.adapt_decimalfield_value(Decimal(numeric), 24, 6),
                        comment, False, actor_id, stamp, pk,
                    )
                    for text, numeric, comment, pk in batch
                ],
            )  # fmt: skip
        for batch in _chunks(deletes, BATCH):
            cursor.executemany(
                f"UPDATE {dv} SET deleted = %s, updated_by_id = %s, updated_at = %s WHERE id = %s",
                [(True, actor_id, stamp, pk) for pk in batch],
            )
        counts.deleted = len(deletes)
        for batch in _chunks(changes, BATCH):
            cursor.executemany(
                f"INSERT INTO {ch} (data_value_id, old_value, new_value, old_comment, "
                f"new_comment, deleted, actor_id, at, source) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(*change, actor_id, stamp, source) for change in batch],
            )
    return counts


# --- export (GET dataValueSets) -----------------------------------------------------------


def datavalues_export(
    *,
    form: ReportForm,
    periods: list[Period],
    units: list[Unit],
    include_deleted: bool = False,
) -> list[ExportValue]:
    """The values of ``form``'s cells for these units and periods, codes as identifiers."""
    layout = selectors.form_layout(form)
    if not periods or not units:
        return []
    values = DataValue.objects.filter(
        period__in=periods, indicator_id__in=list(layout.indicators)
    ).order_by("unit__code", "period__start_date", "indicator__code", "options_key")
    if not include_deleted:
        values = values.filter(deleted=False)
    result = []
    unit_ids = [u.pk for u in units]
    for chunk in _chunks(unit_ids, 500):
        rows = values.filter(unit_id__in=chunk).values_list(
            "indicator_id", "indicator__code", "period__code", "unit__code", "options_key",
            "value", "updated_by__username", "created_at", "updated_at", "comment", "deleted",
        )  # fmt: skip
        for ind, code, period, unit, key, value, user, created, updated, comment, deleted in rows:
            if (ind, key) not in layout.by_value_key:
                continue
            result.append(
                ExportValue(
                    data_element=code, period=period, org_unit=unit,
                    category_option_combo=combo_code(key), value=value, stored_by=user or "",
                    created=_iso(created), last_updated=_iso(updated), comment=comment,
                    deleted=deleted,
                )
            )  # fmt: skip
    return result


def _iso(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


__all__ = [
    "can_import",
    "datavalues_export",
    "datavalues_import",
]


def computed_values_write(
    *, form: str, period: str, org_unit: str, values: list[dict], source: str = ValueSource.SYSTEM
) -> ImportSummary:
    """Write the values a part of the platform computed (``values``: DHIS2 data values,
    ``dataElement``, ``categoryOptionCombo``, ``value``) into one report of the computed form
    ``form``, as an import of the platform's own (no person; checked like any import; the
    report approved as it is written). Conflicts are logged: nobody is there to read them."""
    payload = dhis2.parse_json(
        orjson.dumps({"dataSet": form, "period": period, "orgUnit": org_unit, "dataValues": values})
    )
    summary = datavalues_import(
        actor=None, rows=payload.rows, dataset_code=payload.data_set, source=source
    )
    if summary.conflicts:
        logger.warning("computed values %s %s %s: %s", form, org_unit, period, summary.conflicts)
    return summary
