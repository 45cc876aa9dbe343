"""A DHIS2 data value set imported as DHIS2 does it, around ``bulk.datavalues_import``
(which imports rows of codes into one form): identifiers read under the asked schemes,
an unknown org unit in the header refused, and the form found from the data elements when
the payload names none.

Without ``dataSet`` (DHIS2's documentation posts such bulks, and DHIS2 CSV has no data set
column) each data element is placed in the active form that has cells for it:

- a data element in one form goes to that form;
- one in several forms goes to the form the payload's other values already point at, when
  exactly one such form holds it; otherwise its values are refused with a conflict (E7602,
  the code DHIS2 gives a payload without a data set) that names the candidate forms, so the sender can add
  ``dataSet``;
- one in no active form is refused (E7610 when no such indicator exists, E7602 when it
  exists in no active form).

``completeDate`` registers the report as complete, which on this platform is submitting it
(``services.submission_submit``: DHIS2's "complete" and our "nộp" both tell the level above
that the unit has finished the report and lock nothing until it is approved). As in DHIS2,
it concerns the header's data set (given or derived), period and org unit, only after an
import that was not aborted and not a dry run; it is refused, with the reason in the
summary's description and ``dataSetComplete`` left ``"false"``, when the platform would
refuse the submit button (validation errors, period closed, no right to submit). When
registered, ``dataSetComplete`` is the date sent, as DHIS2 reports it.

Each form's values are imported in their own transaction (as separate posts would be), and
the summaries are added up into one: counts summed, conflicts listed together.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from dantoc.geo.models import Unit
from dantoc.geo.selectors import unit_get
from dantoc.indicators.models import Indicator
from dantoc.reporting import selectors
from dantoc.reporting.dhis2 import ERROR, SUCCESS, WARNING, Conflicts, DataValueSet, ImportSummary
from dantoc.reporting.dhis2_ids import DATA_SET, ORG_UNIT
from dantoc.reporting.dhis2_metadata import CodedRows, IdMaps, IdSchemes
from dantoc.reporting.periods import PeriodError
from dantoc.reporting.services import (
    ReportClosed,
    SubmissionBlocked,
    period_resolve,
    submission_submit,
)
from dantoc.reporting.services.bulk import datavalues_import

AUTO_SCHEMES = IdSchemes()


class _FormRows:
    """The rows of some data elements only (re-iterable, as the rows it wraps)."""

    def __init__(self, rows, elements: set[str]) -> None:
        self._rows = rows
        self._elements = elements

    def __iter__(self):
        elements = self._elements
        return (row for row in self._rows if row[1] in elements)


def _aborted(summary: ImportSummary, code: str, prop: str, obj: str, message: str):
    conflicts = Conflicts()
    conflicts.add(None, code, prop, obj, message)
    summary.status = ERROR
    summary.description = _("Quá trình nhập bị huỷ.")
    summary.conflicts = conflicts.as_list()
    return summary


def datavalueset_import(
    *,
    actor,
    payload: DataValueSet,
    schemes: IdSchemes = AUTO_SCHEMES,
    dry_run: bool = False,
    strategy: str = "CREATE_AND_UPDATE",
    today: datetime.date | None = None,
) -> ImportSummary:
    """Import ``payload`` (read by ``dhis2.read_json_file``/``read_csv_file`` or
    ``dhis2_xml.read_xml_file``), register it complete when it says so, and return one
    DHIS2 ImportSummary for it."""
    maps = IdMaps()
    summary, forms = _import_values(
        actor=actor, payload=payload, schemes=schemes, maps=maps, dry_run=dry_run,
        strategy=strategy, today=today,
    )  # fmt: skip
    if payload.complete_date and not dry_run and summary.status != ERROR and len(forms) == 1:
        unit_code = maps.to_code(ORG_UNIT, schemes.org_unit, payload.org_unit)
        reason = _complete(
            actor=actor, form_code=forms[0], unit_code=unit_code, period_code=payload.period,
            today=today,
        )  # fmt: skip
        if reason is None:
            summary.data_set_complete = payload.complete_date
        else:
            summary.description = f"{summary.description} " + _(
                "Chưa ghi nhận hoàn thành (completeDate): %(reason)s"
            ) % {"reason": reason}
    return summary


def _complete(*, actor, form_code: str, unit_code: str, period_code: str, today) -> str | None:
    """Submit the report (None) or say why it cannot be."""
    form = selectors.form_get(code=form_code)
    if form is None or not unit_code or not period_code:
        return _("cần dataSet, period và orgUnit ở đầu dữ liệu.")
    try:
        period = period_resolve(period_type=form.period_type, code=period_code)
    except PeriodError as exc:
        return str(exc)
    unit = unit_get(code=unit_code, as_of=period.end_date)
    if unit is None:
        return _("Không có đơn vị mã `%(code)s`.") % {"code": unit_code}
    try:
        submission_submit(actor=actor, form=form, unit=unit, period=period, today=today)
    except (PermissionDenied, ReportClosed, SubmissionBlocked) as exc:
        return str(exc.args[0]) if exc.args else str(exc)
    return None


def _import_values(
    *,
    actor,
    maps: IdMaps,
    payload: DataValueSet,
    schemes: IdSchemes = AUTO_SCHEMES,
    dry_run: bool = False,
    strategy: str = "CREATE_AND_UPDATE",
    today: datetime.date | None = None,
) -> tuple[ImportSummary, list[str]]:
    """The values imported, and the codes of the forms they went to."""
    rows = (
        payload.rows if schemes.all_codes else CodedRows(payload.rows, schemes=schemes, maps=maps)
    )
    data_set = maps.to_code(DATA_SET, schemes.data_set, payload.data_set)
    header_unit = maps.to_code(ORG_UNIT, schemes.org_unit, payload.org_unit)
    summary = ImportSummary(dry_run=dry_run, strategy=strategy)
    if header_unit and not Unit.objects.filter(code=header_unit).exists():
        # DHIS2 aborts on the header's org unit (E7603) rather than refusing each value.
        return _aborted(
            summary, "E7603", "orgUnit", payload.org_unit,
            _("Không có đơn vị (org unit) mã `%(code)s`.") % {"code": payload.org_unit},
        ), []  # fmt: skip
    if data_set:
        return datavalues_import(
            actor=actor, rows=rows, dataset_code=data_set, dry_run=dry_run,
            strategy=strategy, today=today,
        ), [data_set]  # fmt: skip
    # No data set: find each data element's form.
    indexes: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        indexes[row[1]].append(row[0])
    if not indexes:
        return datavalues_import(
            actor=actor, rows=rows, dataset_code="", dry_run=dry_run, strategy=strategy,
            today=today,
        ), []  # fmt: skip
    forms_of = maps.catalogue().forms_of_indicator
    chosen: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    for element in indexes:
        forms = forms_of.get(element, [])
        if len(forms) == 1:
            chosen[element] = forms[0]
        elif forms:
            ambiguous[element] = forms
    pointed = set(chosen.values())
    for element, forms in ambiguous.items():
        common = [f for f in forms if f in pointed]
        if len(common) == 1:
            chosen[element] = common[0]
    conflicts = Conflicts()
    unknown = set(indexes) - set(chosen) - set(ambiguous)
    existing = set(Indicator.objects.filter(code__in=unknown).values_list("code", flat=True))
    for element in sorted(set(indexes) - set(chosen)):
        if element in ambiguous:
            message = _(
                "Chỉ tiêu `%(de)s` có trong nhiều biểu mẫu (%(forms)s): hãy cho biết dataSet."
            ) % {"de": element, "forms": ", ".join(ambiguous[element])}
            code, prop = "E7602", "dataElement"
        elif element in existing:
            message = _("Chỉ tiêu `%(de)s` không có trong biểu mẫu nào đang dùng.") % {
                "de": element
            }
            code, prop = "E7602", "dataElement"
        else:
            message = _("Không có chỉ tiêu (data element) mã `%(code)s`.") % {"code": element}
            code, prop = "E7610", "dataElement"
        for index in indexes[element]:
            conflicts.add(index, code, prop, element, message)
    by_form: dict[str, set[str]] = defaultdict(set)
    for element, form in chosen.items():
        by_form[form].add(element)
    all_conflicts = conflicts.as_list()
    ignored = sum(len(c.indexes) for c in all_conflicts)
    aborted = None
    for form in sorted(by_form):
        part = datavalues_import(
            actor=actor, rows=_FormRows(rows, by_form[form]), dataset_code=form,
            dry_run=dry_run, strategy=strategy, today=today,
        )  # fmt: skip
        all_conflicts += part.conflicts
        for name in ("imported", "updated", "ignored", "deleted"):
            setattr(
                summary.import_count,
                name,
                getattr(summary.import_count, name) + getattr(part.import_count, name),
            )
        if part.status == ERROR:
            aborted = part.description
    summary.import_count.ignored += ignored
    summary.conflicts = sorted(
        all_conflicts, key=lambda c: (min(c.indexes, default=-1), c.error_code)
    )
    if aborted is not None:
        summary.status, summary.description = ERROR, aborted
    else:
        summary.status = WARNING if summary.conflicts else SUCCESS
        summary.description = _("Quá trình nhập đã hoàn tất.")
    return summary, sorted(by_form)
