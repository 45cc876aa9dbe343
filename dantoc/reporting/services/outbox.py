"""Changes a reporter queued on the entry page (offline, or after a failed send), applied
exactly once, a batch at a time (issue 20; docs/offline-entry.md).

The browser sends its outbox for one report in batches. A batch is applied in one
transaction under the report's lock (the submission row, as ``datavalues_save`` takes it):

1. The keys are claimed by one multi-row insert into ``QueuedChange`` that skips keys
   already there (``ON CONFLICT DO NOTHING`` on PostgreSQL, ``INSERT OR IGNORE`` on SQLite).
   The database's unique constraint (user, key) decides: on PostgreSQL an insert that meets
   a key another transaction has inserted but not committed waits for that transaction and
   is skipped if it commits. The rows are then read back: a row still ``pending`` was
   inserted by this batch (a committed row never is: an applied change's row gets its
   outcome and a refused change's row is deleted before the commit); any other row is a
   change applied earlier, answered with its recorded outcome and writing nothing. Keys are
   inserted in sorted order so that two batches never wait for each other in a circle.
2. The changes are decided in the order sent against the report as it is stored and as the
   batch's earlier changes leave it (a change may be made on an earlier one): a conflict,
   an invalid value, a closed period or a submitted report refuses that change only.
3. The value changes accepted before a submit (or before the end) are written by one
   ``datavalues_save`` (its checks, history rows, roll-ups and one audit entry ``source``
   ``offline``); a submit is written by ``submission_submit`` after the values before it,
   and waits for the changes it ``requires``.
4. The applied changes' rows get their outcome; the refused changes' rows are deleted, so
   that a refusal can be dealt with and sent again under the same key.

A failure in the middle (the server stopped, a database error) rolls the whole batch back:
nothing of it is recorded, and the browser, which keeps every change until it has an
answer, sends it again. A batch whose keys are all recorded already (an answer lost on
the way back, a second tab) is answered from the records without taking the lock.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.accounts.models import User
from dantoc.geo.models import Unit
from dantoc.indicators.values import ValueError_, normalise_value
from dantoc.reporting import selectors
from dantoc.reporting.models import (
    LOCKED_STATUSES,
    DataValue,
    Period,
    QueuedChange,
    QueuedChangeKind,
    ReportForm,
    ValueSource,
)
from dantoc.reporting.permissions import can_enter
from dantoc.reporting.services import (
    CellInput,
    ReportClosed,
    SubmissionBlocked,
    _submission_locked,
    datavalues_save,
    entry_closed_reason,
    submission_submit,
)

PENDING = "pending"  # the outcome of a key row between its insert and its commit


@dataclass(frozen=True)
class QueuedInput:
    """One change from the entry page's outbox. ``key`` is the browser's idempotency key;
    a value change carries the cell's stored value it was made on (``base``, as the page
    shows it, and ``base_comment``); a submit names the value changes it waits for."""

    key: uuid.UUID
    kind: str  # QueuedChangeKind
    cell: str = ""
    value: str | None = None
    comment: str | None = None
    base: str = ""
    base_comment: str | None = None
    requires: tuple[uuid.UUID, ...] = ()

    def fingerprint(self) -> str:
        if self.kind == QueuedChangeKind.SUBMIT:
            content = ["submit"]
        else:
            content = [self.cell, self.value or "", self.comment, self.base, self.base_comment]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


@dataclass
class QueuedOutcome:
    """``status``: applied (now or by an earlier send of the same key: ``replayed``) or
    refused, with ``reason`` one of conflict, closed (period not open or locked), submitted
    (the report is submitted, approved or waived), invalid, waiting, blocked, reused."""

    key: str
    status: str
    outcome: str = ""  # saved | unchanged | deleted | submitted, when applied
    reason: str = ""
    message: str = ""
    warning: str = ""
    stored: dict | None = None  # {"display", "comment"}: the cell as stored now
    replayed: bool = False


def _stored(cell, value: DataValue | None) -> dict:
    live = value if value is not None and not value.deleted else None
    return {
        "display": selectors.value_display(cell, live),
        "comment": live.comment if live else "",
    }


def _same_as_stored(cell, value: DataValue | None, base: str) -> bool:
    """Whether the value a change was made on is the one stored: as the page shows it
    (1.234,5) or as typed offline on top of an earlier queued change (1234,5)."""
    if selectors.value_display(cell, value) == base:
        return True
    if value is None or value.deleted or not base.strip():
        return False
    try:
        text, _number = normalise_value(cell.indicator.value_type, base, decimal_comma=True)
    except ValueError_:
        return False
    return text == value.value


def _rows(actor: User, keys) -> dict[uuid.UUID, QueuedChange]:
    return {r.key: r for r in QueuedChange.objects.filter(user=actor, key__in=list(keys))}


def _answer(change: QueuedInput, record: QueuedChange) -> QueuedOutcome:
    """A change whose key was recorded before: its recorded outcome, or a refusal when the
    key now comes with something else (ODK Central refuses a reused instance id too)."""
    if record.fingerprint != change.fingerprint():
        return QueuedOutcome(
            str(change.key),
            "refused",
            reason="reused",
            message=_("Mã thay đổi này đã được dùng cho một thay đổi khác."),
        )
    return QueuedOutcome(str(change.key), "applied", replayed=True, **record.result)


def _repeat(change: QueuedInput, earlier: QueuedInput, outcome: QueuedOutcome) -> QueuedOutcome:
    """A key sent twice in one batch: the second is answered as a resend of the first."""
    if change.fingerprint() != earlier.fingerprint():
        return QueuedOutcome(
            str(change.key),
            "refused",
            reason="reused",
            message=_("Mã thay đổi này đã được dùng cho một thay đổi khác."),
        )
    return dataclasses.replace(outcome, replayed=outcome.status == "applied")


def queued_change_apply(
    *,
    actor: User,
    form: ReportForm,
    unit: Unit,
    period: Period,
    change: QueuedInput,
    today: datetime.date | None = None,
) -> QueuedOutcome:
    """Apply one queued change exactly once: a batch of one (``queued_changes_apply``)."""
    return queued_changes_apply(
        actor=actor, form=form, unit=unit, period=period, changes=[change], today=today
    )[0]


def queued_changes_apply(
    *,
    actor: User,
    form: ReportForm,
    unit: Unit,
    period: Period,
    changes: Sequence[QueuedInput],
    today: datetime.date | None = None,
) -> list[QueuedOutcome]:
    """Apply a batch of queued changes of one report exactly once, in the order sent; one
    outcome per change, in that order (see the module's docstring for how)."""
    changes = list(changes)
    if not changes:
        return []
    if not can_enter(actor, unit):
        raise PermissionDenied("Bạn không được nhập số liệu cho đơn vị này.")
    keys = {c.key for c in changes}
    recorded = _rows(actor, keys)
    if len(recorded) == len(keys):  # all sent before: no lock, nothing written
        return [_answer(c, recorded[c.key]) for c in changes]
    with transaction.atomic():
        return _Batch(actor, form, unit, period, today).apply(changes)


class _Batch:
    def __init__(self, actor, form, unit, period, today):
        self.actor, self.form, self.unit, self.period = actor, form, unit, period
        self.today = today or timezone.localdate()
        self.layout = selectors.form_layout(form)
        self.state: dict[str, DataValue] = {}  # cell key → the value as it now stands
        self.planned: list[tuple[int, QueuedInput]] = []  # value changes not yet written
        self.after: dict[int, dict] = {}  # index → the cell as that change leaves it
        self.outcomes: list[QueuedOutcome | None] = []
        self.applied: set[uuid.UUID] = set()

    def apply(self, changes: list[QueuedInput]) -> list[QueuedOutcome]:
        self._closed()  # takes the report's lock first: batches of one report queue here
        rows = self._claim(changes)
        self._load_state()
        first: dict[uuid.UUID, int] = {}
        self.outcomes = [None] * len(changes)
        for index, change in enumerate(changes):
            if change.key in first:
                continue  # the same key twice in one batch: answered below
            first[change.key] = index
            row = rows[change.key]
            if row.outcome != PENDING:
                self.outcomes[index] = _answer(change, row)
                if self.outcomes[index].status == "applied":
                    self.applied.add(change.key)
            elif change.kind == QueuedChangeKind.SUBMIT:
                self._write_values()
                self.outcomes[index] = self._submit(change, rows)
            else:
                self.outcomes[index] = self._plan_value(index, change)
        self._write_values()
        for index, change in enumerate(changes):
            if self.outcomes[index] is None:
                earlier = first[change.key]
                self.outcomes[index] = _repeat(change, changes[earlier], self.outcomes[earlier])
        self._record(rows, first)
        return self.outcomes

    # -- the keys ---------------------------------------------------------------------------

    def _claim(self, changes: list[QueuedInput]) -> dict[uuid.UUID, QueuedChange]:
        """Insert the batch's keys (skipping those recorded) and read back every row of the
        batch's keys and of the keys its submits require."""
        unique = {c.key: c for c in reversed(changes)}  # the first change of each key
        QueuedChange.objects.bulk_create(
            [
                QueuedChange(
                    user=self.actor,
                    key=key,
                    kind=unique[key].kind,
                    form_code=self.form.code,
                    period=self.period,
                    unit=self.unit,
                    cell_key=unique[key].cell,
                    fingerprint=unique[key].fingerprint(),
                    outcome=PENDING,
                )
                for key in sorted(unique)
            ],
            ignore_conflicts=True,
        )
        wanted = set(unique) | {k for c in changes for k in c.requires}
        rows = _rows(self.actor, wanted)
        missing = set(unique) - set(rows)
        if missing:  # skipped by the insert for something else than the key: not expected
            raise RuntimeError(f"queued change keys neither inserted nor recorded: {missing}")
        return rows

    def _record(self, rows, first) -> None:
        """Give the applied changes' rows their outcome (one statement, run for each row:
        ``bulk_update``'s CASE over a batch is slower to build than to run) and delete the
        refused changes' rows."""
        done, refused = [], []
        result_field = QueuedChange._meta.get_field("result")
        for key, index in first.items():
            row, outcome = rows[key], self.outcomes[index]
            if row.outcome != PENDING:
                continue
            if outcome.status != "applied":
                refused.append(row.pk)
                continue
            result = {"outcome": outcome.outcome}
            if row.kind == QueuedChangeKind.VALUE:
                result.update(warning=outcome.warning, stored=outcome.stored)
            done.append(
                (outcome.outcome, result_field.get_db_prep_save(result, connection), row.pk)
            )
        if done:
            table = connection.ops.quote_name(QueuedChange._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET outcome = %s, result = %s WHERE id = %s", done
                )
        if refused:
            QueuedChange.objects.filter(pk__in=refused).delete()

    # -- the report -------------------------------------------------------------------------

    def _load_state(self) -> None:
        """The report's values, deleted ones included (a value set again keeps its row)."""
        for value in DataValue.objects.filter(
            unit=self.unit, period=self.period, indicator_id__in=list(self.layout.indicators)
        ):
            cell = self.layout.cell_for(value.indicator_id, value.options_key)
            if cell is not None:
                self.state[cell.key] = value

    def _closed(self) -> None:
        """Lock the report and say why it takes no value now (``self.closed``: reason and
        message, or None)."""
        submission = _submission_locked(self.form, self.unit, self.period)
        message = entry_closed_reason(
            form=self.form, period=self.period, submission=submission, today=self.today
        )
        if message is None and not self.unit.is_valid_on(self.period.end_date):
            message = "Đơn vị này không báo cáo biểu này trong kỳ này."
        self.submission = submission
        self.closed = None
        if message:
            locked = submission.status in LOCKED_STATUSES
            self.closed = ("submitted" if locked else "closed", message)

    def _plan_value(self, index: int, change: QueuedInput) -> QueuedOutcome | None:
        """Refuse the change, or accept it for the next write (None) and move the batch's
        view of the cell on as the write will."""
        key = str(change.key)
        cell = self.layout.cells.get(change.cell)
        if cell is None:
            return QueuedOutcome(
                key, "refused", reason="invalid", message="Ô không có trong biểu mẫu."
            )
        if self.closed:
            reason, message = self.closed
            return QueuedOutcome(key, "refused", reason=reason, message=message)
        current = self.state.get(cell.key)
        live = current if current is not None and not current.deleted else None
        stored = _stored(cell, current)
        comment_moved = change.base_comment is not None and stored["comment"] != change.base_comment
        # Already stored as sent (the whole page was saved meanwhile): nothing to choose between.
        arrived = _same_as_stored(cell, live, change.value or "") and change.comment in (
            None,
            stored["comment"],
        )
        if not arrived and (not _same_as_stored(cell, live, change.base) or comment_moved):
            return QueuedOutcome(
                key,
                "refused",
                reason="conflict",
                message=_(
                    "Trong lúc bạn không có mạng, giá trị đã được sửa thành “%(v)s”. "
                    "Hãy chọn giữ giá trị nào."
                )
                % {"v": stored["display"] or "∅"},
                stored=stored,
            )
        raw = change.value
        if raw is None or raw.strip() == "":
            if live is not None:
                self.state[cell.key] = DataValue(
                    value=live.value, numeric=live.numeric, comment=live.comment, deleted=True
                )
        else:
            try:
                text, number = normalise_value(cell.indicator.value_type, raw, decimal_comma=True)
            except ValueError_ as exc:
                return QueuedOutcome(key, "refused", reason="invalid", message=str(exc))
            comment = change.comment
            if comment is None:
                comment = current.comment if current is not None else ""
            self.state[cell.key] = DataValue(value=text, numeric=number, comment=comment)
        self.planned.append((index, change))
        self.after[index] = _stored(cell, self.state.get(cell.key))
        return None

    def _write_values(self) -> None:
        """Write the value changes accepted so far, in one ``datavalues_save``."""
        if not self.planned:
            return
        planned, self.planned = self.planned, []
        saved = datavalues_save(
            actor=self.actor,
            form=self.form,
            unit=self.unit,
            period=self.period,
            inputs=[CellInput(c.cell, c.value, c.comment) for _i, c in planned],
            source=ValueSource.OFFLINE,
            today=self.today,
            layout=self.layout,
        )
        # Every input was checked above as datavalues_save checks it, so it reports one
        # outcome per input, in their order, and no error.
        cells = saved.cells
        if len(cells) != len(planned) or any(
            o.status == "error" or o.key != c.cell
            for o, (_i, c) in zip(cells, planned, strict=True)
        ):
            raise RuntimeError("datavalues_save did not save the queued changes as planned")
        for (index, change), cell in zip(planned, cells, strict=True):
            self.outcomes[index] = QueuedOutcome(
                str(change.key),
                "applied",
                outcome=cell.status,
                warning=cell.warning,
                stored=self.after[index],
            )
            self.applied.add(change.key)

    def _submit(self, change: QueuedInput, rows) -> QueuedOutcome:
        key = str(change.key)
        done = self.applied | {k for k, r in rows.items() if r.outcome != PENDING}
        waiting = [k for k in change.requires if k not in done]
        if waiting:
            return QueuedOutcome(
                key,
                "refused",
                reason="waiting",
                message=_("Còn %(n)s thay đổi chưa gửi được: báo cáo sẽ được nộp sau chúng.")
                % {"n": len(waiting)},
            )
        if self.submission.status in LOCKED_STATUSES:
            return QueuedOutcome(
                key,
                "refused",
                reason="submitted",
                message=f"Báo cáo đang ở trạng thái “{self.submission.get_status_display()}”: "
                "không nộp lại được.",
            )
        try:
            submission_submit(
                actor=self.actor,
                form=self.form,
                unit=self.unit,
                period=self.period,
                today=self.today,
            )
        except ReportClosed as exc:
            return QueuedOutcome(key, "refused", reason="closed", message=str(exc))
        except SubmissionBlocked as exc:
            message = "; ".join([str(exc), *(v.message for v in exc.violations)])
            return QueuedOutcome(key, "refused", reason="blocked", message=message)
        self._closed()  # the values sent after the submit are refused as "submitted"
        return QueuedOutcome(key, "applied", outcome="submitted")
