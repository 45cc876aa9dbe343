"""Reads of the reporting system. Pages, Excel, the API and analytics share these."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.core.templatetags.vn import format_number_vi
from dantoc.geo.models import LEVEL_DEPTH, Unit, UnitLevel
from dantoc.geo.selectors import valid_on_q
from dantoc.indicators.models import Category, Indicator
from dantoc.indicators.values import options_key
from dantoc.reporting.designer.definition import canonical
from dantoc.reporting.models import (
    NOT_STARTED_LABEL,
    DataValue,
    DataValueChange,
    FormDraft,
    FormStatus,
    Period,
    ReportForm,
    Submission,
    SubmissionStatus,
)
from dantoc.reporting.periods import Period as PeriodWindow
from dantoc.reporting.periods import period_containing
from dantoc.reporting.validation import check_rules


@dataclass(frozen=True)
class Cell:
    key: str  # "r<row id>c<column id>", the input's name on the page and in Excel
    indicator: Indicator
    options: dict[str, str]
    options_key: str
    row_id: int
    column_id: int
    min_value: Decimal | None
    max_value: Decimal | None


@dataclass
class LayoutRow:
    id: int
    code: str
    label: str
    optional: bool
    cells: list[Cell | None] = field(default_factory=list)


@dataclass
class LayoutSection:
    id: int
    code: str
    title: str
    columns: list  # FormColumn
    rows: list[LayoutRow]


@dataclass
class FormLayout:
    form: ReportForm
    sections: list[LayoutSection]
    cells: dict[str, Cell]
    by_value_key: dict[tuple[int, str], Cell]
    indicators: dict[int, Indicator]

    def cell_for(self, indicator_id: int, key: str) -> Cell | None:
        return self.by_value_key.get((indicator_id, key))


def form_layout(form: ReportForm) -> FormLayout:
    """The grid of a form version: every cell with its indicator and options (5 queries)."""
    sections = list(form.sections.order_by("order").prefetch_related("rows", "columns"))
    indicator_ids = set()
    for section in sections:
        for item in list(section.rows.all()) + list(section.columns.all()):
            if item.indicator_id:
                indicator_ids.add(item.indicator_id)
    indicators = Indicator.objects.prefetch_related("categories").in_bulk(indicator_ids)
    cells: dict[str, Cell] = {}
    by_value_key: dict[tuple[int, str], Cell] = {}
    layout_sections = []
    for section in sections:
        columns = sorted(section.columns.all(), key=lambda c: c.order)
        rows = []
        for row in sorted(section.rows.all(), key=lambda r: r.order):
            layout_row = LayoutRow(row.id, row.code, row.label, row.optional)
            for column in columns:
                indicator = indicators.get(row.indicator_id or column.indicator_id)
                merged = {**row.options, **column.options}
                cell = None
                if indicator is not None:
                    wanted = {c.code for c in indicator.categories.all()}
                    if set(merged) == wanted:
                        key = options_key(merged)
                        cell = Cell(
                            key=f"r{row.id}c{column.id}",
                            indicator=indicator,
                            options=merged,
                            options_key=key,
                            row_id=row.id,
                            column_id=column.id,
                            min_value=row.min_value,
                            max_value=row.max_value,
                        )
                        cells[cell.key] = cell
                        by_value_key[(indicator.pk, key)] = cell
                layout_row.cells.append(cell)
            rows.append(layout_row)
        layout_sections.append(
            LayoutSection(section.id, section.code, section.title, columns, rows)
        )
    return FormLayout(form, layout_sections, cells, by_value_key, indicators)


def active_forms() -> QuerySet[ReportForm]:
    return ReportForm.objects.filter(status=FormStatus.ACTIVE).select_related("period_type")


def form_get(*, code: str, version: int | None = None) -> ReportForm | None:
    forms = ReportForm.objects.select_related("period_type", "programme").filter(code=code)
    if version is not None:
        return forms.filter(version=version).first()
    return forms.filter(status=FormStatus.ACTIVE).order_by("-version").first()


def open_periods(form: ReportForm, *, today: datetime.date | None = None) -> list[PeriodWindow]:
    """The periods of the form whose entry window contains today, latest first; when none
    is open, the next one to open (so a reporter always sees what is due or coming)."""
    from dantoc.reporting.periods import next_period, previous_period

    day = today or timezone.localdate()
    rule = form.period_type.rule()
    window = period_containing(day, rule)
    candidates = [next_period(window, rule), window, previous_period(window, rule)]
    candidates.append(previous_period(candidates[-1], rule))
    opened = [
        w
        for w in candidates
        if w.end - datetime.timedelta(days=form.opens_days_before_end)
        <= day
        <= w.end + datetime.timedelta(days=form.locks_days_after_end)
    ]
    if opened:
        return opened
    upcoming = [
        w for w in candidates if day < w.end - datetime.timedelta(days=form.opens_days_before_end)
    ]
    return [min(upcoming, key=lambda w: w.start)] if upcoming else [window]


def reporting_units(*, form: ReportForm, period: Period, root: Unit) -> QuerySet[Unit]:
    """Units of the form's reporting level under ``root`` that were in force when the period
    ended: the hierarchy of the period, not today's."""
    return Unit.objects.filter(
        valid_on_q(period.end_date),
        level=form.reporting_level,
        path__startswith=root.path,
    )


def chain_levels(form: ReportForm, period: Period) -> list[str]:
    """Levels that hold a submission for the form and period, bottom-up (the country last is
    not included: it approves, it does not report)."""
    depth = LEVEL_DEPTH[UnitLevel(form.reporting_level)]
    levels = [UnitLevel.COMMUNE, UnitLevel.DISTRICT, UnitLevel.PROVINCE]
    if period.end_date >= datetime.date(2025, 7, 1):
        levels.remove(UnitLevel.DISTRICT)
    return [lv for lv in levels if LEVEL_DEPTH[lv] <= depth]


def values_for(*, layout: FormLayout, unit: Unit, period: Period) -> dict[str, DataValue]:
    """Current values of a report keyed by cell key."""
    rows = DataValue.objects.filter(
        unit=unit, period=period, indicator_id__in=list(layout.indicators), deleted=False
    )
    result = {}
    for value in rows:
        cell = layout.cell_for(value.indicator_id, value.options_key)
        if cell is not None:
            result[cell.key] = value
    return result


def value_display(cell, value) -> str:
    """A stored value as a Vietnamese official types it: 1.234.567,5 (the entry page's
    inputs, and the base an offline change says it was made on)."""
    if value is None or value.deleted:
        return ""
    if value.numeric is None or not cell.indicator.is_numeric:
        return value.value
    return format_number_vi(value.numeric)


def rule_values(*, layout: FormLayout, values: dict[str, DataValue]):
    """The numbers the validation rules see, by indicator code."""
    grouped: dict[str, list] = defaultdict(list)
    for key, value in values.items():
        if value.numeric is not None:
            cell = layout.cells[key]
            grouped[cell.indicator.code].append((cell.options, value.numeric))
    return grouped


def submission_for(*, form: ReportForm, unit: Unit, period: Period) -> Submission | None:
    return (
        Submission.objects.select_related("submitted_by", "decided_by", "form")
        .filter(form_code=form.code, unit=unit, period=period)
        .first()
    )


def changes_since_approval(*, submission: Submission, layout: FormLayout) -> int:
    """How many value changes happened after the last approval (shown beside the status):
    values entered for the first time since then, and changes of values (2 queries)."""
    if submission.last_approved_at is None:
        return 0
    values = DataValue.objects.filter(
        unit=submission.unit_id,
        period=submission.period_id,
        indicator_id__in=list(layout.indicators),
    )
    entered = values.filter(created_at__gt=submission.last_approved_at).count()
    changed = DataValueChange.objects.filter(
        data_value__in=values, at__gt=submission.last_approved_at
    ).count()
    return entered + changed


@dataclass(frozen=True)
class ValueHistory:
    """A value's story: who entered it first, when and what, then each change (newest
    first). The first value is the old value of the first change, or the value itself when
    it never changed."""

    value: DataValue
    created_by: User | None
    created_at: datetime.datetime
    first_value: str
    first_comment: str
    changes: list[DataValueChange]


def option_names(options: dict[str, str]) -> list[tuple[str, str]]:
    """(category name, option name) of a cell's disaggregation, in the language shown —
    "Dân tộc: Mông", not ``DAN_TOC=08``. A code with no catalogue row is shown as it is."""
    if not options:
        return []
    categories = {
        c.code: c
        for c in Category.objects.filter(code__in=list(options)).prefetch_related("options")
    }
    named = []
    for category_code, option_code in options.items():
        category = categories.get(category_code)
        if category is None:
            named.append((category_code, option_code))
            continue
        option = next((o for o in category.options.all() if o.code == option_code), None)
        named.append((category.localized_name, option.localized_name if option else option_code))
    return named


def value_history(*, data_value: DataValue) -> ValueHistory:
    changes = list(data_value.changes.select_related("actor").order_by("-at", "-id"))
    first = changes[-1] if changes else None
    return ValueHistory(
        value=data_value,
        created_by=data_value.created_by,
        created_at=data_value.created_at,
        first_value=first.old_value if first else data_value.value,
        first_comment=first.old_comment if first else data_value.comment,
        changes=changes,
    )


def deadline_for(form: ReportForm, level: str, period: Period) -> datetime.date | None:
    for deadline in form.deadlines.all():
        if deadline.level == level:
            return period.end_date + datetime.timedelta(days=deadline.days_after_end)
    return None


@dataclass
class CompletenessRow:
    unit: Unit
    expected: int = 0
    submitted: int = 0
    approved: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    status: str | None = None  # for a reporting unit itself
    reopened: bool = False  # approved once, then reopened: values may differ from the approval
    reopened_count: int = 0

    @property
    def status_label(self) -> str:
        return SubmissionStatus(self.status).label if self.status else str(NOT_STARTED_LABEL)

    @property
    def percent(self) -> float:
        return round(100 * self.submitted / self.expected, 1) if self.expected else 0.0


@dataclass
class Completeness:
    form: ReportForm
    period: Period
    root: Unit
    total: CompletenessRow
    rows: list[CompletenessRow]
    deadline: datetime.date | None
    as_of: datetime.datetime


DONE = {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED}


def completeness(*, form: ReportForm, period: Period, root: Unit) -> Completeness:
    """Expected, submitted, on time, late, missing under ``root``, per child of ``root``.

    Four queries whatever the size of the tree (deadlines, the reporting units' ids and
    paths, their submissions, the children of ``root``); the rest is counted in memory.
    """
    deadline = deadline_for(form, form.reporting_level, period)
    units = list(reporting_units(form=form, period=period, root=root).values_list("id", "path"))
    status_by_unit = {
        unit_id: (status, submitted_at, last_approved_at)
        for unit_id, status, submitted_at, last_approved_at in Submission.objects.filter(
            form_code=form.code, period=period, unit__path__startswith=root.path
        ).values_list("unit_id", "status", "submitted_at", "last_approved_at")
    }
    children = list(
        Unit.objects.filter(parent=root).filter(valid_on_q(period.end_date)).order_by("code")
    )
    if root.level == form.reporting_level:
        children = []
    by_prefix = {child.path: CompletenessRow(child) for child in children}
    total = CompletenessRow(root)
    deadline_end = (
        timezone.make_aware(datetime.datetime.combine(deadline, datetime.time.max))
        if deadline
        else None
    )
    for unit_id, path in units:
        status, submitted_at, last_approved_at = status_by_unit.get(unit_id, (None, None, None))
        reopened = last_approved_at is not None and status != SubmissionStatus.APPROVED
        targets = [total]
        # The child whose path is a prefix of this unit's path (paths are "/1/23/456/").
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:depth]) + "/"
            row = by_prefix.get(prefix)
            if row is not None:
                targets.append(row)
                if prefix == path:
                    row.status = status
                    row.reopened = reopened
                break
        for row in targets:
            row.expected += 1
            row.reopened_count += int(reopened)
            if status in DONE:
                row.submitted += 1
                if status == SubmissionStatus.APPROVED:
                    row.approved += 1
                if deadline_end is None or (submitted_at and submitted_at <= deadline_end):
                    row.on_time += 1
                else:
                    row.late += 1
            elif status == SubmissionStatus.WAIVED:
                row.expected -= 1
            else:
                row.missing += 1
    return Completeness(
        form=form,
        period=period,
        root=root,
        total=total,
        rows=[r for r in by_prefix.values() if r.expected or r.status],
        deadline=deadline,
        as_of=timezone.now(),
    )


def submissions_awaiting_review(*, user) -> QuerySet[Submission]:
    """Reports submitted by the units directly below the official's unit, oldest first: what
    the level above has to approve or return now."""
    if user.unit_id is None:
        return Submission.objects.none()
    return (
        Submission.objects.filter(status=SubmissionStatus.SUBMITTED, unit__parent_id=user.unit_id)
        .select_related("unit", "period", "form")
        .order_by("submitted_at")
    )


def previous_period(period: Period) -> Period | None:
    """The period of the same kind just before this one (the one a reviewer compares with)."""
    return (
        Period.objects.filter(period_type_id=period.period_type_id, end_date__lt=period.start_date)
        .order_by("-end_date")
        .first()
    )


@dataclass
class ComparedCell:
    section: str
    row: str
    column: str
    current: Decimal | None
    previous: Decimal | None

    @property
    def change_percent(self) -> Decimal | None:
        if self.current is None or not self.previous:
            return None
        return ((self.current - self.previous) * 100 / abs(self.previous)).quantize(Decimal("0.1"))

    @property
    def large(self) -> bool:
        """A change a reviewer should look at twice: more than half up or down, or a figure
        that appeared or vanished."""
        if (self.current is None) != (self.previous is None):
            return True
        change = self.change_percent
        return change is not None and abs(change) > LARGE_CHANGE_PERCENT


LARGE_CHANGE_PERCENT = Decimal(50)


@dataclass
class ReviewSummary:
    """What an approver looks at before approving: the form's rules that the report breaks
    (errors and warnings) and its figures beside the previous period's."""

    violations: list
    previous: Period | None
    cells: list[ComparedCell]

    @property
    def large_changes(self) -> int:
        return sum(c.large for c in self.cells)


def review_summary(*, form: ReportForm, unit: Unit, period: Period) -> ReviewSummary:
    layout = form_layout(form)
    values = values_for(layout=layout, unit=unit, period=period)
    violations = check_rules(form.rules.all(), rule_values(layout=layout, values=values))
    previous = previous_period(period)
    before = values_for(layout=layout, unit=unit, period=previous) if previous else {}
    cells = []
    for section in layout.sections:
        for row in section.rows:
            for column, cell in zip(section.columns, row.cells, strict=True):
                if cell is None or not cell.indicator.is_numeric:
                    continue
                now, then = values.get(cell.key), before.get(cell.key)
                current = now.numeric if now is not None and not now.deleted else None
                earlier = then.numeric if then is not None and not then.deleted else None
                if current is None and earlier is None:
                    continue
                cells.append(ComparedCell(section.title, row.label, column.label, current, earlier))
    return ReviewSummary(violations, previous, cells)


def indicator_has_values(indicator_id: int) -> bool:
    """Whether any value of the indicator is stored (deleted ones included: their history
    names the indicator's options)."""
    return DataValue.objects.filter(indicator_id=indicator_id).exists()


def form_definition(form: ReportForm) -> dict:
    """A stored version as a definition (the shape of a JSON upload, canonical): what the
    designer starts from and what "Tải JSON" gives (uploading it again changes nothing)."""
    sections = form.sections.order_by("order").prefetch_related(
        "rows__indicator", "columns__indicator"
    )
    return canonical(
        {
            "code": form.code,
            "name": form.name,
            "name_en": form.name_en,
            "period_type": form.period_type.code,
            "reporting_level": form.reporting_level,
            "programme": form.programme.code if form.programme_id else "",
            "legal_basis": form.legal_basis,
            "maintainer_note": form.maintainer_note,
            "description": form.description,
            "opens_days_before_end": form.opens_days_before_end,
            "locks_days_after_end": form.locks_days_after_end,
            "computed": form.computed,
            "deadlines": {d.level: d.days_after_end for d in form.deadlines.order_by("level")},
            "sections": [
                {
                    "code": s.code,
                    "title": s.title,
                    "title_en": s.title_en,
                    "columns": [
                        {
                            "code": c.code,
                            "label": c.label,
                            "label_en": c.label_en,
                            "indicator": c.indicator.code if c.indicator_id else None,
                            "options": c.options,
                        }
                        for c in sorted(s.columns.all(), key=lambda c: c.order)
                    ],
                    "rows": [
                        {
                            "code": r.code,
                            "label": r.label,
                            "label_en": r.label_en,
                            "indicator": r.indicator.code if r.indicator_id else None,
                            "options": r.options,
                            "optional": r.optional,
                            "min_value": r.min_value,
                            "max_value": r.max_value,
                        }
                        for r in sorted(s.rows.all(), key=lambda r: r.order)
                    ],
                }
                for s in sections
            ],
            "rules": [
                {
                    "code": r.code,
                    "left": r.left,
                    "operator": r.operator,
                    "right": r.right,
                    "importance": r.importance,
                    "message": r.message,
                    "message_en": r.message_en,
                }
                for r in form.rules.order_by("id")
            ],
        }
    )


def form_drafts_of(user: User) -> QuerySet[FormDraft]:
    """The designs a ministry officer has not saved yet, latest first."""
    return FormDraft.objects.filter(owner=user, saved_as__isnull=True).select_related("based_on")
